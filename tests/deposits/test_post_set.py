"""ledger.posting.post_set: one balanced entry from a set of (account, amount) rows."""

from decimal import Decimal

import pytest
from django.db import transaction

from core.actors import system_actor
from core.errors import ApplicationError, Conflict, InsufficientFunds, InvalidInput, StateError
from ledger import chart
from ledger import services as ledger_services
from ledger.models import Account, JournalEntry, JournalLine
from ledger.posting import Line, credit, debit, lines_hash, post, post_set
from ledger.reconciliation import run_checks
from tests import factories

D = Decimal


@pytest.fixture
def three(clerk):
    emp = factories.employer(clerk)
    return [factories.account(clerk, emp, name=n) for n in ("甲", "乙", "丙")]


def _expense():
    return Account.objects.get(code=chart.FUND_INTEREST_EXPENSE)


def _select(ids):
    """(account id, amount) rows 10.50, 20.50, 30.50, ... from a VALUES list."""
    values = ", ".join(["(%s, %s)"] * len(ids)) or "(0, 0)"
    params = [v for i, acc in enumerate(ids) for v in (acc, D(f"{10 * (i + 1)}.50"))]
    return f"SELECT CAST(a AS BIGINT), CAST(m AS NUMERIC) FROM (VALUES {values}) AS t(a, m)", params


def _post(ids, key="set:1", **kw):
    sql, params = _select(ids)
    args = dict(actor=system_actor(), memo="set posting", business_type="09", idempotency_key=key, business_date=None,
                counter_account_id=_expense().pk, counter_side="D", select_sql=sql, params=params, line_memo="x")
    args.update(kw)
    return post_set(**args)


def _balances(accounts):
    return [Account.objects.get(pk=a.ledger_account_id).balance for a in accounts]


def test_posts_one_balanced_entry_from_a_select(three):
    ids = [a.ledger_account_id for a in three]
    entry = _post(ids)
    assert entry.line_count == 4 and entry.total == D("61.50") and entry.business_type == "09"
    lines = list(entry.lines.order_by("account_id"))
    assert {(ln.account_id, ln.side, ln.amount) for ln in lines} == {
        (ids[0], "C", D("10.50")), (ids[1], "C", D("20.50")), (ids[2], "C", D("30.50")),
        (_expense().pk, "D", D("61.50"))}
    assert entry.lines_hash == lines_hash([Line(ln.account_id, ln.side, ln.amount) for ln in lines])
    assert _balances(three) == [D("10.50"), D("20.50"), D("30.50")]
    assert _expense().balance == D("61.50")
    assert run_checks()["ok"]


def test_idempotent_retry_posts_nothing(three):
    ids = [a.ledger_account_id for a in three]
    first = _post(ids)
    lines_before = JournalLine.objects.count()
    again = _post(ids)
    assert again.pk == first.pk
    assert JournalLine.objects.count() == lines_before
    assert _balances(three) == [D("10.50"), D("20.50"), D("30.50")]
    with pytest.raises(Conflict):
        _post(ids[:2])  # same key, other lines


def test_a_closed_account_refuses_the_whole_entry(three, clerk):
    closed = factories.account(clerk, name="丁")
    ledger_services.close_account(actor=system_actor(), account=closed.ledger_account)
    ids = [a.ledger_account_id for a in three] + [closed.ledger_account_id]
    entries, lines = JournalEntry.objects.count(), JournalLine.objects.count()
    with pytest.raises(StateError) as info:
        _post(ids)
    assert info.value.code == "account_closed"
    assert (JournalEntry.objects.count(), JournalLine.objects.count()) == (entries, lines)
    assert _balances(three) == [0, 0, 0] and _expense().balance == 0
    assert not JournalEntry.objects.filter(idempotency_key="set:1").exists()


def test_empty_set_posts_nothing(three):
    assert _post([], select_sql="SELECT id, 1 FROM ledger_account WHERE id < 0", params=[]) is None
    assert not JournalEntry.objects.filter(idempotency_key="set:1").exists()


def test_rows_and_debits_with_balance_check(three):
    ids = [a.ledger_account_id for a in three]
    _post(ids)
    entry = post_set(actor=system_actor(),
                     memo="reverse part", business_type="09", idempotency_key="set:2", business_date=None,
                     counter_account_id=_expense().pk, counter_side="C", rows=[(ids[0], D("10.00"))])
    assert entry.total == D("10.00") and _balances(three)[0] == D("0.50")
    with pytest.raises(InsufficientFunds):
        post_set(actor=system_actor(), memo="too much", business_type="09", idempotency_key="set:3", business_date=None,
                 counter_account_id=_expense().pk, counter_side="C", rows=[(ids[1], D("20.51"))])
    with pytest.raises(InvalidInput):
        post_set(actor=system_actor(), memo="bad", business_type="09", idempotency_key="set:4", business_date=None,
                 counter_account_id=_expense().pk, counter_side="D", rows=[(ids[1], D("1.001"))])
    with pytest.raises(InvalidInput):
        post_set(actor=system_actor(), memo="bad", business_type="09", idempotency_key="set:5", business_date=None,
                 counter_account_id=_expense().pk, counter_side="D", rows=[(ids[1], D("-1.00"))])
    assert run_checks()["ok"]


def test_lines_outside_the_locked_set_are_refused(three):
    ids = [a.ledger_account_id for a in three]
    with pytest.raises(InvalidInput) as info:
        _post(ids, lock_sql="SELECT id FROM ledger_account WHERE id = %s", lock_params=[ids[0]])
    assert info.value.code == "unlocked_account"
    entry = _post(ids, lock_sql="SELECT id FROM ledger_account WHERE id BETWEEN %s AND %s",
                  lock_params=[min(ids), max(ids)])
    assert entry.line_count == 4


def _single(account_id, amount, key, **kw):
    return post(actor=system_actor(), lines=[debit(account_id, amount), credit(_expense().pk, amount)], memo="single",
                idempotency_key=key, **kw)


def _batch(account_id, amount, key, **kw):
    return post_set(actor=system_actor(), memo="batch", business_type="09", idempotency_key=key, business_date=None,
                    counter_account_id=_expense().pk, counter_side="C", rows=[(account_id, amount)], **kw)


def _refusal(call):
    with pytest.raises(ApplicationError) as info:
        call()
    return type(info.value), info.value.code, str(info.value.message), info.value.fields


def test_a_batch_is_refused_exactly_like_a_single_posting(three, clerk):
    """One function checks both: available = balance − active holds, check_available, closed and control."""
    ids = [a.ledger_account_id for a in three]
    _post(ids)  # balances 10.50, 20.50, 30.50
    ledger_services.place_hold(actor=system_actor(), account=Account.objects.get(pk=ids[0]), amount=D("5.00"),
                               kind="judicial",
                               reference="court 1")
    entries = JournalEntry.objects.count()
    # 6.00 of 10.50 with 5.00 held: only 5.50 is available
    single, batch = _refusal(lambda: _single(ids[0], D("6.00"), "s:1")), _refusal(lambda: _batch(ids[0], D("6.00"),
                                                                                               "b:1"))
    assert single == batch
    assert single[0] is InsufficientFunds and "5.50" in single[2] and "6.00" in single[2]
    # more than the balance itself: refused even without the available-balance check
    assert _refusal(lambda: _single(ids[0], D("10.51"), "s:2", check_available=False)) == _refusal(
        lambda: _batch(ids[0], D("10.51"), "b:2", check_available=False))
    fund = Account.objects.get(code=chart.HOUSING_FUND)  # a control account takes no direct postings
    assert _refusal(lambda: _single(fund.pk, D("1.00"), "s:3")) == _refusal(lambda: _batch(fund.pk, D("1.00"), "b:3"))
    assert _refusal(lambda: _single(fund.pk, D("1.00"), "s:3"))[1] == "control_account"
    assert JournalEntry.objects.count() == entries
    assert _balances(three) == [D("10.50"), D("20.50"), D("30.50")]
    # without the available-balance check (a court deduction against its own freeze) both may use held money
    _single(ids[0], D("6.00"), "s:4", check_available=False)
    _batch(ids[1], D("20.00"), "b:4", check_available=False)
    ledger_services.place_hold(actor=system_actor(), account=Account.objects.get(pk=ids[2]), amount=D("30.00"),
                               kind="judicial",
                               reference="court 2")
    _batch(ids[2], D("30.50"), "b:5", check_available=False)
    assert _balances(three) == [D("4.50"), D("0.50"), D("0.00")]


@pytest.mark.django_db(transaction=True)
def test_commits_through_the_deferred_balance_trigger(clerk):
    emp = factories.employer(clerk)
    accounts = [factories.account(clerk, emp, name=n) for n in ("甲", "乙")]
    ids = [a.ledger_account_id for a in accounts]
    with transaction.atomic():
        entry = _post(ids, key="set:commit")
    assert JournalEntry.objects.filter(pk=entry.pk).exists()
    with transaction.atomic():
        assert _post(ids, key="set:commit").pk == entry.pk  # a retry after the commit posts nothing
    assert JournalLine.objects.filter(entry=entry).count() == 3
    assert run_checks()["ok"]
