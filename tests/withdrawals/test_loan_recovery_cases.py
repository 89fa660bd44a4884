"""Deductions for an overdue loan recorded as withdrawals (reason 25, withdrawals.services.recovery): the cases the
loans' close of business writes are shown to staff and to the depositor, and no page can act on them."""

import re
from decimal import Decimal

import pytest

from core import roles
from core.actors import system_actor
from core.errors import StateError
from tests.conftest import make_user
from tests.withdrawals.conftest import day, on
from withdrawals.models import FraudBan, Reason, Recovery, WithdrawalApplication
from withdrawals.services import recovery
from withdrawals.services.registry import record_fraud

D = Decimal


def test_cases_are_shown_and_never_acted_on(staff, funded, client):
    on(day(2026, 11, 20))
    items = [{"ledger_account_id": funded.ledger_account_id, "amount": D("1234.56"), "contract": "DK2026000001"}]
    assert recovery.record_loan_recoveries(actor=system_actor(), on=day(2026, 11, 20), entry_id=991, items=items) == 1
    case = WithdrawalApplication.objects.get(reason=Reason.LOAN_RECOVERY)
    assert (case.account_id, case.depositor_id, case.amount_approved, case.state, case.channel) == (
        funded.pk, funded.depositor_id, D("1234.56"), "closed", "loan")
    assert case.number.startswith("TQ20261120")
    assert Reason.LOAN_RECOVERY not in dict(Reason.applicable())  # nobody applies for it

    client.force_login(staff["allround"])
    page = client.get(f"/counter/withdrawals/{case.number}/").content.decode()
    assert "强制扣划公积金还贷款" in page and re.search(r"1,?234\.56", page) and "DK2026000001" in page
    assert f'action="/counter/withdrawals/{case.number}/' not in page  # no workflow button
    # the step's comment, written by the system in bulk, reads in the viewer's language
    client.cookies["django_language"] = "en"
    assert "Deducted for overdue housing loan DK2026000001" in client.get(
        f"/counter/withdrawals/{case.number}/").content.decode()
    client.cookies["django_language"] = "zh-hans"
    for action in ("accept", "review", "approve", "pay", "cancel"):
        response = client.post(f"/counter/withdrawals/{case.number}/{action}/")
        assert response.status_code in (302, 400, 403, 404, 409)
    case.refresh_from_db()
    assert case.state == "closed"
    # a fraud finding is for the person's own applications: never an order to "return" what the center took
    with pytest.raises(StateError) as exc:
        record_fraud(actor=staff["reviewer"], depositor=funded.depositor, reason="x", application=case)
    assert exc.value.code == "ordered_deduction"
    assert not FraudBan.objects.exists() and not Recovery.objects.exists()

    user = make_user("dep_recovery", roles.DEPOSITOR)
    funded.depositor.user = user
    funded.depositor.save()
    client.force_login(user)
    page = client.get("/portal/withdrawals/").content.decode()
    assert case.number in page and "强制扣划公积金还贷款" in page


def test_an_unknown_account_writes_nothing(db):
    with pytest.raises(KeyError):  # the account must exist: refused before anything is written
        recovery.record_loan_recoveries(
            actor=system_actor(), on=day(2026, 11, 20), entry_id=5,
            items=[{"ledger_account_id": 987654, "amount": D("1.00"), "contract": "X"}])
    assert not WithdrawalApplication.objects.exists()
