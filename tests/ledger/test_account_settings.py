"""The two ledger settings that admin shows read-only change through their own services, with four eyes: a ledger
account's overdraft permission and a bank account's statement opening balance are requested by one person with a
reason and applied only when another person confirms."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from core import roles, workflow
from core.actors import system_actor
from core.errors import Forbidden, InvalidInput, StateError
from core.models import AuditEvent
from ledger import services as ledger_services
from ledger.models import Account, BankAccount, SettingChange
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


@pytest.fixture
def finance2(db):
    return make_user("fin2", roles.FINANCE)


def test_overdraft_permission_needs_a_second_person_a_reason_and_no_negative_balance(clerk, finance, finance2):
    one = factories.account(clerk, name="甲").ledger_account
    other = factories.account(clerk, name="乙").ledger_account
    with pytest.raises(Forbidden):
        ledger_services.set_overdraft(actor=clerk, account=one, allowed=True, reason="测试")
    with pytest.raises(Forbidden):
        ledger_services.set_overdraft(actor=None, account=one, allowed=True, reason="测试")
    with pytest.raises(InvalidInput) as info:
        ledger_services.set_overdraft(actor=finance, account=one, allowed=True, reason=" ")
    assert info.value.code == "reason_required" and "原因" in info.value.message
    assert not SettingChange.objects.exists()

    change = ledger_services.set_overdraft(actor=finance, account=one, allowed=True, reason="清算过渡")
    assert change.state == "requested" and Account.objects.get(pk=one.pk).allow_negative is False  # not yet
    with pytest.raises(Forbidden) as info:  # the requester cannot confirm their own request
        ledger_services.confirm_setting_change(actor=finance, change=change)
    assert info.value.code == "four_eyes"
    with pytest.raises(Forbidden):
        ledger_services.confirm_setting_change(actor=clerk, change=change)
    with pytest.raises(Forbidden):
        ledger_services.confirm_setting_change(actor=system_actor(), change=change)
    assert Account.objects.get(pk=one.pk).allow_negative is False

    change = ledger_services.confirm_setting_change(actor=finance2, change=change, comment="同意")
    acc = Account.objects.get(pk=one.pk)
    assert change.state == "applied" and acc.allow_negative is True
    assert acc.history.first().history_change_reason == "清算过渡"
    event = AuditEvent.objects.get(action="ledger.account.overdraft")
    assert (event.actor, event.before, event.after, event.comment) == (
        finance2,
        {"allow_negative": False},
        {"allow_negative": True},
        "清算过渡",
    )
    assert [(t.action, t.actor, t.step) for t in workflow.history(change)] == [
        ("request", finance, "accept"),
        ("confirm", finance2, "approve"),
    ]
    with pytest.raises(StateError):  # applied once
        ledger_services.confirm_setting_change(actor=finance2, change=change)

    post(
        actor=system_actor(),
        lines=[debit(one, Decimal("100.00")), credit(other, Decimal("100.00"))],
        memo="overdraft test",
    )
    assert Account.objects.get(pk=one.pk).balance == Decimal("-100.00")
    back = ledger_services.set_overdraft(actor=finance2, account=one, allowed=False, reason="恢复")
    with pytest.raises(StateError) as info:  # checked again when it would be applied
        ledger_services.confirm_setting_change(actor=finance, change=back)
    assert info.value.code == "negative_balance"
    assert Account.objects.get(pk=one.pk).allow_negative is True
    assert SettingChange.objects.get(pk=back.pk).state == "requested"
    rejected = ledger_services.reject_setting_change(actor=finance, change=back, comment="余额为负")
    assert rejected.state == "rejected" and Account.objects.get(pk=one.pk).allow_negative is True
    post(
        actor=system_actor(),
        lines=[debit(other, Decimal("100.00")), credit(one, Decimal("100.00"))],
        memo="overdraft test back",
    )


def test_opening_balance_is_corrected_by_two_people_with_a_reason(clerk, finance, finance2):
    bank = factories.bank_account()
    with pytest.raises(Forbidden):
        ledger_services.change_opening_balance(actor=clerk, bank_account=bank, opening_balance="10", reason="更正")
    for bad in ("1.005", "abc", "NaN", "1e20"):
        with pytest.raises(InvalidInput) as info:
            ledger_services.change_opening_balance(actor=finance, bank_account=bank, opening_balance=bad, reason="更正")
        assert info.value.code == "bad_amount"
    with pytest.raises(InvalidInput):
        ledger_services.change_opening_balance(actor=finance, bank_account=bank, opening_balance="10", reason="")
    assert not SettingChange.objects.exists()

    change = ledger_services.change_opening_balance(
        actor=finance, bank_account=bank, opening_balance="1234.50", reason="按银行2026年10月对账单更正"
    )
    assert BankAccount.objects.get(pk=bank.pk).opening_balance == Decimal("0.00")
    ledger_services.confirm_setting_change(actor=finance2, change=change)
    changed = BankAccount.objects.get(pk=bank.pk)
    assert changed.opening_balance == Decimal("1234.50")
    assert changed.history.first().history_change_reason == "按银行2026年10月对账单更正"
    event = AuditEvent.objects.get(action="ledger.bank_account.opening_balance")
    assert (event.actor, event.before, event.after) == (
        finance2,
        {"opening_balance": "0.00"},
        {"opening_balance": "1234.50"},
    )


def test_the_settings_page_requests_and_a_second_person_confirms(client, clerk, finance, finance2):
    bank = factories.bank_account()
    client.force_login(finance)
    response = client.post(
        reverse("ledger:request_opening_balance"), {"bank_account": bank.pk, "opening_balance": "abc", "reason": "更正"}
    )
    # refused: redirected to the page (post/redirect/get), which shows the form once with what was typed
    assert response.status_code == 302 and response.url == reverse("ledger:setting_changes")
    page = client.get(reverse("ledger:setting_changes")).content.decode()
    assert "请输入数字。" in page and 'value="abc"' in page
    assert "请输入数字。" not in client.get(reverse("ledger:setting_changes")).content.decode()  # once
    response = client.post(
        reverse("ledger:request_opening_balance"),
        {"bank_account": bank.pk, "opening_balance": "88.00", "reason": "更正"},
    )
    assert response.status_code == 302
    change = SettingChange.objects.get()
    page = client.get(reverse("ledger:setting_changes")).content.decode()
    assert f'id="change-{change.pk}"' in page and "88.00" in page
    client.post(reverse("ledger:setting_change_confirm", args=[change.pk]))  # refused: the requester
    assert BankAccount.objects.get(pk=bank.pk).opening_balance == Decimal("0.00")
    auditor = make_user("aud", roles.AUDITOR)
    client.force_login(auditor)
    assert client.get(reverse("ledger:setting_changes")).status_code == 200
    assert client.post(reverse("ledger:setting_change_confirm", args=[change.pk])).status_code == 403
    client.force_login(finance2)
    assert client.post(reverse("ledger:setting_change_confirm", args=[change.pk])).status_code == 302
    assert BankAccount.objects.get(pk=bank.pk).opening_balance == Decimal("88.00")
    response = client.post(reverse("ledger:request_overdraft"), {"account": "NOPE", "allowed": "1", "reason": "x"},
                           follow=True)
    assert response.redirect_chain == [(reverse("ledger:setting_changes"), 302)]
    assert "没有科目代码为 NOPE 的账户" in response.content.decode()
    assert SettingChange.objects.count() == 1
