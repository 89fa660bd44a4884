"""Collection after the close of business: staff records on the log, accelerate and write-off with four eyes, the
overdue ratio and buckets on a known portfolio, the credit-report codes."""

import datetime
from decimal import Decimal

import pytest

from core.errors import Forbidden, InvalidInput, StateError
from core.models import CaseTransition
from ledger import chart
from ledger.models import JournalEntry
from ledger.reconciliation import check_records
from loans import overdue_selectors, services
from loans.models import CollectionLog, LoanActionRequest, LoanContract, LoanOverdueState
from tests.conftest import make_user
from tests.loans.conftest import on
from tests.loans.test_money import balance, disbursed, finance, rows  # noqa: F401 - fixture

D = Decimal
day = datetime.date
C = LoanContract.Status


@pytest.fixture
def overdue_loan(staff, household, finance):  # noqa: F811
    contract = disbursed(staff, household, finance)
    on(day(2026, 3, 20))
    services.close_business(actor=finance)
    contract.refresh_from_db()
    assert contract.status == C.OVERDUE
    return contract


def test_staff_record_a_call_with_a_date_inside_the_loan(staff, overdue_loan):
    officer = staff["officer"]
    entry = services.record_contact(
        actor=officer, contract=overdue_loan, kind="call", on=day(2026, 3, 19), text="借款人承诺月底还款"
    )
    assert (entry.kind, entry.on, entry.created_by) == ("call", day(2026, 3, 19), officer)
    for when, code in ((day(2026, 3, 21), "future_date"), (day(2026, 2, 9), "before_loan")):
        with pytest.raises(InvalidInput) as exc:
            services.record_contact(actor=officer, contract=overdue_loan, kind="visit", on=when, text="上门")
        assert exc.value.code == code
    with pytest.raises(InvalidInput):
        services.record_contact(actor=officer, contract=overdue_loan, kind="write_off", on=day(2026, 3, 19), text="x")
    with pytest.raises(Forbidden):
        services.record_contact(actor=staff["clerk"], contract=overdue_loan, kind="call", on=day(2026, 3, 19), text="x")
    assert CollectionLog.objects.filter(contract=overdue_loan, kind__in=("call", "visit")).count() == 1


def test_write_off_needs_a_second_person_and_moves_the_principal_to_the_reserve(staff, overdue_loan):
    requested = services.request_action(
        actor=staff["allround"], contract=overdue_loan, kind="write_off", reason="借款人失联，抵押物处置完毕"
    )
    assert (requested.state, requested.amount) == ("requested", D("500000.00"))
    entries = JournalEntry.objects.count()
    with pytest.raises(Forbidden) as exc:  # the person who requested it may not approve it
        services.decide(actor=staff["allround"], request=requested, approve=True)
    assert exc.value.code == "four_eyes"
    with pytest.raises(Forbidden):  # nor may a loan officer
        services.decide(actor=staff["officer"], request=requested, approve=True)
    overdue_loan.refresh_from_db()
    assert overdue_loan.status == C.OVERDUE and JournalEntry.objects.count() == entries
    reserve = balance(chart.LOAN_RISK_RESERVE)
    accrued = rows(overdue_loan)[0].penalty_accrued
    assert accrued == D("2.27")  # 10 days late on 2,735.59, 7 charged
    assert balance(chart.INTEREST_RECEIVABLE) == D("1187.50") + accrued
    income = balance(chart.PENALTY_INCOME)
    done = services.decide(actor=staff["approver"], request=requested, approve=True, comment="同意核销")
    assert done.state == "approved"
    overdue_loan.refresh_from_db()
    assert overdue_loan.status == C.WRITTEN_OFF
    assert balance(chart.LOAN_RISK_RESERVE) == reserve - D("500000.00")
    assert balance(overdue_loan.ledger_account.code) == balance(overdue_loan.overdue_account.code) == 0
    # the interest and the penalty interest never received leave 131 and the income they were booked to
    assert balance(chart.INTEREST_RECEIVABLE) == 0
    assert balance(chart.PENALTY_INCOME) == income - accrued
    assert list(CaseTransition.objects.filter(case_id=done.pk).values_list("action", flat=True)) == [
        "request",
        "approve",
    ]
    assert check_records()["differences"] == []
    with pytest.raises(StateError):  # a written-off loan takes no new request
        services.request_action(actor=staff["officer"], contract=overdue_loan, kind="write_off", reason="again")


def test_accelerate_makes_the_rest_due_now(staff, overdue_loan):
    req = services.request_action(actor=staff["officer"], contract=overdue_loan, kind="accelerate", reason="严重违约")
    services.decide(actor=staff["approver"], request=req, approve=True)
    schedule = rows(overdue_loan)
    assert [r.number for r in schedule] == [1, 2]
    assert (schedule[1].due_date, schedule[1].principal, schedule[1].interest) == (
        day(2026, 3, 20),
        D("498451.91"),
        D("0"),
    )
    assert check_records()["differences"] == []
    rejected = services.request_action(actor=staff["officer"], contract=overdue_loan, kind="write_off", reason="x")
    services.decide(actor=staff["approver"], request=rejected, approve=False)
    assert LoanActionRequest.objects.get(pk=rejected.pk).state == "rejected"
    overdue_loan.refresh_from_db()
    assert overdue_loan.status == C.OVERDUE


def test_ratio_and_buckets_on_a_known_portfolio(staff, overdue_loan):
    auditor = make_user("l_auditor", "auditor")
    figures = overdue_selectors.portfolio_figures()
    # one loan of 500,000.00, 1,548.09 overdue principal, 10 days past due
    assert (figures["balance"], figures["overdue_count"], figures["overdue_principal"]) == ("500000.00", 1, "1548.09")
    assert figures["ratio_generic"] == "3.10"  # 1,548.09 / 500,000 × 1000 = 3.096
    assert figures["ratio_supervision"] == "0.00"
    assert figures["buckets"]["m1_3"] == {"count": 1, "amount": "1548.09"}
    LoanOverdueState.objects.filter(contract=overdue_loan).update(dpd=120, periods=4, principal=D("6000.00"))
    figures = overdue_selectors.portfolio_figures()
    assert figures["buckets"]["m3_6"] == {"count": 1, "amount": "6000.00"}
    assert figures["ratio_supervision"] == "12.00"  # 6,000 / 500,000 × 1000
    LoanOverdueState.objects.filter(contract=overdue_loan).update(dpd=200, periods=7)
    figures = overdue_selectors.portfolio_figures()
    assert figures["six_periods"] == {"count": 1, "amount": "500000.00"}
    assert figures["ratio_supervision"] == "1000.00"  # the whole balance of a loan ≥ 6 periods overdue
    assert figures["buckets"]["m6_12"]["count"] == 1
    rows_ = overdue_selectors.credit_report_rows(viewer=auditor, month=day(2026, 3, 1))
    assert [(r["contract"], r["status"], r["overdue_periods"]) for r in rows_] == [(overdue_loan.number, "7", 7)]
    with pytest.raises(Forbidden):
        overdue_selectors.credit_report_rows(viewer=None, month=day(2026, 3, 1))
