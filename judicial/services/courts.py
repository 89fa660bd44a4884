"""The court register."""

from django.db import transaction
from django.utils.translation import gettext as _

from core import audit, roles
from core.errors import InvalidInput
from judicial.models import Court


@transaction.atomic
def register_court(*, actor, code, name, enforcement_account_name, enforcement_account_number,
                   enforcement_bank) -> Court:
    roles.require_role(actor, roles.JUDICIAL_OFFICER, roles.SYSADMIN)
    values = {"code": code, "name": name, "enforcement_account_name": enforcement_account_name,
              "enforcement_account_number": enforcement_account_number, "enforcement_bank": enforcement_bank}
    sizes = {f.name: f.max_length for f in Court._meta.fields if f.name in values}
    for key, value in values.items():
        value = str(value or "").strip()
        if not value or len(value) > sizes[key]:
            raise InvalidInput(_("Give a value of at most %(n)d characters.") % {"n": sizes[key]},
                               code="invalid", fields={key: [_("Required, at most %(n)d characters.")
                                                             % {"n": sizes[key]}]})
        values[key] = value
    if Court.objects.filter(code=values["code"]).exists():
        raise InvalidInput(_("A court with this code is already registered."), code="duplicate",
                           fields={"code": [_("Already registered.")]})
    court = Court.objects.create(**values)
    audit.record(actor=actor, action="judicial.court.register", obj=court, after=values)
    return court
