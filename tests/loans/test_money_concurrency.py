"""Two repayments on one loan at the same moment (real PostgreSQL threads): the contract row is locked first, so
the second sees what the first paid and is refused for what is no longer due; nothing is applied twice."""

import datetime
from decimal import Decimal

import pytest

from ledger.models import Account, BankStatementLine
from ledger.reconciliation import check_records
from loans import services
from loans.models import LoanRepayment, ScheduleInstallment
from tests.loans.conftest import on
from tests.loans.test_concurrency import race
from tests.loans.test_money import disbursed, finance, receipt  # noqa: F401 - finance is a fixture

pytestmark = pytest.mark.django_db(transaction=True)
D = Decimal


def test_two_repayments_at_once_never_pay_one_installment_twice(staff, household, finance):  # noqa: F811
    contract = disbursed(staff, household, finance)
    on(datetime.date(2026, 3, 10))  # installment 1 due today, installment 2 may be paid in advance: 5,471.18
    lines = [receipt("5471.18", "C1"), receipt("5471.18", "C2")]
    errors = race([lambda line=line: services.repay(actor=finance, contract=contract, line=line) for line in lines])
    assert [e.code for e in errors] == ["more_than_due"]
    repayment = LoanRepayment.objects.get(contract=contract)
    assert (repayment.principal, repayment.interest) == (D("1548.09") + D("1551.77"), D("1187.50") + D("1183.82"))
    paid = ScheduleInstallment.objects.filter(contract=contract, principal_paid__gt=0).order_by("number")
    assert [(r.number, r.principal_paid, r.interest_paid) for r in paid] == [
        (1, D("1548.09"), D("1187.50")),
        (2, D("1551.77"), D("1183.82")),
    ]
    assert Account.objects.get(pk=contract.ledger_account_id).balance == D("500000.00") - D("3099.86")
    assert BankStatementLine.objects.filter(bank_reference__in=["C1", "C2"], match_status="booked").count() == 1
    assert check_records()["differences"] == []
