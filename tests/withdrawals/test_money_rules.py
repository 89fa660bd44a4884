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
