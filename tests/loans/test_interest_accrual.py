"""Interest falling due (loans.services.accrual): booked to 131 应收利息 against 401 on the due date, cleared by the
payment; interest paid before its due date is income at once; the reconciliation ties 131 to the installments."""

import datetime
from decimal import Decimal

from django.db import connection

from core.actors import system_actor
from ledger import chart
from ledger.models import JournalLine
from ledger.reconciliation import check_records
from loans import services, tasks
from loans.models import ScheduleInstallment
from loans.services.accrual import accrue_interest
from tests.loans.conftest import on
from tests.loans.test_money import balance, disbursed, finance, receipt  # noqa: F401

D = Decimal
day = datetime.date
MAR_10 = day(2026, 3, 10)  # installment 1 of Example A disbursed on 10 Feb 2026: interest 1,187.50


def row(contract, number):
    return ScheduleInstallment.objects.get(contract=contract, number=number, superseded_on__isnull=True)


def lines_of(entry, code):
    return [(ln.side, ln.amount) for ln in JournalLine.objects.filter(entry=entry, account__code=code)]


def test_interest_falls_due_to_131_and_the_payment_clears_it(staff, household, finance):  # noqa: F811
    contract = disbursed(staff, household, finance)
    income = balance(chart.LOAN_INTEREST_INCOME)
    on(day(2026, 3, 9))
    assert accrue_interest(actor=system_actor()) == {"installments": 0, "amount": "0"}  # nothing due yet
    on(MAR_10)
    assert tasks.accrue_interest() == {"installments": 1, "amount": "1187.50"}
    assert balance(chart.INTEREST_RECEIVABLE) == D("1187.50")
    assert balance(chart.LOAN_INTEREST_INCOME) - income == D("1187.50")
    assert row(contract, 1).interest_accrued_on == MAR_10 and row(contract, 2).interest_accrued_on is None
    assert accrue_interest(actor=system_actor()) == {"installments": 0, "amount": "0"}  # once only
    assert check_records()["differences"] == []
    repayment = services.repay(actor=finance, contract=contract, line=receipt("2735.59", "I1"))
    assert lines_of(repayment.entry, chart.INTEREST_RECEIVABLE) == [("C", D("1187.50"))]
    assert lines_of(repayment.entry, chart.LOAN_INTEREST_INCOME) == []
    assert balance(chart.INTEREST_RECEIVABLE) == 0
    assert balance(chart.LOAN_INTEREST_INCOME) - income == D("1187.50")  # the income counted once
    assert check_records()["differences"] == []


def test_interest_paid_before_its_due_date_is_income_at_once(staff, household, finance):  # noqa: F811
    contract = disbursed(staff, household, finance)
    income = balance(chart.LOAN_INTEREST_INCOME)
    on(day(2026, 3, 5))
    first = services.repay(actor=finance, contract=contract, line=receipt("500.00", "A1"))  # interest first
    assert lines_of(first.entry, chart.LOAN_INTEREST_INCOME) == [("C", D("500.00"))]
    assert lines_of(first.entry, chart.INTEREST_RECEIVABLE) == []
    on(MAR_10)
    # only what is still unpaid of the installment's interest falls due
    assert accrue_interest(actor=system_actor()) == {"installments": 1, "amount": "687.50"}
    assert balance(chart.INTEREST_RECEIVABLE) == D("687.50")
    assert check_records()["differences"] == []
    rest = services.repay(actor=finance, contract=contract, line=receipt("2235.59", "A2"))
    assert lines_of(rest.entry, chart.INTEREST_RECEIVABLE) == [("C", D("687.50"))]
    assert balance(chart.INTEREST_RECEIVABLE) == 0
    assert balance(chart.LOAN_INTEREST_INCOME) - income == D("1187.50")
    r = row(contract, 1)
    assert (r.interest_paid, r.principal_paid) == (D("1187.50"), r.principal)
    assert check_records()["differences"] == []


def test_an_installment_due_unpaid_stays_receivable_and_the_reconciliation_ties_131(staff, household, finance):  # noqa: F811
    contract = disbursed(staff, household, finance)
    on(day(2026, 4, 10))  # two installments due, nothing paid
    assert accrue_interest(actor=system_actor())["installments"] == 2
    unpaid = row(contract, 1).interest + row(contract, 2).interest
    assert balance(chart.INTEREST_RECEIVABLE) == unpaid
    assert check_records()["differences"] == []
    with connection.cursor() as cur:  # an installment marked accrued that 131 never received
        cur.execute(
            "UPDATE loans_scheduleinstallment SET interest_accrued_on = %s WHERE contract_id = %s AND number = 3",
            [day(2026, 4, 10), contract.pk],
        )
    differences = [d for d in check_records()["differences"] if d["kind"] == "loan_interest_receivable"]
    assert [(d["record_amount"], d["ledger_amount"]) for d in differences] == [
        (str(unpaid + row(contract, 3).interest), str(unpaid))
    ]
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE loans_scheduleinstallment SET interest_accrued_on = NULL WHERE contract_id = %s AND number = 3",
            [contract.pk],
        )


def test_a_loan_not_disbursed_accrues_nothing(staff, household):
    from tests.loans.test_money import example_a

    example_a(staff, household)  # signed, awaiting disbursement; first due 15 Feb 2026
    on(day(2026, 6, 1))
    assert accrue_interest(actor=system_actor()) == {"installments": 0, "amount": "0"}
    assert balance(chart.INTEREST_RECEIVABLE) == 0
