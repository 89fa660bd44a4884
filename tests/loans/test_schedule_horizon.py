"""Schedules stored as a plan plus the installments due within the horizon (loans.models.SchedulePlan): the rows
stored, the daily extension, repayments beyond the stored rows, the loan state and the reconciliation."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from core import policy
from core.models import PolicyValue
from ledger.reconciliation import check_records
from loans import calculations as calc
from loans import services, tasks
from loans.models import LoanContract, ScheduleInstallment, SchedulePlan
from loans.services import debits, schedules
from loans.services.repayments import status_from
from tests.loans.conftest import on
from tests.loans.test_money import disbursed, example_a, finance, pay_installments, receipt  # noqa: F401

D = Decimal
day = datetime.date
C = LoanContract.Status


def stored(contract):
    return list(
        ScheduleInstallment.objects.filter(contract=contract, superseded_on__isnull=True)
        .order_by("number")
        .values_list("number", flat=True)
    )


def computed(contract):
    return [
        (i.number, i.due_date, i.principal, i.interest, i.payment, i.balance, i.annual_rate)
        for i in calc.schedule(
            contract.principal, contract.annual_rate, contract.term_months, contract.method,
            first_due=contract.first_due_date,
        )
    ]


def as_tuples(rows):
    return [(r.number, r.due_date, r.principal, r.interest, r.payment, r.balance, r.annual_rate) for r in rows]


def test_signing_stores_the_plan_and_the_rows_due_within_the_horizon(staff, household):
    on(day(2026, 1, 15))
    contract = example_a(staff, household)  # first due 15 Feb 2026, 240 months
    # the horizon is 12 months after the business date: installments due up to 15 Jan 2027 are rows
    assert schedules.horizon() == day(2027, 1, 15)
    assert stored(contract) == list(range(1, 13))
    plan = SchedulePlan.objects.get(contract=contract)
    assert (plan.first_number, plan.balance, plan.last_number, plan.superseded_on) == (1, D("500000.00"), 240, None)
    assert sum(plan.principals) == 50_000_000 and sum(plan.interests) == 15_654_276
    rows = ScheduleInstallment.objects.in_force_of(contract.pk)
    assert as_tuples(rows) == computed(contract)
    assert [r.planned for r in rows[11:13]] == [False, True] and rows[12].pk is None
    # a policy value changes how far ahead rows are stored
    PolicyValue.objects.create(key="loans.schedule_horizon_months", effective_from=day(2026, 1, 1), value="3")
    assert schedules.horizon() == day(2026, 4, 15)


def test_the_daily_job_stores_the_next_installments_once(staff, household):
    on(day(2026, 1, 15))
    contract = example_a(staff, household)
    assert schedules.extend_schedules() == 0  # nothing new within the horizon
    on(day(2026, 4, 20))  # three more months come within the horizon (15 Feb, 15 Mar, 15 Apr 2027)
    assert tasks.extend_schedules() == {"rows": 3}
    assert stored(contract) == list(range(1, 16))
    assert schedules.extend_schedules() == 0  # idempotent
    rows = ScheduleInstallment.objects.filter(contract=contract).order_by("number")
    assert as_tuples(rows) == computed(contract)[:15]  # the rows stored later are the plan's, to the fen
    assert as_tuples(ScheduleInstallment.objects.in_force_of(contract.pk)) == computed(contract)


def test_a_debit_run_stores_the_installments_due_first(staff, household, finance):  # noqa: F811
    on(day(2026, 1, 15))
    contract = example_a(staff, household)
    on(day(2027, 6, 15))  # the daily job has not run for months
    debits.plan(on=day(2027, 6, 15), actor=finance)
    assert stored(contract)[-1] == 29  # due 15 Jun 2028: the horizon of 15 Jun 2027


def test_repayments_beyond_the_stored_rows_store_them_without_gaps(staff, household, finance):  # noqa: F811
    contract = disbursed(staff, household, finance)  # disbursed 10 Feb 2026: first due 10 Mar 2026
    first_stored = stored(contract)
    assert first_stored == list(range(1, 13))  # due up to 10 Feb 2027
    pay_installments(contract, finance, 20)  # the business date moves with each due date; the daily job never ran
    assert stored(contract) == list(range(1, 21))
    rows = ScheduleInstallment.objects.in_force_of(contract.pk)
    assert all(r.principal_paid == r.principal and r.interest_paid == r.interest for r in rows[:20])
    contract.refresh_from_db()
    assert rows[19].balance == computed(contract)[19][5] == D("468329.56") and rows[20].planned
    assert contract.status == C.NORMAL
    assert contract.ledger_account.balance == rows[19].balance
    assert check_records()["differences"] == []


def test_a_loan_is_paid_off_only_when_the_last_row_leaves_no_principal(staff, household, finance):  # noqa: F811
    contract = disbursed(staff, household, finance)
    rows = list(ScheduleInstallment.objects.filter(contract=contract).order_by("number"))
    for row in rows:
        row.principal_paid, row.interest_paid = row.principal, row.interest
    # every stored row paid, but the plan has 228 installments more: not paid off
    assert status_from(rows, day(2026, 3, 1)) == C.NORMAL
    whole = ScheduleInstallment.objects.in_force_of(contract.pk)
    for row in whole:
        row.principal_paid, row.interest_paid = row.principal, row.interest
    assert status_from(whole, day(2026, 3, 1)) == C.PAID_OFF


def test_reconciliation_counts_the_plan_beyond_the_stored_rows(staff, household, finance):  # noqa: F811
    contract = disbursed(staff, household, finance)
    assert check_records()["differences"] == []
    last = ScheduleInstallment.objects.filter(contract=contract).order_by("-number").first()
    with connection.cursor() as cur:  # the last row no longer agrees with what the plan has after it
        cur.execute("UPDATE loans_scheduleinstallment SET balance = balance + 1 WHERE id = %s", [last.pk])
    differences = check_records()["differences"]
    assert [(d["record"], d["difference"]) for d in differences if d["kind"] == "loan_outstanding"] == [
        (f"loan {contract.number}", "-1.00")
    ]
    with connection.cursor() as cur:
        cur.execute("UPDATE loans_scheduleinstallment SET balance = balance - 1 WHERE id = %s", [last.pk])
    assert check_records()["differences"] == []


def test_a_prepayment_writes_a_new_plan_and_its_rows(staff, household, finance):  # noqa: F811
    contract = disbursed(staff, household, finance)
    pay_installments(contract, finance, 2)
    services.prepay(actor=finance, contract=contract, line=receipt("100000.00", "P1"), keep="payment")
    old, new = SchedulePlan.objects.filter(contract=contract).order_by("id")
    assert old.superseded_on is not None and new.superseded_on is None and new.first_number == 3
    rows = ScheduleInstallment.objects.in_force_of(contract.pk)
    assert rows[2].number == 3 and rows[2].payment == D("2735.59")
    assert sum(r.principal for r in rows[2:]) == contract.principal - 100000 - sum(r.principal for r in rows[:2])
    assert stored(contract)[0] == 1 and rows[-1].balance == 0
    assert check_records()["differences"] == []


@pytest.mark.parametrize("months", ["0", "61", "x"])
def test_the_horizon_policy_value_is_bounded(months):
    with pytest.raises(ValidationError):
        policy.parameter("loans.schedule_horizon_months").parse(months)
