"""Opening personal fund accounts (个人账户开户), with their ledger account."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts import rules
from accounts.models import AccountEvent, Depositor, Employer, FundAccount
from accounts.services.common import check_employer_active, record_event, validated_id
from accounts.services.depositors import register_depositor
from core import audit, numbering, roles
from core.business_date import today
from core.errors import Conflict, InvalidInput
from ledger import chart
from ledger import services as ledger_services
from ledger.models import Account


def open_ledger_account(number, name, on):
    return ledger_services.open_sub_account(parent_code=chart.HOUSING_FUND, code=f"{chart.HOUSING_FUND}-P-{number}",
                                            name=f"{name} {number}", role=Account.Role.PERSONAL, opened_on=on)


@transaction.atomic
def open_account(*, actor, employer: Employer, depositor: Depositor, base, employee_ratio=None,
                 employer_ratio=None) -> FundAccount:
    """Open a personal account for an employee (开户). One person, one account."""
    roles.require_role(actor, *roles.ACCOUNT_WRITE_ROLES)
    depositor = Depositor.objects.select_for_update().get(pk=depositor.pk)
    employer = Employer.objects.get(pk=employer.pk)
    check_employer_active(employer)
    existing = depositor.accounts.exclude(status__in=FundAccount.CLOSED_STATUSES).first()
    if existing:
        if existing.status == FundAccount.Status.SEALED:
            msg = _("%(n)s already has the sealed account %(a)s; unseal it into the new employer instead of "
                    "opening another.") % {"n": depositor.name, "a": existing.number}
        else:
            msg = _("%(n)s already has the open account %(a)s; one person may have only one account.") % {
                "n": depositor.name, "a": existing.number}
        raise Conflict(msg, code="account_exists", fields={"id_number": [msg]})
    on = today()
    base = rules.check_base(base, on=on)
    employee_ratio = rules.check_ratio(employee_ratio if employee_ratio is not None else employer.employee_ratio,
                                       on=on, field="employee_ratio")
    employer_ratio = rules.check_ratio(employer_ratio if employer_ratio is not None else employer.employer_ratio,
                                       on=on, field="employer_ratio")
    (number,) = numbering.next_numbers(numbering.PERSONAL)
    try:
        with transaction.atomic():
            account = FundAccount.objects.create(
                number=number, depositor=depositor, employer=employer, base=base, employee_ratio=employee_ratio,
                employer_ratio=employer_ratio, opened_on=on,
                ledger_account=open_ledger_account(number, depositor.name, on),
            )
    except IntegrityError as exc:  # a concurrent open for the same person
        raise Conflict(_("%(n)s already has an open account.") % {"n": depositor.name}, code="account_exists") from exc
    record_event(account, AccountEvent.BusinessType.OPEN, "", actor)
    audit.record(actor=actor, action="account.open", obj=account,
                 after={"number": number, "employer": employer.account_number, "base": base})
    return account


@transaction.atomic
def open_account_for_person(*, actor, employer: Employer, name, id_number, phone, marital_status, local_hukou,
                            children, base, employee_ratio=None, employer_ratio=None) -> FundAccount:
    """Open an account for an employee at the counter: register the person if the ID number is new,
    otherwise use the depositor on record (the name must match), then open the account."""
    roles.require_role(actor, *roles.ACCOUNT_WRITE_ROLES)
    id_number = validated_id(id_number)
    depositor = Depositor.objects.filter(id_number=id_number).first()
    if depositor is None:
        depositor = register_depositor(actor=actor, name=name, id_number=id_number, phone=phone,
                                       marital_status=marital_status, local_hukou=local_hukou, children=children)
    elif depositor.name != (name or "").strip():
        msg = _("This ID number is registered under another name (%(n)s); check the name and the ID number.") % {
            "n": depositor.name}
        raise InvalidInput(msg, code="name_mismatch", fields={"name": [msg]})
    return open_account(actor=actor, employer=employer, depositor=depositor, base=base,
                        employee_ratio=employee_ratio, employer_ratio=employer_ratio)
