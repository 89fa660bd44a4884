"""Deductions: documents and the withdrawal condition required, payment only to the court's enforcement
account through a bank instruction, a returned payment frozen again; amounts to the fen, ledger balanced."""

import pytest
from django.test import override_settings

from core import roles, workflow
from core.errors import InvalidInput, StateError
from judicial import services
from judicial.models import Freeze, JudicialRequest
from judicial.services import risk
from ledger import services as ledger_services
from ledger.models import BankInstruction, Hold, JournalLine
from tests.conftest import make_user
from tests.judicial.conftest import D, day, freeze, ledger, receive, system
from tests.withdrawals.conftest import card_for
from withdrawals import forms as withdrawal_forms
from withdrawals import rules
from withdrawals import selectors as withdrawal_selectors
from withdrawals import services as withdrawal_services
from withdrawals.models import Reason, WithdrawalApplication

JR = JudicialRequest
MET = "tests.judicial.test_deductions.condition_met"
DOCS = {
    "ruling_number": "(2026)粤0305执30003号之一",
    "notice_number": "协执字第88号",
    "payee_name": "示范市南山区人民法院执行款专户",
    "payee_account": "44201500000000001",
}


def condition_met(*, account_id, on):
    return "退休"


def deduct(officers, court, account, original, amount, **kw):
    """Receive, prepare and confirm a deduction; one flagged as a possible sham lawsuit (e.g. the debt equals the
    balance) is let through by a second-level reviewer first (tests/judicial/test_risk.py covers the gate)."""
    req = receive(officers, court, account, "deduct", original_number=original.number, amount=amount, **{**DOCS, **kw})
    req = services.prepare(actor=officers["op"], request=req)
    if req.risk_flagged:
        from django.contrib.auth import get_user_model

        approver = get_user_model().objects.filter(username="j_appr").first() or make_user("j_appr", roles.APPROVER)
        req = risk.second_review(actor=approver, request=req, decision="proceed", comment="已核对裁定，准予执行")
    return services.confirm(actor=officers["chk"], request=req)


def test_deduction_needs_ruling_and_notice(officers, court, funded):
    f = freeze(officers, court, funded, "10000.00")
    count = JR.objects.count()
    for missing in ("ruling_number", "notice_number"):
        with pytest.raises(InvalidInput) as exc:
            receive(
                officers, court, funded, "deduct", original_number=f.number, amount="100.00", **{**DOCS, missing: ""}
            )
        assert missing in exc.value.fields
    assert JR.objects.count() == count


def test_deduction_pays_only_the_registered_court_account(officers, court, funded):
    f = freeze(officers, court, funded, "10000.00")
    with pytest.raises(InvalidInput) as exc:
        receive(
            officers,
            court,
            funded,
            "deduct",
            original_number=f.number,
            amount="100.00",
            **{**DOCS, "payee_account": "6222000000000000"},
        )
    assert "payee_account" in exc.value.fields


def test_deduction_without_withdrawal_condition_keeps_the_money_frozen(officers, court, funded):
    f = freeze(officers, court, funded, "10000.00")
    req = deduct(officers, court, funded, f, "10000.00")
    assert req.state == JR.State.REFUSED
    assert "withdrawal condition" in req.refusal_reason or "提取条件" in req.refusal_reason
    assert req.answer["refused"] is True
    f.freeze.refresh_from_db()
    assert (f.freeze.state, f.freeze.amount_frozen) == (Freeze.State.ACTIVE, D("10000.00"))
    acc = ledger(funded)
    assert (acc.balance, acc.held) == (D("50000.00"), D("10000.00"))
    assert not BankInstruction.objects.exists()


def test_withdrawal_condition_from_the_withdrawals_selector(officers, court, funded):
    """The real seam: a closing ground established by an approved withdrawal is a withdrawal condition; a rejected
    application is not (tests/judicial/test_withdrawal_condition.py covers every ground)."""
    from withdrawals.selectors import judicial_withdrawal_condition

    assert judicial_withdrawal_condition(account_id=funded.pk, on=day(2026, 10, 12)) == ""
    WithdrawalApplication.objects.create(
        number="W-J-1",
        account=funded,
        depositor=funded.depositor,
        reason=Reason.EMIGRATION,
        state="rejected",
        application_date=day(2026, 9, 1),
        amount_requested=D("1.00"),
        payee_card="6222",
        payee_name="张三",
    )
    assert judicial_withdrawal_condition(account_id=funded.pk, on=day(2026, 10, 12)) == ""
    WithdrawalApplication.objects.filter(number="W-J-1").update(state="approved")
    assert judicial_withdrawal_condition(account_id=funded.pk, on=day(2026, 10, 12)) == str(Reason.EMIGRATION.label)
    assert judicial_withdrawal_condition(account_id=funded.pk, on=day(2026, 8, 31)) == ""  # not yet on record


@override_settings(JUDICIAL_WITHDRAWAL_CONDITION_SOURCE=MET)
def test_partial_deduction_pays_the_court_and_keeps_the_rest_frozen(officers, court, funded):
    f = freeze(officers, court, funded, "10000.00")
    req = deduct(officers, court, funded, f, "3000.50")
    assert req.state == JR.State.EXECUTED and req.actual_amount == D("3000.50")
    ins = req.instruction
    assert (ins.amount, ins.payee_account, ins.payee_name, ins.status) == (
        D("3000.50"),
        "44201500000000001",
        "示范市南山区人民法院执行款专户",
        BankInstruction.Status.PENDING,
    )
    f.freeze.refresh_from_db()
    assert (f.freeze.state, f.freeze.amount_frozen) == (Freeze.State.ACTIVE, D("6999.50"))
    acc = ledger(funded)
    assert (acc.balance, acc.held) == (D("46999.50"), D("6999.50"))
    line = JournalLine.objects.get(entry=ins.entry, account=funded.ledger_account)
    assert (line.side, line.amount) == ("D", D("3000.50"))
    assert req.answer["withdrawal_ground"] == "退休"
    assert Hold.objects.filter(account=funded.ledger_account, status=Hold.Status.CONSUMED).count() == 1
    services.settle_deduction(request=req, actor=officers["finance"])
    req.refresh_from_db()
    assert req.state == JR.State.PAID


@override_settings(JUDICIAL_WITHDRAWAL_CONDITION_SOURCE=MET)
def test_full_deduction_ends_the_freeze_and_activates_the_waiting_one(officers, court, court2, funded):
    first = freeze(officers, court, funded, "50000.00")
    waiting = freeze(officers, court2, funded, "8000.00")
    assert waiting.freeze.state == Freeze.State.WAITING
    req = deduct(officers, court, funded, first, "45000.00")
    assert req.actual_amount == D("45000.00")
    first.freeze.refresh_from_db()
    waiting.freeze.refresh_from_db()
    assert (first.freeze.state, first.freeze.amount_frozen) == (Freeze.State.ACTIVE, D("5000.00"))
    assert waiting.freeze.state == Freeze.State.WAITING
    req2 = deduct(officers, court, funded, first, "5000.00", ruling_number="R2")
    assert req2.actual_amount == D("5000.00")
    first.freeze.refresh_from_db()
    waiting.freeze.refresh_from_db()
    assert first.freeze.state == Freeze.State.DEDUCTED
    assert ledger(funded).balance == D("0.00")
    assert waiting.freeze.state == Freeze.State.WAITING  # nothing left to freeze


@override_settings(JUDICIAL_WITHDRAWAL_CONDITION_SOURCE=MET)
def test_failed_payment_returns_the_money_still_frozen(officers, court, funded):
    f = freeze(officers, court, funded, "10000.00")
    req = deduct(officers, court, funded, f, "10000.00")
    f.freeze.refresh_from_db()
    assert f.freeze.state == Freeze.State.DEDUCTED
    assert ledger(funded).balance == D("40000.00")
    settled, failed = ledger_services.simulate_bank(fail_accounts={"44201500000000001"}, actor=system())
    assert (settled, failed) == (0, 1)
    assert services.sync_bank(actor=system()) == {"settled": 0, "failed": 1}
    req.refresh_from_db()
    f.freeze.refresh_from_db()
    assert req.state == JR.State.RETURNED and req.answer["frozen_again"] == "10000.00"
    assert (f.freeze.state, f.freeze.amount_frozen) == (Freeze.State.ACTIVE, D("10000.00"))
    assert f.freeze.hold.status == Hold.Status.ACTIVE and f.freeze.hold.amount == D("10000.00")
    acc = ledger(funded)
    assert (acc.balance, acc.held, acc.available) == (D("50000.00"), D("10000.00"), D("40000.00"))


@override_settings(JUDICIAL_WITHDRAWAL_CONDITION_SOURCE=MET)
def test_failed_partial_payment_refreezes_the_whole_amount(officers, court, funded):
    f = freeze(officers, court, funded, "10000.00")
    req = deduct(officers, court, funded, f, "4000.00")
    services.fail_deduction(request=req, reason="账户不存在", actor=officers["finance"])
    f.freeze.refresh_from_db()
    assert (f.freeze.state, f.freeze.amount_frozen) == (Freeze.State.ACTIVE, D("10000.00"))
    acc = ledger(funded)
    assert (acc.balance, acc.held) == (D("50000.00"), D("10000.00"))
    assert Hold.objects.filter(account=funded.ledger_account, status=Hold.Status.ACTIVE).count() == 1


@override_settings(JUDICIAL_WITHDRAWAL_CONDITION_SOURCE=MET)
def test_living_allowance_is_kept(officers, court, funded):
    from core.models import PolicyValue

    PolicyValue.objects.create(
        key="judicial.living_allowance", effective_from=day(2026, 1, 1), value="1000.00", note="test"
    )
    f = freeze(officers, court, funded, "50000.00")
    req = deduct(officers, court, funded, f, "50000.00")
    assert req.actual_amount == D("49000.00")
    f.freeze.refresh_from_db()
    assert f.freeze.amount_frozen == D("1000.00")


# --- the deduction as a withdrawal with its own reason code (DOMAIN.md §6.3 point 5) ------------------------------


@override_settings(JUDICIAL_WITHDRAWAL_CONDITION_SOURCE=MET)
def test_a_deduction_is_recorded_as_a_court_withdrawal_without_paying_twice(officers, court, funded):
    from ledger.models import JournalEntry

    f = freeze(officers, court, funded, "10000.00")
    entries = JournalEntry.objects.count()
    req = deduct(officers, court, funded, f, "3000.50")
    app = WithdrawalApplication.objects.get(account=funded)
    assert (app.reason, app.state, app.channel, app.amount_approved) == (
        Reason.COURT_DEDUCTION,
        WithdrawalApplication.State.PAID,
        "court",
        D("3000.50"),
    )
    assert app.instruction_id == req.instruction_id and req.answer["withdrawal_number"] == app.number
    assert app.facts["case_number"] == "(2026)粤0305执30003号" and app.facts["withdrawal_ground"] == "退休"
    assert app.payee_name == "示范市南山区人民法院执行款专户" and app.payee_card == ""
    # One posting and one bank instruction: the judicial deduction's own; the case posted nothing.
    assert JournalEntry.objects.count() == entries + 1 and BankInstruction.objects.count() == 1
    assert ledger(funded).balance == D("46999.50")
    # The withdrawals pages and services list it by its reason, and never move it themselves.
    wsel, wsvc = withdrawal_selectors, withdrawal_services
    assert list(wsel.applications(viewer=officers["finance"], reason=Reason.COURT_DEDUCTION)) == [app]
    assert wsel.workflow_actions(app, officers["finance"]) == []
    with pytest.raises(StateError):
        wsvc.fail_payment(application=app, reason="x", actor=officers["finance"])
    with pytest.raises(StateError):
        wsvc.settle_payment(application=app, actor=officers["finance"])
    ledger_services.simulate_bank(actor=system())
    assert wsvc.sync_bank(actor=system()) == {"settled": 0, "failed": 0}
    app.refresh_from_db()
    assert app.state == WithdrawalApplication.State.PAID  # moves with the judicial request only
    assert services.sync_bank(actor=system()) == {"settled": 1, "failed": 0}
    app.refresh_from_db()
    req.refresh_from_db()
    assert (req.state, app.state) == (JR.State.PAID, WithdrawalApplication.State.CLOSED)
    assert [t.action for t in workflow.history(app)] == ["create", "pay", "settle"]


@override_settings(JUDICIAL_WITHDRAWAL_CONDITION_SOURCE=MET)
def test_a_returned_deduction_cancels_its_withdrawal(officers, court, funded):
    f = freeze(officers, court, funded, "10000.00")
    req = deduct(officers, court, funded, f, "4000.00")
    services.fail_deduction(request=req, reason="账户不存在", actor=officers["finance"])
    app = WithdrawalApplication.objects.get(account=funded, reason=Reason.COURT_DEDUCTION)
    assert app.state == WithdrawalApplication.State.CANCELLED and "账户不存在" in app.refusal_reason
    assert app.state not in rules.COUNTING_STATES  # no longer withdrawn anywhere
    acc = ledger(funded)
    assert (acc.balance, acc.held) == (D("50000.00"), D("10000.00"))
    # A second deduction after the return is a new request and a new case; the first stays cancelled.
    req2 = deduct(officers, court, funded, f, "4000.00", ruling_number="R-2")
    assert req2.actual_amount == D("4000.00")
    cases = WithdrawalApplication.objects.filter(account=funded).order_by("pk")
    assert [(c.state, c.amount_approved) for c in cases] == [
        (WithdrawalApplication.State.CANCELLED, D("4000.00")),
        (WithdrawalApplication.State.PAID, D("4000.00")),
    ]
    assert ledger(funded).balance == D("46000.00")


def test_nobody_applies_for_a_court_deduction(officers, funded):
    assert Reason.COURT_DEDUCTION not in dict(withdrawal_forms.ApplicationForm().fields["reason"].choices)
    clerk = make_user("j_w_clerk", roles.CLERK)
    with pytest.raises(InvalidInput) as exc:
        withdrawal_services.apply(
            actor=clerk,
            account=funded,
            reason=Reason.COURT_DEDUCTION,
            amount="100.00",
            payee_card=card_for(),
            payee_name="张三",
        )
    assert exc.value.code == "not_eligible"
    assert not WithdrawalApplication.objects.exists()


@override_settings(JUDICIAL_WITHDRAWAL_CONDITION_SOURCE=MET)
def test_the_counter_shows_the_court_withdrawal_with_its_reason_and_no_action(client, officers, court, funded):
    from django.urls import reverse

    f = freeze(officers, court, funded, "10000.00")
    deduct(officers, court, funded, f, "2500.00")
    app = WithdrawalApplication.objects.get(account=funded)
    client.force_login(officers["finance"])
    listed = client.get(reverse("withdrawals:queue") + "?reason=10&state=paid").content.decode()
    page = client.get(reverse("withdrawals:case", args=[app.number]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "协助执法扣划" in html and "示范市南山区人民法院执行款专户" in html
    assert "/settle/" not in html and "/pay/" not in html
    assert client.post(reverse("withdrawals:act", args=[app.number, "pay"])).status_code == 302
    app.refresh_from_db()
    assert app.state == WithdrawalApplication.State.PAID and BankInstruction.objects.count() == 1
    assert app.number in listed  # finance sees it among the payments awaiting the bank
