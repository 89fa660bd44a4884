"""A contract's repayment schedule, stored from :func:`loans.calculations.schedule` in one ``bulk_create``."""

from django.db import transaction
from django.utils.translation import gettext as _

from core import audit, roles
from core.errors import Conflict
from loans import calculations as calc
from loans.models import LoanContract, ScheduleInstallment

BATCH = 500


def installment_rows(contract: LoanContract) -> list[ScheduleInstallment]:
    """The contract's schedule as unsaved rows (for one contract here, for many in a set-based job)."""
    return [
        ScheduleInstallment(
            contract_id=contract.pk,
            number=i.number,
            due_date=i.due_date,
            principal=i.principal,
            interest=i.interest,
            payment=i.payment,
            balance=i.balance,
            annual_rate=i.annual_rate,
        )
        for i in calc.schedule(
            contract.principal,
            contract.annual_rate,
            contract.term_months,
            contract.method,
            first_due=contract.first_due_date,
        )
    ]


@transaction.atomic
def store_schedule(*, actor, contract: LoanContract) -> list[ScheduleInstallment]:
    """Generate and store the schedule of a contract that has none yet (locked, so two callers never both
    write it)."""
    roles.require_role(actor, roles.LOAN_OFFICER)
    contract = LoanContract.objects.select_for_update().get(pk=contract.pk)
    if contract.installments.exists():
        raise Conflict(
            _("The contract %(n)s already has its schedule.") % {"n": contract.number}, code="schedule_exists"
        )
    rows = ScheduleInstallment.objects.bulk_create(installment_rows(contract), batch_size=BATCH)
    audit.record(
        actor=actor,
        action="loan_contract.schedule",
        obj=contract,
        after={
            "installments": len(rows),
            "principal": str(contract.principal),
            "interest": str(sum(r.interest for r in rows)),
        },
    )
    return rows
