import datetime
from decimal import Decimal

import pytest

from core.actors import system_actor
from core.errors import InvalidInput
from core.models import BatchRun, CaseTransition, Notification
from ledger import services as ledger_services
from ledger.models import Account, BankInstruction
from ledger.reconciliation import run_checks
from tests import factories
from tests.withdrawals.conftest import CARD, on, paid_months, prop
from withdrawals import services, tasks
from withdrawals.models import StandingInstruction, WithdrawalApplication
from withdrawals.services import standing

D = Decimal
day = datetime.date
SI = StandingInstruction


def balance(acc):
    return Account.objects.get(pk=acc.ledger_account_id).balance


def test_monthly_run_pays_within_caps_skips_stops_and_is_idempotent(staff, funded):
    clerk = staff["clerk"]
    rent = standing.create_standing(actor=clerk, account=funded, kind=SI.Kind.RENT, monthly_amount="2500",
                                    payee_card=CARD, payee_name="张三")
    # a second person: loan offset, but little money
    on(day(2020, 1, 6))
    poor = factories.account(clerk, name="李四")
    on(day(2026, 10, 12))
    paid_months(poor, [day(2026, m, 1) for m in range(7, 11)], amount="300")
    offset = standing.create_standing(actor=clerk, account=poor, kind=SI.Kind.LOAN_OFFSET, monthly_amount="3000",
                                      payee_card=CARD, payee_name="李四")
    # a third: rent, but the deposits stopped -> skipped and reported
    on(day(2020, 1, 6))
    gap = factories.account(clerk, name="王五")
    on(day(2026, 10, 12))
    paid_months(gap, [day(2026, m, 1) for m in range(7, 11)], amount="2000")
    gap_si = standing.create_standing(actor=clerk, account=gap, kind=SI.Kind.RENT, monthly_amount="1000",
                                      payee_card=CARD, payee_name="王五")
    on(day(2026, 11, 5))
    result = standing.run_standing(actor=system_actor(), month=day(2026, 11, 1), chunk_size=2)
    assert result["paid"] == 3 and D(result["amount"]) == D("1800") + D("1200") + D("1000")
    assert balance(funded) == D("48200.00")  # ¥2,500 rent capped at ¥1,800
    assert balance(poor) == D("0.00")  # only what is available
    # December: the gap account paid nothing for November -> skipped; a home appears for 张三 -> stopped
    paid_months(funded, [day(2026, 11, 1)])
    prop(funded.depositor)
    on(day(2026, 12, 5))
    result = tasks.run_standing(month="2026-12-01", chunk_size=2)
    assert result["paid"] == 0 and result["stopped"] == 1 and result["skipped"] == 2
    run = BatchRun.objects.get(key="standing:2026-12")
    reasons = {r["instruction"]: r["reason"] for r in run.result["skipped"]}
    assert set(reasons) == {offset.pk, gap_si.pk}
    rent.refresh_from_db()
    assert rent.status == SI.Status.STOPPED and rent.stop_reason
    # twice: nothing more
    again = standing.run_standing(actor=system_actor(), month=day(2026, 11, 1))
    assert again["paid"] == 3 and WithdrawalApplication.objects.count() == 3
    assert balance(funded) == D("50200.00")
    # the bank answers: one batch settles, one fails and reopens its cases
    batches = list(BankInstruction.objects.order_by("pk"))
    assert len(batches) == 2 and batches[0].payee_account == "BATCH"
    ledger_services.settle_instruction(actor=system_actor(), instruction=batches[0], bank_reference="B1")
    ledger_services.fail_instruction(actor=system_actor(), instruction=batches[1], reason="账户不存在")
    assert standing.sync_bank(actor=system_actor()) == {"settled": 2, "failed": 1}
    states = dict(WithdrawalApplication.objects.values_list("standing_id", "state"))
    assert states == {rent.pk: "closed", offset.pk: "closed", gap_si.pk: "approved"}
    assert balance(gap) == D("8000.00")
    assert CaseTransition.objects.filter(rule__startswith="standing:").count() == 3
    assert Notification.objects.filter(key__contains=":paid:").count() == 3
    assert run_checks()["ok"]


def test_standing_setup_checks_and_stop(staff, funded):
    with pytest.raises(InvalidInput):
        standing.create_standing(actor=staff["clerk"], account=funded, kind=SI.Kind.RENT, monthly_amount="2500",
                                 payee_card=CARD, payee_name="别人")
    si = standing.create_standing(actor=staff["clerk"], account=funded, kind=SI.Kind.RENT, monthly_amount="2500",
                                  payee_card=CARD, payee_name="张三")
    standing.stop_standing(actor=staff["clerk"], instruction=si, reason="租约到期")
    services.record_fraud(actor=staff["approver"], depositor=funded.depositor, reason="虚假租赁合同")
    with pytest.raises(InvalidInput):
        standing.create_standing(actor=staff["clerk"], account=funded, kind=SI.Kind.RENT, monthly_amount="2500",
                                 payee_card=CARD, payee_name="张三")


def test_a_batch_paid_except_one_payee_returns_that_amount_and_reopens_only_that_case(staff, funded):
    clerk = staff["clerk"]
    on(day(2020, 1, 6))
    other = factories.account(clerk, name="李四")
    on(day(2026, 10, 12))
    paid_months(other, [day(2026, m, 1) for m in range(5, 11)])
    for account, name in ((funded, "张三"), (other, "李四")):
        standing.create_standing(actor=clerk, account=account, kind=SI.Kind.RENT, monthly_amount="1500",
                                 payee_card=CARD, payee_name=name)
    on(day(2026, 11, 5))
    assert standing.run_standing(actor=system_actor(), month=day(2026, 11, 1))["paid"] == 2
    batch = BankInstruction.objects.get()
    assert batch.amount == D("3000.00") and balance(other) == D("10500.00")
    mine = WithdrawalApplication.objects.get(account=funded)
    theirs = WithdrawalApplication.objects.get(account=other)
    with pytest.raises(InvalidInput):  # not a case of this batch
        standing.settle_batch(actor=system_actor(), instruction=batch, failed={theirs.pk + 999: "x"})
    assert standing.settle_batch(actor=system_actor(), instruction=batch, failed={theirs.pk: "收款账户已销户"}) == 1
    batch.refresh_from_db()
    assert batch.status == "settled" and batch.statement_line.amount == D("1500.00")
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.state, theirs.state) == ("closed", "approved")
    assert balance(funded) == D("48500.00") and balance(other) == D("12000.00")  # back where it was
    assert CaseTransition.objects.filter(case_id=theirs.pk, action="payment_failed", comment="收款账户已销户").exists()
    assert run_checks()["ok"]
    # paid again on its own, to the corrected card
    theirs = services.pay(actor=staff["finance"], application=theirs)
    assert theirs.state == "paid" and balance(other) == D("10500.00")
    ledger_services.simulate_bank(actor=system_actor())
    services.sync_bank(actor=system_actor())
    theirs.refresh_from_db()
    assert theirs.state == "closed" and run_checks()["ok"]
