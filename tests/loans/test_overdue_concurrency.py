"""The close of business and a repayment on the same loan at the same moment (real PostgreSQL threads): the
payment is never lost and the penalty never charged twice, whichever goes first."""

import datetime
from decimal import Decimal

import pytest

from ledger.reconciliation import check_records
from loans import services
from loans.models import LoanContract, LoanRepayment
from tests.loans.conftest import on
from tests.loans.test_concurrency import race
from tests.loans.test_money import balance, disbursed, finance, receipt, rows  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db(transaction=True)
D = Decimal


@pytest.mark.parametrize("attempt", range(3))
def test_the_job_and_a_repayment_at_once(staff, household, finance, attempt):  # noqa: F811
    contract = disbursed(staff, household, finance)
    on(datetime.date(2026, 3, 20))  # installment 1 is 10 days late: 2,735.59 + 2.27 penalty
    due = services.amount_due(contract=contract)["overdue"]
    assert due == D("2737.86")
    line = receipt(str(due), f"RACE{attempt}")
    errors = race(
        [
            lambda: services.close_business(actor=finance),
            lambda: services.repay(actor=finance, contract=contract, line=line),
        ]
    )
    assert errors == []
    repayment = LoanRepayment.objects.get(contract=contract)
    assert (repayment.amount, repayment.penalty) == (D("2737.86"), D("2.27"))
    first = rows(contract)[0]
    assert (first.principal_paid, first.interest_paid, first.penalty_paid) == (D("1548.09"), D("1187.50"), D("2.27"))
    assert first.penalty_accrued in (D("0"), D("2.27"))  # 2.27 when the job went first
    contract.refresh_from_db()
    assert contract.status == LoanContract.Status.NORMAL
    assert balance(contract.overdue_account.code) == 0
    assert balance(contract.ledger_account.code) == D("500000.00") - D("1548.09")
    assert check_records()["differences"] == []
