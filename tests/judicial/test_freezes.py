"""Freezes: full and partial, waiting queue (activated on unfreeze and on expiry, in order), renewals, the
expiry job, and the frozen money out of reach of withdrawals."""

import datetime

import pytest
from django.core.management import call_command

from core.errors import InsufficientFunds, StateError
from judicial import services
from judicial.models import Freeze, JudicialRequest
from judicial.services.common import add_months
from ledger.models import Hold
from ledger.posting import credit, debit, post
from tests import factories
from tests.judicial.conftest import D, day, freeze, ledger, on, receive, run, system

JR = JudicialRequest


def test_full_freeze_is_a_ledger_hold(officers, court, funded):
    req = freeze(officers, court, funded, "20000.00", start_date="2026-10-12")
    assert req.state == JR.State.EXECUTED
    assert req.actual_amount == D("20000.00")
    assert req.operator == officers["op"] and req.checker == officers["chk"]
    f = req.freeze
    assert f.state == Freeze.State.ACTIVE and f.amount_frozen == D("20000.00") and f.queue_position == 1
    # default period: 12 months (judicial.freeze_months), the last day included
    assert (f.start_date, f.end_date) == (day(2026, 10, 12), day(2027, 10, 11))
    assert f.hold.status == Hold.Status.ACTIVE and f.hold.amount == D("20000.00")
    acc = ledger(funded)
    assert (acc.balance, acc.held, acc.available) == (D("50000.00"), D("20000.00"), D("30000.00"))
    assert req.answer["partial"] is False


def test_partial_freeze_takes_what_is_available(officers, court, funded):
    req = freeze(officers, court, funded, "80000.00")
    assert req.freeze.amount_frozen == D("50000.00")
    assert req.answer["partial"] is True
    assert ledger(funded).available == D("0.00")


def test_public_security_freeze_has_its_own_period(officers, court, funded):
    req = freeze(officers, court, funded, "100.00", authority="public_security")
    assert (req.freeze.start_date, req.freeze.end_date) == (day(2026, 10, 12), day(2027, 4, 11))


def test_frozen_money_cannot_be_withdrawn(officers, court, funded):
    """The posting service (every withdrawal, loan offset and one-click repayment goes through it) refuses to
    take frozen money; the withdrawal rules offer only the available balance."""
    from withdrawals import rules
    from withdrawals.models import Reason

    freeze(officers, court, funded, "45000.00")
    bank = factories.bank_account()
    with pytest.raises(InsufficientFunds):
        post(lines=[debit(funded.ledger_account, D("5000.01")), credit(bank.ledger_account, D("5000.01"))],
             memo="withdrawal", actor=system())
    outcome = rules.evaluate(reason=Reason.MIN_LIVING, account=funded, on=day(2026, 10, 12), facts={})
    assert outcome.maximum == D("5000.00")
    assert ledger(funded).balance == D("50000.00")  # the balance (and its interest) is untouched


def test_second_court_waits_and_is_activated_on_unfreeze_in_order(officers, court, court2, funded):
    first = freeze(officers, court, funded, "50000.00")
    second = freeze(officers, court2, funded, "30000.00")
    third = freeze(officers, court2, funded, "30000.00", case_number="(2026)粤0304执100号")
    assert second.freeze.state == Freeze.State.WAITING and second.freeze.amount_frozen == D("0.00")
    assert (second.freeze.queue_position, third.freeze.queue_position) == (2, 3)
    assert second.answer["state"] == "waiting"
    on(day(2026, 11, 2))
    unfreeze = run(officers, court, funded, "unfreeze", original_number=first.number)
    assert unfreeze.state == JR.State.EXECUTED and unfreeze.actual_amount == D("50000.00")
    second.freeze.refresh_from_db()
    third.freeze.refresh_from_db()
    first.freeze.refresh_from_db()
    assert first.freeze.state == Freeze.State.RELEASED and first.freeze.hold.status == Hold.Status.RELEASED
    assert (second.freeze.state, second.freeze.amount_frozen) == (Freeze.State.ACTIVE, D("30000.00"))
    # the period runs from activation: same length as asked (12 months)
    assert (second.freeze.start_date, second.freeze.end_date) == (day(2026, 11, 2), day(2027, 11, 1))
    assert (third.freeze.state, third.freeze.amount_frozen) == (Freeze.State.ACTIVE, D("20000.00"))
    acc = ledger(funded)
    assert (acc.held, acc.available) == (D("50000.00"), D("0.00"))


def test_expiry_releases_and_activates_waiting_and_is_idempotent(officers, court, court2, funded):
    first = freeze(officers, court, funded, "40000.00", end_date="2026-10-31")
    second = freeze(officers, court2, funded, "25000.00")
    assert second.freeze.state == Freeze.State.ACTIVE and second.freeze.amount_frozen == D("10000.00")
    third = freeze(officers, court2, funded, "25000.00", case_number="(2026)粤0304执7号")
    assert third.freeze.state == Freeze.State.WAITING
    on(day(2026, 10, 31))  # the last day of the freeze: still in force
    assert services.expire_freezes(actor=system())["expired"] == 0
    on(day(2026, 11, 1))
    result = services.expire_freezes(actor=system())
    assert result == {"expired": 1, "activated": 1, "accounts": 1}
    first.freeze.refresh_from_db()
    third.freeze.refresh_from_db()
    assert first.freeze.state == Freeze.State.EXPIRED and first.freeze.hold.status == Hold.Status.RELEASED
    assert (third.freeze.state, third.freeze.amount_frozen) == (Freeze.State.ACTIVE, D("25000.00"))
    assert ledger(funded).held == D("35000.00")
    assert services.expire_freezes(actor=system()) == {"expired": 0, "activated": 0, "accounts": 0}
    call_command("expire_freezes", "--on", "2026-11-01")  # the command: nothing more to do
    assert ledger(funded).held == D("35000.00")


def test_expiry_in_chunks(officers, court, funded):
    clerk = officers["op"]
    others = []
    for i in range(3):
        acc = factories.account(factories_user(clerk), name=f"李{i}")
        factories.deposit(acc, "1000.00")
        others.append(acc)
    for acc in [funded, *others]:
        freeze(officers, court, acc, "600.00", end_date="2026-10-20")
    on(day(2026, 10, 21))
    assert services.expire_freezes(actor=system(), chunk=2)["expired"] == 4
    assert not Freeze.objects.filter(state=Freeze.State.ACTIVE).exists()
    assert not Hold.objects.filter(status=Hold.Status.ACTIVE).exists()


def factories_user(_actor):
    from django.contrib.auth.models import User

    return User.objects.get(username="j_clerk")


def test_renewal_before_expiry_and_refused_after(officers, court, funded):
    f = freeze(officers, court, funded, "1000.00", end_date="2026-10-31")
    renew = run(officers, court, funded, "renew", original_number=f.number, end_date="2027-10-30")
    assert renew.state == JR.State.EXECUTED
    f.freeze.refresh_from_db()
    assert f.freeze.end_date == day(2027, 10, 30)
    on(day(2027, 10, 31))
    with pytest.raises(StateError) as exc:
        receive(officers, court, funded, "renew", original_number=f.number, end_date="2028-10-30")
    assert exc.value.code == "freeze_expired"


def test_renewal_prepared_before_expiry_confirmed_after_is_refused(officers, court, funded):
    f = freeze(officers, court, funded, "1000.00", end_date="2026-10-31")
    req = receive(officers, court, funded, "renew", original_number=f.number, end_date="2027-10-30")
    req = services.prepare(actor=officers["op"], request=req)
    on(day(2026, 11, 1))
    req = services.confirm(actor=officers["chk"], request=req)
    assert req.state == JR.State.REFUSED and "2026-10-31" in req.refusal_reason
    f.freeze.refresh_from_db()
    assert f.freeze.end_date == day(2026, 10, 31)


def test_unfreeze_of_another_courts_freeze_is_refused(officers, court, court2, funded):
    from core.errors import NotFound

    f = freeze(officers, court, funded, "1000.00")
    count = JR.objects.count()
    with pytest.raises(NotFound) as exc:
        receive(officers, court2, funded, "unfreeze", original_number=f.number)
    assert exc.value.code == "unknown_freeze"
    with pytest.raises(NotFound):
        receive(officers, court, funded, "unfreeze", original_number="NOSUCH")
    assert JR.objects.count() == count


@pytest.mark.parametrize("authority, end", [
    ("court", day(2027, 10, 11)),  # 12 months (DOMAIN.md §6.1: a deposit, one year)
    ("public_security", day(2027, 4, 11)),  # 6 months (§6.3 point 8)
    ("procuratorate", day(2027, 4, 11)),
    ("supervision", day(2027, 4, 11)),
])
def test_each_authority_freezes_for_its_own_period_and_renews_by_it(officers, court, funded, authority, end):
    req = freeze(officers, court, funded, "100.00", authority=authority)
    assert (req.freeze.state, req.freeze.start_date, req.freeze.end_date) == (Freeze.State.ACTIVE,
                                                                              day(2026, 10, 12), end)
    renewal = run(officers, court, funded, "renew", original_number=req.number, authority=authority)
    req.freeze.refresh_from_db()
    # A renewal without an end date runs one more period of the same authority from the day after the old end.
    months = 12 if authority == "court" else 6
    expected = add_months(end + datetime.timedelta(days=1), months) - datetime.timedelta(days=1)
    assert renewal.state == JR.State.EXECUTED and req.freeze.end_date == expected


def test_a_policy_change_of_the_public_security_period_applies_to_new_freezes(officers, court, funded):
    from core.models import PolicyValue

    PolicyValue.objects.create(key="judicial.freeze_months.public_security", effective_from=day(2026, 10, 1),
                               value="3", note="test")
    req = freeze(officers, court, funded, "100.00", authority="public_security")
    assert req.freeze.end_date == day(2027, 1, 11)
