"""Every write to depositors (缴存职工) as persons: register and link spouses."""

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Depositor
from accounts.services.common import require_text, validated_id
from core import audit, roles
from core.errors import Conflict, InvalidInput
from core.identity import mask_id_number, resident_id_facts


@transaction.atomic
def register_depositor(*, actor, name, id_number, phone="", marital_status=Depositor.Marital.SINGLE,
                       local_hukou=True, children=0, spouse=None) -> Depositor:
    roles.require_role(actor, *roles.ACCOUNT_WRITE_ROLES)
    id_number = validated_id(id_number)
    require_text({"name": name}, "name")
    if phone and not (phone.isdigit() and len(phone) == 11 and phone.startswith("1")):
        msg = _("The mobile phone number must be 11 digits starting with 1.")
        raise InvalidInput(msg, fields={"phone": [msg]})
    existing = Depositor.objects.filter(id_number=id_number).first()
    if existing:
        msg = _("A depositor with this ID number already exists: %(n)s.") % {"n": existing.name}
        raise Conflict(msg, code="duplicate_depositor", fields={"id_number": [msg]})
    birth, gender = resident_id_facts(id_number)
    depositor = Depositor.objects.create(name=name.strip(), id_number=id_number, gender=gender, birth_date=birth,
                                         phone=phone, marital_status=marital_status, local_hukou=local_hukou,
                                         children=children)
    if spouse is not None:
        link_spouses(actor=actor, a=depositor, b=spouse)
    audit.record(actor=actor, action="depositor.register", obj=depositor,
                 after={"name": depositor.name, "id_number": mask_id_number(id_number)})
    return depositor


@transaction.atomic
def link_spouses(*, actor, a: Depositor, b: Depositor):
    if a.pk == b.pk:
        raise InvalidInput(_("A person cannot be their own spouse."))
    for person in (a, b):
        current = Depositor.objects.filter(pk=person.pk).values_list("spouse_id", flat=True).first()
        if current and current not in (a.pk, b.pk):
            raise Conflict(_("%(n)s already has a spouse on record.") % {"n": person.name})
    Depositor.objects.filter(pk=a.pk).update(spouse=b, marital_status=Depositor.Marital.MARRIED)
    Depositor.objects.filter(pk=b.pk).update(spouse=a, marital_status=Depositor.Marital.MARRIED)
    audit.record(actor=actor, action="depositor.link_spouse", obj=a, after={"spouse": b.pk})
