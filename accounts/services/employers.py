"""Every write to employers (单位): register, change, close, and link the portal agents acting for them."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts import rules
from accounts.models import Employer, EmployerAgent, FundAccount
from accounts.services.common import require_text
from core import audit, numbering, policy, roles
from core.business_date import today
from core.errors import Conflict, InvalidInput, StateError, from_validation_error
from core.identity import validate_phone, validate_uscc
from ledger import chart
from ledger import services as ledger_services
from ledger.models import Account
from ledger.posting import lock_accounts

EMPLOYER_FIELDS = ("name", "address", "legal_representative", "contact_name", "contact_phone", "economic_type",
                   "industry", "payday", "bank")


def _snapshot(obj, fields):
    return {f: getattr(obj, f) for f in fields}


def _validated_uscc(value):
    try:
        return validate_uscc(value)
    except ValidationError as exc:
        raise from_validation_error(exc, "uscc") from exc


def _validated_phone(value):
    try:
        return validate_phone(value)
    except ValidationError as exc:
        raise from_validation_error(exc, "contact_phone") from exc


def _check_payday(payday):
    if not isinstance(payday, int) or not 1 <= payday <= 28:
        msg = _("The payday must be between 1 and 28.")
        raise InvalidInput(msg, fields={"payday": [msg]})


@transaction.atomic
def register_employer(*, actor, uscc, name, address, legal_representative, contact_name, contact_phone,
                      economic_type, payday, bank, industry="", employer_ratio=None, employee_ratio=None,
                      opened_on=None) -> Employer:
    roles.require_role(actor, *roles.ACCOUNT_WRITE_ROLES)
    uscc = _validated_uscc(uscc)
    data = dict(name=name, address=address, legal_representative=legal_representative, contact_name=contact_name,
                contact_phone=contact_phone)
    require_text(data, *data)
    contact_phone = _validated_phone(contact_phone)
    _check_payday(payday)
    on = opened_on or today()
    default_ratio = policy.get("deposits.new_employer_ratio", on=on)
    employer_ratio = rules.check_ratio(employer_ratio if employer_ratio is not None else default_ratio, on=on,
                                       field="employer_ratio")
    employee_ratio = rules.check_ratio(employee_ratio if employee_ratio is not None else default_ratio, on=on,
                                       field="employee_ratio")
    existing = Employer.objects.filter(uscc=uscc).first()
    if existing:
        msg = _("An employer with this code is already registered: %(e)s.") % {"e": existing}
        raise Conflict(msg, code="duplicate_employer", fields={"uscc": [msg]})
    (number,) = numbering.next_numbers(numbering.EMPLOYER)
    suspense = ledger_services.open_sub_account(
        parent_code=chart.HOUSING_FUND, code=f"{chart.HOUSING_FUND}-S-{number}",
        name=f"暂收未分摊 {name}", role=Account.Role.SUSPENSE, opened_on=on)
    employer = Employer.objects.create(
        account_number=number, uscc=uscc, name=name.strip(), address=address.strip(),
        legal_representative=legal_representative.strip(), contact_name=contact_name.strip(),
        contact_phone=contact_phone.strip(), economic_type=economic_type, industry=industry.strip(),
        payday=payday, bank=bank, employer_ratio=employer_ratio, employee_ratio=employee_ratio, opened_on=on,
        suspense_account=suspense,
    )
    audit.record(actor=actor, action="employer.register", obj=employer,
                 after=_snapshot(employer, EMPLOYER_FIELDS + ("uscc", "account_number")))
    return employer


@transaction.atomic
def change_employer(*, actor, employer: Employer, **changes) -> Employer:
    roles.require_role(actor, *roles.ACCOUNT_WRITE_ROLES)
    employer = Employer.objects.select_for_update().get(pk=employer.pk)
    if employer.status == Employer.Status.CLOSED:
        raise StateError(_("The employer is closed and cannot be changed."))
    unknown = set(changes) - set(EMPLOYER_FIELDS) - {"employer_ratio", "employee_ratio"}
    if unknown:
        raise InvalidInput(_("These fields cannot be changed here: %(f)s.") % {"f": ", ".join(sorted(unknown))})
    if "payday" in changes:
        _check_payday(changes["payday"])
    if "contact_phone" in changes:
        changes["contact_phone"] = _validated_phone(changes["contact_phone"])
    for field in ("employer_ratio", "employee_ratio"):
        if field in changes:
            changes[field] = rules.check_ratio(changes[field], field=field)
    before = _snapshot(employer, changes)
    for field, value in changes.items():
        setattr(employer, field, value.strip() if isinstance(value, str) else value)
    employer.save()
    audit.record(actor=actor, action="employer.change", obj=employer, before=before, after=_snapshot(employer, changes))
    return employer


@transaction.atomic
def close_employer(*, actor, employer: Employer, reason) -> Employer:
    roles.require_role(actor, *roles.ACCOUNT_WRITE_ROLES)
    employer = Employer.objects.select_for_update().get(pk=employer.pk)
    if employer.status == Employer.Status.CLOSED:
        raise StateError(_("The employer is already closed."))
    active = employer.accounts.filter(status=FundAccount.Status.NORMAL).count()
    if active:
        raise StateError(_("The employer still has %(n)d active employee account(s); seal or transfer them first.")
                         % {"n": active}, code="has_active_employees")
    suspense = lock_accounts([employer.suspense_account_id])[employer.suspense_account_id]
    if suspense.balance != 0:
        raise StateError(_("The employer still has unallocated money (暂收未分摊) of %(b)s; it cannot be closed.")
                         % {"b": suspense.balance}, code="has_suspense")
    ledger_services.close_account(account=suspense, actor=actor)
    employer.status = Employer.Status.CLOSED
    employer.closed_on = today()
    employer.close_reason = reason
    employer.save(update_fields=["status", "closed_on", "close_reason"])
    audit.record(actor=actor, action="employer.close", obj=employer, after={"reason": reason})
    return employer


@transaction.atomic
def link_employer_agent(*, actor, user, employer: Employer) -> EmployerAgent:
    roles.require_role(actor, roles.SYSADMIN, roles.CLERK)
    agent, _created = EmployerAgent.objects.update_or_create(user=user, defaults={"employer": employer})
    roles.add_role(user, roles.EMPLOYER_AGENT)
    audit.record(actor=actor, action="employer.agent", obj=agent, after={"user": user.pk})
    return agent
