"""Database-level behaviour: the deferred balance trigger, immutable lines, row locks under concurrency."""

import threading
from decimal import Decimal

import pytest
from django.db import IntegrityError, InternalError, connection, connections, transaction

from core.actors import system_actor
from core.errors import Conflict, InsufficientFunds, StateError
from ledger.models import Account, JournalEntry, JournalLine
from ledger.posting import credit, debit, post, reverse
from ledger.reconciliation import run_checks
from tests import factories


def _raw_entry(cur, memo):
    cur.execute(
        "INSERT INTO ledger_journalentry (business_date, posted_at, business_type, memo, source, lines_hash, "
        "line_count, total) VALUES (CURRENT_DATE, now(), '', %s, '', 'x', 2, 10) RETURNING id", [memo])
    return cur.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_raw_sql_unbalanced_entry_fails_at_commit(clerk):
    acc = factories.account(clerk)
    bank = factories.bank_account()
    with pytest.raises((IntegrityError, InternalError)) as info:
        with transaction.atomic():
            with connection.cursor() as cur:
                eid = _raw_entry(cur, "raw unbalanced")
                cur.execute("INSERT INTO ledger_journalline (entry_id, account_id, side, amount, business_date, memo) "
                            "VALUES (%s, %s, 'D', 10.00, CURRENT_DATE, ''), (%s, %s, 'C', 9.99, CURRENT_DATE, '')",
                            [eid, bank.ledger_account_id, eid, acc.ledger_account_id])
            # still inside the transaction: the check is deferred to commit
    assert "unbalanced" in str(info.value)
    assert not JournalEntry.objects.filter(memo="raw unbalanced").exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("explicit_id", [False, True])
def test_an_unbalanced_line_after_a_check_is_refused_whatever_the_constraint_mode(clerk, explicit_id):
    """Post through the function with the constraints immediate (the entry is checked at once), defer them
    again and add one more line to the same entry: the commit is refused, also when the line is given an id
    below the ones the first check saw."""
    acc = factories.account(clerk)
    bank = factories.bank_account()
    factories.deposit(acc, "50.00", bank=bank)
    entries, lines = JournalEntry.objects.count(), JournalLine.objects.count()
    with pytest.raises((IntegrityError, InternalError)) as info:
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            entry = post(actor=system_actor(), memo="checked at once",
                         lines=[debit(bank.ledger_account_id, "10.00"), credit(acc.ledger_account_id, "10.00")])
            cur.execute("SET CONSTRAINTS ALL DEFERRED")
            if explicit_id:
                cur.execute("INSERT INTO ledger_journalline (id, entry_id, account_id, side, amount, business_date,"
                            " memo) VALUES (0, %s, %s, 'C', 0.01, CURRENT_DATE, '')", [entry.pk, acc.ledger_account_id])
            else:
                cur.execute("INSERT INTO ledger_journalline (entry_id, account_id, side, amount, business_date, memo)"
                            " VALUES (%s, %s, 'C', 0.01, CURRENT_DATE, '')", [entry.pk, acc.ledger_account_id])
    assert "unbalanced by -0.01" in str(info.value)
    assert (JournalEntry.objects.count(), JournalLine.objects.count()) == (entries, lines)
    assert Account.objects.get(pk=acc.ledger_account_id).balance == Decimal("50.00")


@pytest.mark.django_db(transaction=True)
def test_an_unbalanced_line_is_refused_when_the_checks_ran_immediately_before_it(clerk):
    """The deferred checks forced by SET CONSTRAINTS ALL IMMEDIATE, then a line added in immediate mode."""
    acc = factories.account(clerk)
    bank = factories.bank_account()
    with pytest.raises((IntegrityError, InternalError)) as info:
        with transaction.atomic(), connection.cursor() as cur:
            entry = post(actor=system_actor(), memo="checked later",
                         lines=[debit(bank.ledger_account_id, "10.00"), credit(acc.ledger_account_id, "10.00")])
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cur.execute("INSERT INTO ledger_journalline (entry_id, account_id, side, amount, business_date, memo)"
                        " VALUES (%s, %s, 'D', 0.01, CURRENT_DATE, '')", [entry.pk, bank.ledger_account_id])
    assert "unbalanced by 0.01" in str(info.value)
    assert not JournalEntry.objects.filter(memo="checked later").exists()


@pytest.mark.django_db(transaction=True)
def test_raw_sql_balanced_entry_commits_and_lines_are_immutable(clerk):
    acc = factories.account(clerk)
    bank = factories.bank_account()
    with transaction.atomic(), connection.cursor() as cur:
        eid = _raw_entry(cur, "raw balanced")
        cur.execute("INSERT INTO ledger_journalline (entry_id, account_id, side, amount, business_date, memo) "
                    "VALUES (%s, %s, 'D', 10.00, CURRENT_DATE, ''), (%s, %s, 'C', 10.00, CURRENT_DATE, '')",
                    [eid, bank.ledger_account_id, eid, acc.ledger_account_id])
    assert JournalEntry.objects.filter(pk=eid).exists()
    with pytest.raises((IntegrityError, InternalError)), transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE ledger_journalline SET amount = 11 WHERE entry_id = %s", [eid])
    with pytest.raises((IntegrityError, InternalError)), transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM ledger_journalline WHERE entry_id = %s", [eid])
    # Keep the books consistent for the trial-balance check: the raw lines never updated balances.
    with connection.cursor() as cur:
        cur.execute("UPDATE ledger_account SET balance = balance + 10 WHERE id IN (%s, %s)",
                    [bank.ledger_account_id, acc.ledger_account_id])


@pytest.mark.django_db(transaction=True)
def test_eight_threads_posting_to_one_account_lose_no_update(clerk):
    acc = factories.account(clerk)
    bank = factories.bank_account()
    errors = []
    per_thread, amount = 25, Decimal("10.01")

    def worker(n):
        try:
            for i in range(per_thread):
                post(actor=system_actor(),
                     lines=[debit(bank.ledger_account_id, amount), credit(acc.ledger_account_id, amount)],
                     memo="concurrent", idempotency_key=f"t{n}-{i}")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    expected = amount * 8 * per_thread
    assert Account.objects.get(pk=acc.ledger_account_id).balance == expected == Decimal("2002.00")
    assert JournalEntry.objects.filter(memo="concurrent").count() == 200
    # the bank side has no statement lines in this test: only the bank check may differ
    report = run_checks()
    assert all(c["ok"] for c in report["checks"] if c["name"] != "bank")


@pytest.mark.django_db(transaction=True)
def test_concurrent_withdrawals_never_overdraw(clerk):
    acc = factories.account(clerk)
    bank = factories.bank_account()
    factories.deposit(acc, "100.00", bank=bank)
    results = []

    def worker():
        try:
            post(actor=system_actor(),
                 lines=[debit(acc.ledger_account_id, "30.00"), credit(bank.ledger_account_id, "30.00")], memo="out")
            results.append("ok")
        except Exception as exc:
            results.append(type(exc).__name__)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") == 3
    assert results.count("InsufficientFunds") == 5
    assert Account.objects.get(pk=acc.ledger_account_id).balance == Decimal("10.00")


@pytest.mark.django_db(transaction=True)
def test_posting_outside_a_transaction_is_one_atomic_statement(clerk):
    """Outside any transaction a posting is one statement: refused, it writes nothing; retried, it returns
    the first entry without posting twice."""
    acc = factories.account(clerk)
    bank = factories.bank_account()
    assert connection.get_autocommit()
    first = post(lines=[debit(bank.ledger_account_id, "80.00"), credit(acc.ledger_account_id, "80.00")],
                 memo="in", idempotency_key="top-level-1", actor=clerk)
    again = post(lines=[debit(bank.ledger_account_id, "80.00"), credit(acc.ledger_account_id, "80.00")],
                 memo="in", idempotency_key="top-level-1", actor=clerk)
    assert again.pk == first.pk and again.actor_id == clerk.pk
    entries = JournalEntry.objects.count()
    with pytest.raises(InsufficientFunds):
        post(actor=system_actor(),
             lines=[debit(acc.ledger_account_id, "80.01"), credit(bank.ledger_account_id, "80.01")], memo="out")
    assert JournalEntry.objects.count() == entries
    assert Account.objects.get(pk=acc.ledger_account_id).balance == Decimal("80.00")
    assert Account.objects.get(pk=bank.ledger_account_id).balance == Decimal("80.00")


@pytest.mark.django_db(transaction=True)
def test_a_refused_posting_leaves_the_callers_transaction_usable(clerk):
    acc = factories.account(clerk)
    bank = factories.bank_account()
    with transaction.atomic():
        post(actor=system_actor(),
             lines=[debit(bank.ledger_account_id, "50.00"), credit(acc.ledger_account_id, "50.00")], memo="in",
             idempotency_key="caller-in")
        with pytest.raises(InsufficientFunds):
            post(actor=system_actor(),
                 lines=[debit(acc.ledger_account_id, "60.00"), credit(bank.ledger_account_id, "60.00")], memo="out")
        with pytest.raises(Conflict):
            post(actor=system_actor(),
                 lines=[debit(bank.ledger_account_id, "1.00"), credit(acc.ledger_account_id, "1.00")], memo="x",
                 idempotency_key="caller-in")
        # the caller goes on in the same transaction
        post(actor=system_actor(),
             lines=[debit(acc.ledger_account_id, "20.00"), credit(bank.ledger_account_id, "20.00")], memo="out")
    assert Account.objects.get(pk=acc.ledger_account_id).balance == Decimal("30.00")
    assert list(JournalEntry.objects.order_by("id").values_list("memo", flat=True)) == ["in", "out"]


@pytest.mark.django_db(transaction=True)
def test_a_second_reversal_under_another_key_is_refused(clerk):
    acc = factories.account(clerk)
    bank = factories.bank_account()
    factories.deposit(acc, "10.00", bank=bank)
    entry = post(actor=system_actor(),
                 lines=[debit(bank.ledger_account_id, "5.00"), credit(acc.ledger_account_id, "5.00")], memo="in")
    reverse(actor=system_actor(), entry=entry)
    with pytest.raises(StateError) as info:
        post(actor=system_actor(),
             lines=[debit(acc.ledger_account_id, "5.00"), credit(bank.ledger_account_id, "5.00")], memo="again",
             idempotency_key="another-key", reversal_of=entry)
    assert info.value.code == "already_reversed"
    assert Account.objects.get(pk=acc.ledger_account_id).balance == Decimal("10.00")
    assert not JournalEntry.objects.filter(memo="again").exists()
