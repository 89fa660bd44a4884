"""Helpers shared by the accounts services: required text and the account event every lifecycle step records."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from accounts.models import AccountEvent, Employer
from core.business_date import today
from core.errors import InvalidInput, StateError, from_validation_error
from core.identity import validate_resident_id


def validated_id(value):
    try:
        return validate_resident_id(value, today=today())
    except ValidationError as exc:
        raise from_validation_error(exc, "id_number") from exc


def require_text(data, *names):
    for name in names:
        if not str(data.get(name) or "").strip():
            msg = _("This field is required.")
            raise InvalidInput(msg, code="required", fields={name: [msg]})


def record_event(account, business_type, from_status, actor, reason="", employer=None):
    AccountEvent.objects.create(account=account, business_type=business_type, from_status=from_status or "",
                                to_status=account.status, employer=employer or account.employer,
                                business_date=today(), reason=reason,
                                actor=actor if getattr(actor, "pk", None) else None)


def check_employer_active(employer):
    if employer.status in (Employer.Status.CLOSED, Employer.Status.SEALED):
        raise StateError(_("The employer %(e)s is not active.") % {"e": employer.name}, code="employer_inactive")
