"""The two ledger settings that admin shows read-only change through their own services: a ledger account's
overdraft permission and a bank account's statement opening balance."""

from decimal import Decimal

import pytest
from django.utils import translation

from core import roles
from core.actors import system_actor
from core.errors import Forbidden, InvalidInput, StateError
from core.models import AuditEvent
from ledger import services as ledger_services
from ledger.models import Account, BankAccount
from ledger.posting import credit, debit, post
from tests import factories
from tests.conftest import make_user


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def finance(db):
    return make_user("fin1", roles.FINANCE)


def test_overdraft_permission_needs_finance_a_reason_and_no_negative_balance(clerk, finance):
    one = factories.account(clerk, name="甲").ledger_account
    other = factories.account(clerk, name="乙").ledger_account
    with pytest.raises(Forbidden):
        ledger_services.set_overdraft(actor=clerk, account=one, allowed=True, reason="测试")
    with pytest.raises(Forbidden):
        ledger_services.set_overdraft(actor=None, account=one, allowed=True, reason="测试")
    with pytest.raises(InvalidInput) as info:
        ledger_services.set_overdraft(actor=finance, account=one, allowed=True, reason=" ")
    assert info.value.code == "reason_required" and "原因" in info.value.message
    assert Account.objects.get(pk=one.pk).allow_negative is False

    acc = ledger_services.set_overdraft(actor=finance, account=one, allowed=True, reason="清算过渡")
    assert acc.allow_negative is True and acc.history.first().history_change_reason == "清算过渡"
    event = AuditEvent.objects.get(action="ledger.account.overdraft")
    assert (event.actor, event.before, event.after, event.comment) == (
        finance, {"allow_negative": False}, {"allow_negative": True}, "清算过渡")

    post(actor=system_actor(), lines=[debit(one, Decimal("100.00")), credit(other, Decimal("100.00"))],
         memo="overdraft test")
    assert Account.objects.get(pk=one.pk).balance == Decimal("-100.00")
    with pytest.raises(StateError) as info:
        ledger_services.set_overdraft(actor=finance, account=one, allowed=False, reason="恢复")
    assert info.value.code == "negative_balance"
    assert Account.objects.get(pk=one.pk).allow_negative is True


def test_opening_balance_is_corrected_by_finance_with_a_reason(clerk, finance):
    bank = factories.bank_account()
    with pytest.raises(Forbidden):
        ledger_services.change_opening_balance(actor=clerk, bank_account=bank, opening_balance="10", reason="更正")
    with pytest.raises(InvalidInput) as info:
        ledger_services.change_opening_balance(actor=finance, bank_account=bank, opening_balance="1.005",
                                               reason="更正")
    assert info.value.code == "bad_amount"
    with pytest.raises(InvalidInput):
        ledger_services.change_opening_balance(actor=finance, bank_account=bank, opening_balance="10", reason="")
    assert BankAccount.objects.get(pk=bank.pk).opening_balance == Decimal("0.00")

    changed = ledger_services.change_opening_balance(actor=finance, bank_account=bank, opening_balance="1234.50",
                                                     reason="按银行2026年10月对账单更正")
    assert BankAccount.objects.get(pk=bank.pk).opening_balance == Decimal("1234.50")
    assert changed.history.first().history_change_reason == "按银行2026年10月对账单更正"
    event = AuditEvent.objects.get(action="ledger.bank_account.opening_balance")
    assert (event.actor, event.before, event.after) == (finance, {"opening_balance": "0.00"},
                                                         {"opening_balance": "1234.50"})
