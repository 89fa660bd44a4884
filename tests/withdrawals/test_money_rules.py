"""Money correctness of withdrawals: evidence running totals, approval by rule only on verified data, the end of
a case whose payment is refused, one yearly rent cap for every path."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from core.errors import InvalidInput
from core.models import CaseTransition
from ledger.models import Account, BankInstruction, JournalEntry
from tests.withdrawals.conftest import CARD, doc
from withdrawals import services
from withdrawals.models import DocumentType, Evidence, Reason, WithdrawalApplication

D = Decimal
day = datetime.date
S = WithdrawalApplication.State


@pytest.fixture(autouse=True)
def _chinese():
    with translation.override("zh-hans"):
        yield


def balance(acc):
    return Account.objects.get(pk=acc.ledger_account_id).balance


def snapshot():
    return (
        WithdrawalApplication.objects.count(),
        JournalEntry.objects.count(),
        CaseTransition.objects.count(),
        BankInstruction.objects.count(),
        Evidence.objects.count(),
    )


def illness(staff, acc, amount, facts):
    return services.apply(
        actor=staff["clerk"],
        account=acc,
        reason=Reason.ILLNESS,
        amount=amount,
        facts=facts,
        payee_card=CARD,
        payee_name="张三",
        documents=[(DocumentType.MEDICAL, doc())],
    )


def through(staff, app):
    app = services.review(actor=staff["reviewer"], application=app)
    return services.approve(actor=staff["approver"], application=app)


# --- 7. evidence running totals --------------------------------------------------------------------------


def test_one_medical_bill_is_drawn_against_once_in_full(staff, funded):
    first = through(staff, illness(staff, funded, "8000", {"medical_cost": "8000", "bill_number": "ZY 2026-0815"}))
    assert first.state == S.PAID and first.evidence.number == "ZY2026-0815" and first.evidence.amount == D("8000")
    before = snapshot()
    with pytest.raises(InvalidInput) as exc:
        illness(staff, funded, "8000", {"medical_cost": "8000", "bill_number": "zy2026-0815"})
    assert exc.value.code == "not_eligible" and "已全额提取" in exc.value.message
    assert exc.value.as_dict()["fields"]["reason"]
    assert snapshot() == before and balance(funded) == D("42000.00")


def test_a_bill_partly_drawn_leaves_only_the_rest_and_keeps_its_amount(staff, funded):
    through(staff, illness(staff, funded, "3000", {"medical_cost": "8000", "bill_number": "B-1"}))
    out = services.preview(account=funded, reason=Reason.ILLNESS, facts={"medical_cost": "8000", "bill_number": "B-1"})
    assert out.eligible and out.maximum == D("5000.00")
    before = snapshot()
    with pytest.raises(InvalidInput) as exc:
        illness(staff, funded, "5000.01", {"medical_cost": "8000", "bill_number": "B-1"})
    assert exc.value.code == "above_maximum" and "5,000.00" in exc.value.message
    with pytest.raises(InvalidInput) as exc:  # the same bill declared with another amount
        illness(staff, funded, "1000", {"medical_cost": "18000", "bill_number": "B-1"})
    assert "金额不一致" in exc.value.message
    with pytest.raises(InvalidInput) as exc:  # no bill number
        illness(staff, funded, "1000", {"medical_cost": "1000"})
    assert "请填写医疗票据的号码" in exc.value.message
    assert snapshot() == before
    second = through(staff, illness(staff, funded, "5000", {"medical_cost": "8000", "bill_number": "B-1"}))
    assert second.state == S.PAID and second.evidence_id == Evidence.objects.get(number="B-1").pk
    assert balance(funded) == D("42000.00")


def test_a_pending_approval_rechecks_the_running_total(staff, funded):
    """Both applications pass while nothing is approved; the second approval sees the first."""
    a = services.review(
        actor=staff["reviewer"],
        application=illness(staff, funded, "6000", {"medical_cost": "8000", "bill_number": "B-2"}),
    )
    b = services.review(
        actor=staff["reviewer"],
        application=illness(staff, funded, "6000", {"medical_cost": "8000", "bill_number": "B-2"}),
    )
    assert services.approve(actor=staff["approver"], application=a).state == S.PAID
    with pytest.raises(InvalidInput) as exc:
        services.approve(actor=staff["approver"], application=b)
    assert exc.value.code == "above_maximum"
    b.refresh_from_db()
    assert b.state == S.REVIEWED and b.amount_approved is None and balance(funded) == D("44000.00")


# --- 8. approval by rule only on verified data -------------------------------------------------------------


def repaid_12000(*, viewer, depositor, since, until):
    """A stand-in for the loans module: the center's records show 12,000 repaid."""
    return D("12000.00")


def online_loan(funded, user, amount, facts, upload):
    return services.apply(
        actor=user,
        account=funded,
        reason=Reason.LOAN_REPAYMENT,
        amount=amount,
        facts=facts,
        payee_card=CARD,
        payee_name="张三",
        documents=[(DocumentType.LOAN_STATEMENT, upload)],
    )


@pytest.fixture
def depositor_user(funded):
    from core import roles
    from tests.conftest import make_user

    user = make_user("dep_loan", roles.DEPOSITOR)
    funded.depositor.user = user
    funded.depositor.save()
    return user


def test_a_typed_repayment_figure_is_never_approved_by_rule(staff, funded, depositor_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    entries = JournalEntry.objects.count()
    for kind in ("other", "center", ""):  # a commercial loan; the center's loan without records (today)
        app = online_loan(
            funded,
            depositor_user,
            "30000",
            {"loan_kind": kind, "repaid": "30000"},
            SimpleUploadedFile("statement.pdf", b"%PDF-1.4 statement", content_type="application/pdf"),
        )
        assert app.state == S.SUBMITTED and app.auto_rule == "" and app.amount_approved is None
        assert not app.effect["check"]["auto_approvable"]
    assert JournalEntry.objects.count() == entries and balance(funded) == D("50000.00")
    assert not CaseTransition.objects.filter(action="auto_approve").exists()
    # the review queue takes it: 受理, 审核, 审批 by three people
    app = services.accept(actor=staff["clerk"], application=app)
    assert through(staff, app).state == S.PAID and balance(funded) == D("20000.00")


def test_the_centers_own_loan_records_allow_approval_by_rule(staff, funded, depositor_user, settings):
    settings.LOAN_REPAYMENT_SOURCE = "tests.withdrawals.test_money_rules.repaid_12000"
    before = snapshot()
    with pytest.raises(InvalidInput) as exc:  # the typed 30,000 does not count, the records say 12,000
        online_loan(funded, depositor_user, "30000", {"loan_kind": "center", "repaid": "30000"}, doc())
    assert exc.value.code == "above_maximum" and "12,000.00" in exc.value.message
    assert snapshot() == before
    app = online_loan(funded, depositor_user, "12000", {"loan_kind": "center"}, doc())
    assert app.state == S.PAID and app.auto_rule.startswith("auto:06") and app.amount_approved == D("12000.00")
    assert balance(funded) == D("38000.00")
    other = online_loan(funded, depositor_user, "1000", {"loan_kind": "other", "repaid": "20000"}, doc())
    assert other.state == S.SUBMITTED


# --- 9. a refused payment ends the case --------------------------------------------------------------------


def test_a_payment_refused_for_insufficient_funds_rejects_the_case_and_tells_the_applicant(staff, funded, client):
    from core.actors import system_actor
    from core.models import Notification
    from ledger import services as ledger_services

    app = services.review(
        actor=staff["reviewer"],
        application=illness(staff, funded, "8000", {"medical_cost": "8000", "bill_number": "B-9"}),
    )
    app = services.approve(actor=staff["approver"], application=app, pay_now=False)
    assert app.state == S.APPROVED
    ledger_services.place_hold(
        actor=system_actor(), account=funded.ledger_account, amount="45000", kind="judicial", reference="法院冻结"
    )  # 5,000 left available
    entries = JournalEntry.objects.count()
    client.force_login(staff["finance"])
    page = client.post(f"/counter/withdrawals/{app.number}/pay/", follow=True).content.decode()
    app.refresh_from_db()
    assert app.state == S.REJECTED and app.refusal_reason.startswith("支付被拒绝")
    assert app.refusal_reason in page
    assert JournalEntry.objects.count() == entries and balance(funded) == D("50000.00")
    assert not BankInstruction.objects.filter(source=f"withdrawal:{app.pk}").exists()
    step = CaseTransition.objects.filter(case_id=app.pk).order_by("-id").first()
    assert (step.action, step.from_state, step.to_state, step.actor_id) == (
        "payment_refused",
        "approved",
        "rejected",
        staff["finance"].pk,
    )
    note = Notification.objects.get(key=f"withdrawal:{app.pk}:payment_refused:inbox")
    assert app.number in note.body and "支付被拒绝" in note.body
    # the refused case no longer counts against the bill: a new application may draw the whole 8,000 again
    out = services.preview(account=funded, reason=Reason.ILLNESS, facts={"medical_cost": "8000", "bill_number": "B-9"})
    assert out.maximum == D("5000.00")  # the bill's 8,000, limited by the 5,000 still available


# --- 10. one yearly rent cap for every path -----------------------------------------------------------------


def test_the_standing_rent_run_counts_one_off_rent_withdrawals_of_the_last_12_months(staff, funded):
    from core.actors import system_actor
    from core.models import BatchRun
    from tests.withdrawals.conftest import on, paid_months
    from withdrawals.models import StandingInstruction
    from withdrawals.services import standing

    # one-off rent for 11 months and a bit: 20,000 of the yearly 21,600 (12 × 1,800)
    app = services.apply(
        actor=staff["clerk"],
        account=funded,
        reason=Reason.RENT,
        amount="20000",
        facts={"monthly_rent": "2000", "months": 12},
        payee_card=CARD,
        payee_name="张三",
        documents=[(DocumentType.LEASE, doc())],
    )
    assert through(staff, app).state == S.PAID and balance(funded) == D("30000.00")
    si = standing.create_standing(
        actor=staff["clerk"],
        account=funded,
        kind=StandingInstruction.Kind.RENT,
        monthly_amount="1800",
        payee_card=CARD,
        payee_name="张三",
    )
    on(day(2026, 11, 5))
    result = standing.run_standing(actor=system_actor(), month=day(2026, 11, 1))
    assert result["paid"] == 1 and D(result["amount"]) == D("1600.00")  # only what is left of the yearly cap
    assert balance(funded) == D("28400.00")
    paid_months(funded, [day(2026, 11, 1)])  # ¥2,000 deposited for November
    on(day(2026, 12, 5))
    result = standing.run_standing(actor=system_actor(), month=day(2026, 12, 1))
    assert result["paid"] == 0 and balance(funded) == D("30400.00")
    run = BatchRun.objects.get(key="standing:2026-12")
    assert run.result["skipped"] == [{"instruction": si.pk, "reason": "本年度租房提取额度已用完。"}]
    # and the one-off path sees the standing withdrawals: nothing is left this year
    out = services.preview(account=funded, reason=Reason.RENT, facts={"monthly_rent": "2000", "months": 1})
    assert out.eligible and out.maximum == D("0.00")


def test_a_monthly_loan_offset_is_not_set_up_online_on_a_typed_installment(staff, funded, depositor_user, settings):
    from withdrawals.models import StandingInstruction
    from withdrawals.services import standing

    with pytest.raises(InvalidInput) as exc:
        standing.create_standing(
            actor=depositor_user,
            account=funded,
            kind=StandingInstruction.Kind.LOAN_OFFSET,
            monthly_amount="3000",
            payee_card=CARD,
            payee_name="张三",
        )
    assert exc.value.code == "needs_review" and "柜台" in exc.value.message
    assert not StandingInstruction.objects.exists()
    settings.LOAN_REPAYMENT_SOURCE = "tests.withdrawals.test_money_rules.repaid_12000"
    si = standing.create_standing(
        actor=depositor_user,
        account=funded,
        kind=StandingInstruction.Kind.LOAN_OFFSET,
        monthly_amount="3000",
        payee_card=CARD,
        payee_name="张三",
    )
    assert si.status == StandingInstruction.Status.ACTIVE


def rent(staff, acc, amount, facts):
    return services.apply(actor=staff["clerk"], account=acc, reason=Reason.RENT, amount=amount, facts=facts,
                          payee_card=CARD, payee_name="张三", documents=[(DocumentType.LEASE, doc())])


def test_rent_drawn_against_a_registered_lease_never_exceeds_its_total(staff, funded):
    lease = {"monthly_rent": "1500", "months": "2", "lease_number": "zl 2026-001", "lease_total": "4000"}
    first = through(staff, rent(staff, funded, "3000", lease))
    assert first.state == S.PAID and first.evidence.kind == Evidence.Kind.LEASE
    assert first.evidence.number == "ZL2026-001" and first.evidence.amount == D("4000.00")
    out = services.preview(account=funded, reason=Reason.RENT, facts=lease)
    assert out.eligible and out.maximum == D("1000.00")  # 4,000 on the lease less 3,000 drawn
    before = snapshot()
    with pytest.raises(InvalidInput) as exc:
        rent(staff, funded, "1000.01", lease)
    assert exc.value.code == "above_maximum"
    with pytest.raises(InvalidInput) as exc:  # a lease number without the lease's total rent
        rent(staff, funded, "100", {"monthly_rent": "1500", "lease_number": "ZL2026-002"})
    assert "请填写" in exc.value.message
    assert snapshot() == before
    through(staff, rent(staff, funded, "1000", lease))
    with pytest.raises(InvalidInput) as exc:
        rent(staff, funded, "100", lease)
    assert "已全额提取" in exc.value.message
    assert snapshot()[0] == before[0] + 1 and balance(funded) == D("46000.00")
    # Without a registered lease, rent is drawn at the standard caps and records no evidence.
    plain = services.preview(account=funded, reason=Reason.RENT, facts={"monthly_rent": "1500", "months": "2"})
    assert plain.eligible and plain.evidence_ref is None
