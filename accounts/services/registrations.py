"""Online employer registration (单位网上开户登记): an employer applies from the public portal, the counter
approves (the employer account is opened by :func:`register_employer` and the applicant's portal login is made)
or refuses with a reason. Nothing is opened before a member of staff has checked the application."""

import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import EconomicType, Employer, EmployerRegistration
from accounts.services.common import require_text
from accounts.services.employers import _check_payday, _validated_phone, _validated_uscc, link_employer_agent
from accounts.services.employers import register_employer as open_employer
from core import audit, roles, workflow
from core.actors import system_actor
from core.errors import Conflict, InvalidInput, StateError
from ledger.models import Bank

# Applications one address may send in an hour (a public form that writes rows).
PER_ADDRESS_PER_HOUR = 5
TEXT_LIMITS = {"name": 120, "address": 200, "legal_representative": 60, "contact_name": 60, "industry": 60}


def _refuse(field, message, code="invalid"):
    raise InvalidInput(message, code=code, fields={field: [message]})


def _clean_text(data):
    out = {}
    for name, limit in TEXT_LIMITS.items():
        value = " ".join(str(data.get(name) or "").split())
        if len(value) > limit:
            _refuse(name, _("At most %(n)d characters.") % {"n": limit}, "too_long")
        out[name] = value
    require_text(out, "name", "address", "legal_representative", "contact_name")
    return out


def _login_taken(uscc) -> bool:
    return get_user_model().objects.filter(username__iexact=uscc).exists()


def _reference() -> str:
    today = timezone.localdate()
    count = EmployerRegistration.objects.filter(submitted_at__date=today).count() + 1
    base = f"DJ{today:%Y%m%d}{count:04d}"
    while EmployerRegistration.objects.filter(reference=base).exists():
        count += 1
        base = f"DJ{today:%Y%m%d}{count:04d}"
    return base


@transaction.atomic
def submit_registration(*, uscc, name, address, legal_representative, contact_name, contact_phone, economic_type,
                        payday, bank, password, industry="", submitted_from=None) -> EmployerRegistration:
    """Record an employer's application (no login needed). Every field is checked as the counter would; an
    employer already registered, or already waiting, is refused with the reason; one address sends at most
    ``PER_ADDRESS_PER_HOUR`` applications an hour."""
    if submitted_from and EmployerRegistration.objects.filter(
            submitted_from=submitted_from,
            submitted_at__gte=timezone.now() - datetime.timedelta(hours=1)).count() >= PER_ADDRESS_PER_HOUR:
        raise InvalidInput(_("Too many applications were sent from this address; try again in an hour or apply "
                             "at the counter."), code="too_many")
    uscc = _validated_uscc(uscc)
    text = _clean_text(dict(name=name, address=address, legal_representative=legal_representative,
                            contact_name=contact_name, industry=industry))
    require_text({"contact_phone": contact_phone}, "contact_phone")
    contact_phone = _validated_phone(contact_phone)
    if economic_type not in EconomicType.values:
        _refuse("economic_type", _("Choose the economic type."))
    if bank not in Bank.values:
        _refuse("bank", _("Choose the entrusted bank."))
    _check_payday(payday)
    try:
        validate_password(password or "", get_user_model()(username=uscc))
    except ValidationError as exc:
        raise InvalidInput(" ".join(exc.messages), code="weak_password",
                           fields={"password1": list(exc.messages)}) from exc
    if Employer.objects.filter(uscc=uscc).exists() or _login_taken(uscc):
        _refuse("uscc", _("An employer with this code is already registered with the center; its agent logs in "
                          "to the employer portal, or asks the counter."), "duplicate_employer")
    if EmployerRegistration.objects.filter(uscc=uscc, status=EmployerRegistration.Status.PENDING).exists():
        _refuse("uscc", _("An application for this code is already waiting for the counter."), "pending")
    try:
        with transaction.atomic():
            registration = EmployerRegistration.objects.create(
                reference=_reference(), uscc=uscc, contact_phone=contact_phone, economic_type=economic_type,
                payday=payday, bank=bank, password_hash=make_password(password), submitted_from=submitted_from,
                **text)
    except IntegrityError as exc:  # the same code submitted twice at once
        raise Conflict(_("An application for this code is already waiting for the counter."),
                       code="pending", fields={"uscc": [_("Already waiting.")]}) from exc
    audit.record(actor=system_actor(), action="employer.registration.submit", obj=registration,
                 after={"uscc": uscc, "name": registration.name, "reference": registration.reference})
    return registration


def _lock_pending(registration) -> EmployerRegistration:
    registration = EmployerRegistration.objects.select_for_update().get(pk=registration.pk)
    if registration.status != EmployerRegistration.Status.PENDING:
        raise StateError(_("Application %(r)s is already decided (%(s)s).")
                         % {"r": registration.reference, "s": registration.get_status_display()},
                         code="already_decided")
    return registration


@transaction.atomic
def approve_registration(*, actor, registration, opened_on: datetime.date | None = None) -> EmployerRegistration:
    """Open the employer account from the application (the counter's own service, every rule checked again)
    and make the applicant's portal login: the USCC as user name, the password chosen on the form."""
    roles.require_role(actor, *roles.ACCOUNT_WRITE_ROLES)
    registration = _lock_pending(registration)
    if _login_taken(registration.uscc):
        raise Conflict(_("A login named %(u)s already exists; refuse this application or ask the administrator.")
                       % {"u": registration.uscc}, code="login_exists")
    employer = open_employer(
        actor=actor, uscc=registration.uscc, name=registration.name, address=registration.address,
        legal_representative=registration.legal_representative, contact_name=registration.contact_name,
        contact_phone=registration.contact_phone, economic_type=registration.economic_type,
        payday=registration.payday, bank=registration.bank, industry=registration.industry, opened_on=opened_on)
    user = get_user_model().objects.create(username=registration.uscc, password=registration.password_hash,
                                           first_name=registration.contact_name[:150])
    link_employer_agent(actor=actor, user=user, employer=employer)
    registration.status = EmployerRegistration.Status.APPROVED
    registration.employer = employer
    registration.decided_by = actor
    registration.decided_at = timezone.now()
    registration.password_hash = ""
    registration.save(update_fields=["status", "employer", "decided_by", "decided_at", "password_hash"])
    audit.record(actor=actor, action="employer.registration.approve", obj=registration,
                 after={"employer": employer.account_number})
    _tell(registration, _("Your employer account %(n)s is open. Log in to the employer portal with the unified "
                          "social credit code %(u)s and the password you chose.")
          % {"n": employer.account_number, "u": registration.uscc})
    return registration


@transaction.atomic
def refuse_registration(*, actor, registration, reason) -> EmployerRegistration:
    roles.require_role(actor, *roles.ACCOUNT_WRITE_ROLES)
    reason = " ".join(str(reason or "").split())
    if not reason:
        _refuse("reason", _("Give the reason for refusing; the applicant is told."), "required")
    if len(reason) > 200:
        _refuse("reason", _("At most %(n)d characters.") % {"n": 200}, "too_long")
    registration = _lock_pending(registration)
    registration.status = EmployerRegistration.Status.REFUSED
    registration.refusal_reason = reason
    registration.decided_by = actor
    registration.decided_at = timezone.now()
    registration.password_hash = ""
    registration.save(update_fields=["status", "refusal_reason", "decided_by", "decided_at", "password_hash"])
    audit.record(actor=actor, action="employer.registration.refuse", obj=registration, after={"reason": reason})
    _tell(registration, _("Your employer registration %(r)s was not accepted: %(why)s")
          % {"r": registration.reference, "why": reason})
    return registration


def _tell(registration, body):
    """An SMS to the contact phone when it is a mobile number (delivered after commit)."""
    if registration.contact_phone.isdigit() and len(registration.contact_phone) == 11:
        workflow.notify(subject=_("Employer registration"), body=body, recipient=registration, channels=("sms",),
                        address=registration.contact_phone, key=f"employer-registration:{registration.pk}")
