"""The daily close of business of the loans (DOMAIN.md §5) on PostgreSQL: a loan missing two installments goes
overdue on the right day, accrues penalty interest equal to the one function, is paid from the fund accounts at the
policy period (a court freeze untouched) and is cured by a repayment; a catch-up of 10 days is 10 single days; a
crash resumes with no duplicate posting; bad dates are refused."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from core import workflow
from core.errors import InvalidInput
from core.models import BatchChunk, Notification
from ledger import chart
from ledger import services as ledger_services
from ledger.models import Account, JournalEntry
from ledger.reconciliation import check_records
from loans import calculations as calc
from loans import services
from loans.models import (
    CollectionLog,
    LoanCloseOfBusiness,
    LoanContract,
    LoanOverdueState,
    LoanRepayment,
    RiskGradeChange,
)
from loans.services import close_of_business as cob
from tests.loans.conftest import on
from tests.loans.test_money import balance, disbursed, finance, receipt, rows  # noqa: F401 - fixture
from withdrawals.selectors import workflow_actions

D = Decimal
day = datetime.date
C = LoanContract.Status
RATE = D("0.0285")


def penalty(amount, days):
    """DOMAIN.md §13's default: contract rate × 1.5 / 360 per day, 3 grace days without penalty."""
    return calc.penalty_interest(D(amount), days, RATE, grace_days=3)


def close(finance_user, date):
    on(date)
    return services.close_business(actor=finance_user, until=date)


def test_domain_worked_examples_through_the_one_function():
    assert calc.penalty_interest(D("2735.59"), 30, RATE) == D("9.75")
    assert calc.penalty_interest(D("2735.59"), 30, RATE, mode="fixed_daily") == D("17.23")
    assert calc.penalty_interest(D("2735.59"), 30, RATE, grace_days=5) == D("8.12")
    assert calc.penalty_interest(D("2735.59"), 30, RATE, mode="fixed_daily", grace_days=5) == D("14.36")
    # grace-period interest charged: all 30 days once the grace days are over, none inside them
    assert calc.penalty_interest(D("2735.59"), 30, RATE, grace_days=5, grace_interest=True) == D("9.75")
    assert calc.penalty_interest(D("2735.59"), 5, RATE, grace_days=5, grace_interest=True) == D("0.00")
    assert calc.penalty_interest(D("2735.59"), 10, RATE, mode="fixed_amount", fixed_amount=D("1.50")) == D("15.00")


@pytest.mark.parametrize(
    ("dpd", "overdue", "grade", "status"),
    [
        (0, False, "01", "N"),
        (2, False, "01", "N"),  # inside the grace days: not overdue
        (4, True, "02", "1"),
        (30, True, "02", "1"),
        (31, True, "02", "2"),
        (90, True, "02", "3"),
        (91, True, "03", "4"),
        (270, True, "03", "7"),
        (271, True, "04", "7"),
        (360, True, "04", "7"),
        (361, True, "05", "7"),
    ],
)
def test_classification_thresholds_and_credit_codes(dpd, overdue, grade, status):
    assert calc.risk_grade(dpd, overdue=overdue) == grade
    assert calc.credit_status(dpd, overdue=overdue) == status


def test_credit_codes_of_closed_loans():
    assert [calc.credit_status(0, overdue=False, closed=k) for k in ("paid_off", "written_off", "accelerated")] == [
        "C",
        "B",
        "G",
    ]
    assert [calc.bucket(d) for d in (0, 1, 90, 91, 180, 181, 360, 361, 1080, 1081)] == [
        None,
        "m1_3",
        "m1_3",
        "m3_6",
        "m3_6",
        "m6_12",
        "m6_12",
        "y1_3",
        "y1_3",
        "y3",
    ]


def _freeze_all_but(account, keep, actor):
    """A court freeze (a hold) on all of ``account`` but ``keep`` yuan."""
    ledger = Account.objects.get(pk=account.ledger_account_id)
    ledger_services.place_hold(
        account=ledger, amount=ledger.balance - D(keep), kind="judicial", reference=f"F{account.pk}", actor=actor
    )


def test_missed_installments_go_overdue_accrue_are_deducted_and_cured(staff, household, finance):  # noqa: F811
    contract = disbursed(staff, household, finance)  # 10 Feb; 2,735.59 due 10 March, 10 April, ...
    borrower, spouse = household["borrower"], household["spouse"]
    _freeze_all_but(borrower, "1000.00", finance)
    _freeze_all_but(spouse, "500.00", finance)
    held = {a.pk: Account.objects.get(pk=a.ledger_account_id).held for a in (borrower, spouse)}
    normal, overdue = contract.ledger_account.code, contract.overdue_account.code
    income = balance(chart.PENALTY_INCOME)

    close(finance, day(2026, 3, 13))  # 3 days late: inside the grace days
    contract.refresh_from_db()
    assert contract.status == C.NORMAL and balance(overdue) == 0
    assert not LoanOverdueState.objects.filter(contract=contract, periods__gt=0).exists()

    close(finance, day(2026, 3, 14))  # the 4th day: overdue, one day of penalty
    contract.refresh_from_db()
    state = LoanOverdueState.objects.get(contract=contract)
    assert contract.status == C.OVERDUE
    assert (state.dpd, state.periods, state.consecutive, state.cumulative, state.grade) == (4, 1, 1, 1, "02")
    assert (state.principal, state.interest, state.penalty) == (D("1548.09"), D("1187.50"), D("0.32"))
    assert (balance(normal), balance(overdue)) == (D("498451.91"), D("1548.09"))
    assert rows(contract)[0].overdue_on == day(2026, 3, 14)
    notice = CollectionLog.objects.get(contract=contract, kind="overdue_notice")
    assert notice.on == day(2026, 3, 14) and notice.amount == D("2735.59")
    assert Notification.objects.filter(key=f"loan-collection:{notice.key}").count() == 1

    # day by day the accrued penalty is the function for that many days, never a sum of daily roundings
    for d in range(15, 32):
        close(finance, day(2026, 3, d))
        first = rows(contract)[0]
        assert first.penalty_accrued == penalty("2735.59", d - 10), d
        # posted day by day: 403 has what was accrued so far, 131 it and the interest fallen due
        assert balance(chart.PENALTY_INCOME) - income == first.penalty_accrued, d
        assert balance(chart.INTEREST_RECEIVABLE) == D("1187.50") + first.penalty_accrued, d
    assert rows(contract)[0].penalty_accrued == D("5.85")  # 21 days late, 18 charged
    assert check_records()["differences"] == []

    for d in range(1, 14):  # April 1–13
        close(finance, day(2026, 4, d))
    assert rows(contract)[0].penalty_accrued == penalty("2735.59", 34) == D("10.07")
    assert LoanRepayment.objects.filter(contract=contract).count() == 0

    # 14 April: installment 2 is overdue too → 2 periods → deduction from the fund accounts, the frozen money
    # untouched: 1,000.00 (borrower) + 500.00 (spouse) = 1,500.00: penalty 10.40 + 0.32, interest 1,489.28
    reminders = CollectionLog.objects.filter(contract=contract, kind="reminder").count()
    close(finance, day(2026, 4, 14))
    repayment = LoanRepayment.objects.get(contract=contract)
    assert (repayment.source, repayment.amount, repayment.penalty, repayment.interest, repayment.principal) == (
        "fund",
        D("1500.00"),
        D("10.72"),
        D("1489.28"),
        D("0.00"),
    )
    for account in (borrower, spouse):
        ledger = Account.objects.get(pk=account.ledger_account_id)
        assert ledger.held == held[account.pk] and ledger.balance - ledger.held == 0
    assert (balance(normal), balance(overdue)) == (D("496900.14"), D("3099.86"))
    assert "25" in repayment.entry.memo
    # each amount drawn is a completed withdrawal of its account with reason 25, naming the loan and the entry
    from withdrawals.models import WithdrawalApplication

    cases = WithdrawalApplication.objects.filter(reason="25").order_by("amount_approved")
    assert [(c.account_id, c.amount_approved, c.state, c.channel, c.facts) for c in cases] == [
        (spouse.pk, D("500.00"), "closed", "loan", {"contract": contract.number, "entry": repayment.entry_id}),
        (borrower.pk, D("1000.00"), "closed", "loan", {"contract": contract.number, "entry": repayment.entry_id}),
    ]
    assert [t.to_state for t in workflow.history(cases[0])] == ["closed"]
    assert workflow_actions(cases[0], staff["approver"]) == []
    log = CollectionLog.objects.get(contract=contract, kind="fund_deduction")
    assert log.amount == D("1500.00")
    letter = CollectionLog.objects.get(contract=contract, kind="letter")  # 2 periods: the written demand
    assert (letter.on, letter.amount) == (day(2026, 4, 14), D("3981.90"))  # after the deduction: 1,548.09 + 2,433.81
    state = LoanOverdueState.objects.get(contract=contract)
    assert (state.dpd, state.periods, state.consecutive, state.cumulative) == (35, 2, 2, 2)
    assert (state.principal, state.interest, state.penalty) == (D("3099.86"), D("882.04"), D("0.00"))
    assert reminders == 1  # 3 days before 10 April (10 March's was before the first close)
    # what the close of business wrote is stored in the center's language and read in the reader's: the collection
    # log and the borrower's inbox (written in SQL, from the log)
    reminder = CollectionLog.objects.get(contract=contract, kind="reminder")
    note = Notification.objects.get(key=f"loan-collection:{notice.key}")
    assert reminder.text == "温馨提示：您的住房公积金贷款本期还款日为 2026-04-10"
    assert log.text == "已从公积金账户扣划 1500.00 元归还逾期贷款。"
    assert (note.subject, note.body) == ("住房公积金贷款还款", "第 1 期自 2026-03-14 起逾期，请连同罚息尽快归还。")
    with translation.override("en"):
        assert reminder.localized_text == "Reminder: an installment of your housing loan is due on 2026-04-10"
        assert log.localized_text == "1500.00 deducted from the fund accounts for the overdue installments."
        assert (note.localized_subject, note.localized_body) == (
            "Housing loan repayment",
            "Installment 1 is overdue since 2026-03-14; please repay it with the penalty interest.")
    assert (reminder.localized_text, note.localized_body) == (reminder.text, note.body)
    # the penalty deducted cleared 131 of what was accrued: left there, installment 2's interest not deducted
    assert balance(chart.INTEREST_RECEIVABLE) == D("882.04")
    assert balance(chart.PENALTY_INCOME) - income == D("10.72")
    assert check_records()["differences"] == []

    # 20 April: the borrower pays the overdue amount at the bank: cured, principal back to 121
    for d in range(15, 21):
        close(finance, day(2026, 4, d))
    due = services.amount_due(contract=contract)["overdue"]
    # installment 1: 1,548.09 principal, penalty on it stays below the 10.40 paid; installment 2: 2,433.81 for
    # 10 days (7 charged) less the 0.32 paid
    assert due == D("1548.09") + D("2433.81") + penalty("2433.81", 10) - D("0.32")
    services.repay(actor=finance, contract=contract, line=receipt(str(due), "CURE"))
    contract.refresh_from_db()
    assert contract.status == C.NORMAL
    assert (balance(normal), balance(overdue)) == (D("496900.14"), D("0.00"))
    # cured: nothing is receivable any more, and 403 holds exactly the penalty interest received
    paid = sum(LoanRepayment.objects.filter(contract=contract).values_list("penalty", flat=True), D(0))
    assert paid == D("10.72") + penalty("2433.81", 10) - D("0.32")
    assert (balance(chart.INTEREST_RECEIVABLE), balance(chart.PENALTY_INCOME) - income) == (D("0.00"), paid)
    close(finance, day(2026, 4, 21))
    state = LoanOverdueState.objects.get(contract=contract)
    assert (state.dpd, state.periods, state.consecutive, state.cumulative, state.grade) == (0, 0, 0, 2, "01")
    assert list(RiskGradeChange.objects.filter(contract=contract).values_list("on", "from_grade", "to_grade")) == [
        (day(2026, 3, 14), "01", "02"),
        (day(2026, 4, 21), "02", "01"),
    ]
    assert check_records()["differences"] == []


@pytest.mark.parametrize("catch_up", [False, True])
def test_ten_missed_days_give_the_same_result_as_ten_single_days(staff, household, finance, catch_up):  # noqa: F811
    contract = disbursed(staff, household, finance)
    close(finance, day(2026, 3, 12))
    if catch_up:
        on(day(2026, 3, 22))
        result = services.close_business(actor=finance)
        assert result["dates"] == [f"2026-03-{d}" for d in range(13, 23)]
    else:
        for d in range(13, 23):
            close(finance, day(2026, 3, d))
    assert LoanCloseOfBusiness.objects.filter(status="done").count() == 11
    first = rows(contract)[0]
    assert (
        (first.overdue_on, first.penalty_accrued)
        == (day(2026, 3, 14), penalty("2735.59", 12))
        == (
            day(2026, 3, 14),
            D("2.92"),
        )
    )
    state = LoanOverdueState.objects.get(contract=contract)
    assert (state.dpd, state.periods, state.cumulative, state.grade, state.penalty) == (12, 1, 1, "02", D("2.92"))
    assert balance(contract.overdue_account.code) == D("1548.09")
    cob_entries = JournalEntry.objects.filter(source="loan-cob")
    assert cob_entries.exclude(business_type="L08").count() == 1  # 122
    # one penalty accrual a day from the 14th (the 4th day) to the 22nd, together the rounded 12-day total
    assert sorted(cob_entries.filter(business_type="L08").values_list("business_date", flat=True)) == [
        day(2026, 3, d) for d in range(14, 23)
    ]
    assert balance(chart.PENALTY_INCOME) == D("2.92")
    assert CollectionLog.objects.filter(contract=contract).count() == 1
    assert RiskGradeChange.objects.filter(contract=contract).count() == 1
    # run again: nothing more
    services.close_business(actor=finance)
    assert cob_entries.count() == 10
    assert balance(chart.PENALTY_INCOME) == D("2.92")
    assert check_records()["differences"] == []


def test_a_crash_in_a_date_resumes_without_duplicate_posting(staff, household, finance, monkeypatch):  # noqa: F811
    contract = disbursed(staff, household, finance)
    close(finance, day(2026, 3, 13))
    on(day(2026, 3, 15))

    def crash(*args, **kwargs):
        raise RuntimeError("worker lost")

    monkeypatch.setattr(cob, "_notify", crash)  # after the 122 entry of 14 March was posted in the chunk
    with pytest.raises(RuntimeError):
        services.close_business(actor=finance)
    assert JournalEntry.objects.filter(source="loan-cob").count() == 0
    assert balance(contract.overdue_account.code) == 0
    assert BatchChunk.objects.filter(run__key="loan-cob:2026-03-14", status="failed").count() == 1
    assert LoanCloseOfBusiness.objects.get(business_date=day(2026, 3, 14)).status == "running"
    monkeypatch.undo()
    result = services.close_business(actor=finance)
    assert result["dates"] == ["2026-03-14", "2026-03-15"]
    assert JournalEntry.objects.filter(source="loan-cob").exclude(business_type="L08").count() == 1
    assert JournalEntry.objects.filter(source="loan-cob", business_type="L08").count() == 2  # 14 and 15 March
    assert balance(contract.overdue_account.code) == D("1548.09")
    assert rows(contract)[0].penalty_accrued == penalty("2735.59", 5)
    assert check_records()["differences"] == []


def test_bad_dates_are_refused_and_write_nothing(staff, household, finance):  # noqa: F811
    disbursed(staff, household, finance)
    on(day(2026, 3, 13))
    with pytest.raises(InvalidInput) as exc:
        services.close_business(actor=finance, until=day(2026, 3, 14))
    assert exc.value.code == "future_date"
    with pytest.raises(InvalidInput):
        services.close_business(actor=finance, until=day(1900, 1, 1))
    assert not LoanCloseOfBusiness.objects.exists()
    close(finance, day(2026, 3, 13))
    on(day(2026, 3, 25))
    with pytest.raises(InvalidInput) as exc:
        cob.start(on=day(2026, 3, 20), actor=finance)
    assert exc.value.code == "date_gap"
    assert LoanCloseOfBusiness.objects.count() == 1


def test_penalty_accrued_is_receivable_and_income_until_paid(staff, household, finance):  # noqa: F811
    """The close of business books the penalty accrued to 131 / 403; a payment then clears 131, and a payment
    before the next close of business takes the days since the last one to 403 at once."""
    contract = disbursed(staff, household, finance)
    before = balance(chart.PENALTY_INCOME)
    close(finance, day(2026, 3, 13))
    on(day(2026, 4, 9))
    services.close_business(actor=finance)
    assert rows(contract)[0].penalty_accrued == D("8.77") == penalty("2735.59", 30)
    assert balance(chart.PENALTY_INCOME) - before == D("8.77")
    assert balance(chart.INTEREST_RECEIVABLE) == D("1187.50") + D("8.77")
    # paid two days later, before that day's close of business: 32 days of penalty, 0.65 more than accrued
    on(day(2026, 4, 11))
    due = services.amount_due(contract=contract)["overdue"]
    assert due == D("2735.59") + penalty("2735.59", 32) == D("2735.59") + D("9.42")
    repayment = services.repay(actor=finance, contract=contract, line=receipt(str(due), "LATE"))
    assert repayment.penalty == D("9.42")
    first = rows(contract)[0]
    assert (first.penalty_paid, first.penalty_accrued) == (D("9.42"), D("9.42"))
    lines = sorted(
        (line.account.code, line.side, line.amount)
        for line in repayment.entry.lines.select_related("account")
        if line.account.code in (chart.INTEREST_RECEIVABLE, chart.PENALTY_INCOME)
    )
    assert lines == [
        (chart.INTEREST_RECEIVABLE, "C", D("8.77")),  # the penalty accrued
        (chart.INTEREST_RECEIVABLE, "C", D("1187.50")),  # the interest fallen due
        (chart.PENALTY_INCOME, "C", D("0.65")),  # the two days since
    ]
    assert (balance(chart.INTEREST_RECEIVABLE), balance(chart.PENALTY_INCOME) - before) == (D("0.00"), D("9.42"))
    services.close_business(actor=finance)  # 10 April's close: nothing more for the settled installment
    assert balance(chart.PENALTY_INCOME) - before == D("9.42")
    assert check_records()["differences"] == []


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("overdue.grace_days", "32"),
        ("overdue.grace_days", "-1"),
        ("overdue.penalty_multiplier", "0.5"),
        ("overdue.penalty_multiplier", "11"),
        ("overdue.penalty_daily_rate", "0.02"),
        ("overdue.grade_loss_dpd", "0"),
    ],
)
def test_policy_values_out_of_bounds_are_refused_and_write_nothing(db, key, value):
    from core.admin import PolicyValueForm
    from core.models import PolicyValue

    form = PolicyValueForm(
        data={"key": key, "effective_from": "2030-01-01", "value": value, "reason": "测试", "note": ""}
    )
    assert not form.is_valid() and "value" in form.errors
    assert not PolicyValue.objects.filter(key=key, effective_from=day(2030, 1, 1)).exists()


def test_the_command_closes_up_to_a_date_and_refuses_bad_ones(staff, household, finance):  # noqa: F811
    from io import StringIO

    from django.core.management import CommandError, call_command

    disbursed(staff, household, finance)
    on(day(2026, 3, 14))
    for bad in ("2026-13-01", "2026-03-15"):
        with pytest.raises(CommandError):
            call_command("loan_close_of_business", "--date", bad, stdout=StringIO())
    assert not LoanCloseOfBusiness.objects.exists()
    out = StringIO()
    call_command("loan_close_of_business", "--date", "2026-03-14", stdout=out)
    assert "2026-03-14" in out.getvalue()
    assert list(LoanCloseOfBusiness.objects.values_list("business_date", "status")) == [(day(2026, 3, 14), "done")]
    out = StringIO()
    call_command("loan_close_of_business", stdout=out)  # nothing more to close
    assert LoanCloseOfBusiness.objects.count() == 1


def test_the_beat_runs_the_close_of_business_task():
    from fund_center.beat import BEAT_SCHEDULE
    from fund_center.celery import app

    entry = BEAT_SCHEDULE["loans-close-of-business-daily"]
    app.loader.import_default_modules()
    assert entry["task"] == "loans.close_of_business" and entry["task"] in app.tasks
