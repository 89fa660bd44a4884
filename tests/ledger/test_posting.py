from decimal import Decimal

import pytest
from django.utils import translation

from core.actors import system_actor
from core.errors import Conflict, InsufficientFunds, InvalidInput, StateError
from ledger import chart
from ledger import services as ledger_services
from ledger.models import Account, Hold, JournalEntry, JournalLine
from ledger.posting import Line, credit, debit, post, reverse
from ledger.reconciliation import run_checks
from tests import factories


@pytest.fixture
def acc(clerk):
    return factories.account(clerk)


@pytest.fixture
def bank(db):
    return factories.bank_account()


def refresh(a):
    return Account.objects.get(pk=a.pk)


def test_balanced_entry_updates_both_sides(acc, bank):
    entry = factories.deposit(acc, "1234.56")
    assert entry.line_count == 2 and entry.total == Decimal("1234.56")
    assert refresh(acc.ledger_account).balance == Decimal("1234.56")
    assert refresh(bank.ledger_account).balance == Decimal("1234.56")
    assert run_checks()["ok"]


def test_unbalanced_entry_is_refused_and_writes_nothing(acc, bank):
    with translation.override("en"), pytest.raises(InvalidInput) as info:
        post(actor=system_actor(),
             lines=[debit(bank.ledger_account, "100.00"), credit(acc.ledger_account, "99.99")], memo="x")
    assert info.value.code == "unbalanced"
    assert "100.00" in info.value.message and "99.99" in info.value.message
    assert JournalEntry.objects.count() == 0
    assert refresh(acc.ledger_account).balance == 0


@pytest.mark.parametrize("amount", ["0", "-5.00", "1.005"])
def test_bad_amounts_refused(acc, bank, amount):
    with pytest.raises(InvalidInput):
        post(actor=system_actor(), lines=[Line(bank.ledger_account_id, "D", Decimal(amount)),
                     Line(acc.ledger_account_id, "C", Decimal(amount))], memo="x")
    assert JournalLine.objects.count() == 0


def test_float_amounts_are_refused(acc):
    with pytest.raises(TypeError):
        debit(acc.ledger_account, 1.5)


def test_idempotency_same_lines_returns_first_entry(acc, bank):
    first = factories.deposit(acc, "500.00", key="remit:1")
    again = factories.deposit(acc, "500.00", key="remit:1")
    assert again.pk == first.pk
    assert JournalEntry.objects.count() == 1
    assert refresh(acc.ledger_account).balance == Decimal("500.00")


def test_idempotency_other_lines_is_conflict(acc, bank):
    factories.deposit(acc, "500.00", key="remit:1")
    with pytest.raises(Conflict) as info:
        factories.deposit(acc, "501.00", key="remit:1")
    assert info.value.code == "idempotency_conflict"
    assert refresh(acc.ledger_account).balance == Decimal("500.00")


def test_overdraft_refused(acc, bank):
    factories.deposit(acc, "100.00")
    with pytest.raises(InsufficientFunds):
        post(actor=system_actor(),
             lines=[debit(acc.ledger_account, "100.01"), credit(bank.ledger_account, "100.01")], memo="payout")
    assert refresh(acc.ledger_account).balance == Decimal("100.00")
    assert JournalEntry.objects.count() == 1


def test_hold_reduces_available_and_blocks_withdrawal(acc, bank, clerk):
    factories.deposit(acc, "1000.00")
    hold = ledger_services.place_hold(account=acc.ledger_account, amount="600.00", kind=Hold.Kind.JUDICIAL,
                                      reference="(2026)粤0305执30003号", actor=clerk)
    la = refresh(acc.ledger_account)
    assert (la.balance, la.held, la.available) == (Decimal("1000.00"), Decimal("600.00"), Decimal("400.00"))
    with pytest.raises(InsufficientFunds):
        post(actor=system_actor(), lines=[debit(la, "400.01"), credit(bank.ledger_account, "400.01")], memo="payout")
    post(actor=system_actor(), lines=[debit(la, "400.00"), credit(bank.ledger_account, "400.00")], memo="payout")
    assert refresh(la).available == 0
    # A deduction that consumes the hold may take the held money.
    post(actor=system_actor(),
         lines=[debit(la, "600.00"), credit(bank.ledger_account, "600.00")], memo="court deduction",
         consume_holds=[hold.pk])
    la = refresh(la)
    assert (la.balance, la.held) == (Decimal("0.00"), Decimal("0.00"))
    assert Hold.objects.get(pk=hold.pk).status == Hold.Status.CONSUMED


def test_hold_larger_than_available_refused_partial_takes_what_is_there(acc, bank):
    factories.deposit(acc, "300.00")
    with pytest.raises(StateError):
        ledger_services.place_hold(actor=system_actor(),
                                   account=acc.ledger_account, amount="300.01", kind="judicial", reference="r")
    hold = ledger_services.place_hold(actor=system_actor(),
                                      account=acc.ledger_account, amount="500.00", kind="judicial", reference="r",
                                      partial=True)
    assert hold.amount == Decimal("300.00")
    ledger_services.release_hold(actor=system_actor(), hold=hold)
    assert refresh(acc.ledger_account).held == 0
    with pytest.raises(StateError):
        ledger_services.release_hold(actor=system_actor(), hold=hold)


def test_closed_account_refuses_postings(acc, bank):
    ledger_services.close_account(actor=system_actor(), account=acc.ledger_account)
    with pytest.raises(StateError) as info:
        factories.deposit(acc, "1.00")
    assert info.value.code == "account_closed"


def test_close_refused_with_balance(acc, bank):
    factories.deposit(acc, "1.00")
    with pytest.raises(StateError):
        ledger_services.close_account(actor=system_actor(), account=acc.ledger_account)


def test_control_account_takes_no_direct_postings(acc, bank):
    control = Account.objects.get(code=chart.HOUSING_FUND)
    with pytest.raises(StateError):
        post(actor=system_actor(), lines=[debit(bank.ledger_account, "1.00"), credit(control, "1.00")], memo="x")


def test_reversal_mirrors_and_links(acc, bank):
    entry = factories.deposit(acc, "250.00")
    rev = reverse(actor=system_actor(), entry=entry)
    assert rev.reversal_of_id == entry.pk
    assert sorted((ln.side, ln.amount) for ln in rev.lines.all()) == [("C", Decimal("250.00")),
                                                                      ("D", Decimal("250.00"))]
    assert refresh(acc.ledger_account).balance == 0
    assert refresh(bank.ledger_account).balance == 0
    with pytest.raises(StateError):
        reverse(actor=system_actor(), entry=entry)
    with pytest.raises(StateError):
        reverse(actor=system_actor(), entry=rev)


def test_reversal_refused_when_money_already_spent(acc, bank):
    entry = factories.deposit(acc, "250.00")
    post(actor=system_actor(),
         lines=[debit(acc.ledger_account, "200.00"), credit(bank.ledger_account, "200.00")], memo="payout")
    with pytest.raises(InsufficientFunds):
        reverse(actor=system_actor(), entry=entry)
    assert refresh(acc.ledger_account).balance == Decimal("50.00")


def test_many_line_entry(clerk, bank):
    emp = factories.employer(clerk)
    accounts = [factories.account(clerk, emp, name=f"职工{i}") for i in range(30)]
    lines = [debit(bank.ledger_account, Decimal("30") * Decimal("123.45"))]
    lines += [credit(a.ledger_account, "123.45") for a in accounts]
    entry = post(actor=system_actor(), lines=lines, memo="remittance", business_type="01")
    factories.bank_received(bank, entry)
    assert entry.line_count == 31
    assert {refresh(a.ledger_account).balance for a in accounts} == {Decimal("123.45")}
    report = run_checks()
    assert report["ok"], report
    fund = next(c for c in report["checks"] if c["name"] == "fund_control")
    assert Decimal(fund["right"]) == Decimal("3703.50")
