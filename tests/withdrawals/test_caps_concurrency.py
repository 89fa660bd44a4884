"""Household caps and evidence running totals under concurrent approvals (real PostgreSQL threads)."""

import datetime
from decimal import Decimal

import pytest
from django.db.models import Sum

from accounts import services as account_services
from core.models import BusinessDay
from ledger.models import Account
from ledger.reconciliation import run_checks
from tests import factories
from tests.withdrawals.conftest import card_for, doc, prop
from tests.withdrawals.test_postgres import _race
from withdrawals import services
from withdrawals.models import DocumentType, Reason, WithdrawalApplication

pytestmark = pytest.mark.django_db(transaction=True)
D = Decimal


def _purchase_cases(staff, acc, name, card, n, amount, cert):
    apps = []
    for _i in range(n):
        app = services.apply(
            actor=staff["clerk"],
            account=acc,
            reason=Reason.PURCHASE,
            amount=amount,
            facts={"property": cert},
            payee_card=card,
            payee_name=name,
            documents=[(DocumentType.PURCHASE_CONTRACT, doc()), (DocumentType.INVOICE, doc())],
        )
        apps.append(services.review(actor=staff["reviewer"], application=app))
    return apps


def test_household_purchase_cap_holds_under_twenty_concurrent_approvals(staff):
    """Two spouses, 10 reviewed purchase cases each for one home (self-paid part 400,000), 40,000 each: 800,000
    asked for, approved at the same moment. Exactly 10 are paid, 400,000 together, never more."""
    BusinessDay.objects.update_or_create(pk=1, defaults={"current": datetime.date(2026, 10, 12)})
    husband = factories.account(staff["clerk"], name="张三")
    wife = factories.account(staff["clerk"], name="李梅")
    account_services.link_spouses(actor=staff["clerk"], a=husband.depositor, b=wife.depositor)
    for acc in (husband, wife):
        factories.deposit(acc, "400000")
    prop(wife.depositor, cert="FC-HOME", price=D("1000000"), loan_amount=D("600000"))
    apps = _purchase_cases(
        staff, husband, "张三", card_for("622202100000001"), 10, "40000", "FC-HOME"
    ) + _purchase_cases(staff, wife, "李梅", card_for("622202100000002"), 10, "40000", "FC-HOME")
    errors = _race([lambda a=a: services.approve(actor=staff["approver"], application=a) for a in apps])
    paid = WithdrawalApplication.objects.filter(reason=Reason.PURCHASE, state="paid")
    assert paid.count() == 10 and len(errors) == 10
    assert paid.aggregate(s=Sum("amount_approved"))["s"] == D("400000.00")
    assert {e.code for e in errors} == {"above_maximum"}
    assert WithdrawalApplication.objects.filter(reason=Reason.PURCHASE, state="reviewed").count() == 10
    balances = Account.objects.filter(pk__in=[husband.ledger_account_id, wife.ledger_account_id])
    assert sum(a.balance for a in balances) == D("400000.00")
    assert run_checks()["ok"]


def test_one_bill_is_never_overdrawn_by_twenty_concurrent_approvals(staff):
    """An 8,000 bill, 20 reviewed cases of 1,000 against it from both spouses, approved at once: exactly 8 paid."""
    BusinessDay.objects.update_or_create(pk=1, defaults={"current": datetime.date(2026, 10, 12)})
    husband = factories.account(staff["clerk"], name="张三")
    wife = factories.account(staff["clerk"], name="李梅")
    account_services.link_spouses(actor=staff["clerk"], a=husband.depositor, b=wife.depositor)
    apps = []
    for acc, name, card in (
        (husband, "张三", card_for("622202100000001")),
        (wife, "李梅", card_for("622202100000002")),
    ):
        factories.deposit(acc, "20000")
        for _i in range(10):
            app = services.apply(
                actor=staff["clerk"],
                account=acc,
                reason=Reason.ILLNESS,
                amount="1000",
                facts={"medical_cost": "8000", "bill_number": "ZY-20261012-7", "patient": "spouse"},
                payee_card=card,
                payee_name=name,
                documents=[(DocumentType.MEDICAL, doc())],
            )
            apps.append(services.review(actor=staff["reviewer"], application=app))
    errors = _race([lambda a=a: services.approve(actor=staff["approver"], application=a) for a in apps])
    paid = WithdrawalApplication.objects.filter(reason=Reason.ILLNESS, state="paid")
    assert paid.count() == 8 and len(errors) == 12
    assert paid.aggregate(s=Sum("amount_approved"))["s"] == D("8000.00")
    assert {e.code for e in errors} <= {"not_eligible", "above_maximum"}
    assert run_checks()["ok"]
