#!/usr/bin/env python
"""Benchmark of ledger.posting.post on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fund_center python bench/ledger_post.py [--small] [--profile]

DATABASE_URL only names the server: the benchmark runs in its own database (``--database``, default
fc_bench), created and migrated when missing (``--recreate`` starts from an empty one). It prints

(a) single postings per second: sequential calls of ``post`` with two lines, a bank ledger account and
    a personal fund ledger account (cycling over 1,000 accounts; deposits first, then withdrawals that
    go through the available-balance check), each in its own transaction with an idempotency key, after 50
    untimed postings that warm the connection up (compiled function, prepared statements); then
    the same inside a caller's ``transaction.atomic()`` block (how a service that also writes its own
    records posts: BEGIN, a savepoint and COMMIT round trips more);
(b) the time to post one entry of 10,000 lines (1 bank debit + 9,999 credits to different personal
    accounts).

``--profile`` repeats both with every SQL statement and the commit timed, and prints where the time goes.
"""

import argparse
import sys
import time
import uuid
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import bench_database_url, ensure_database, setup_django  # noqa: E402
from core.actors import system_actor  # noqa: E402

TARGET_POSTINGS_PER_S = 500
TARGET_BIG_ENTRY_S = 2.0
CYCLE = 1000
WARM_UP = 50  # postings before the timed ones


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postings", type=int, default=2000, help="single postings to time (default 2000)")
    parser.add_argument("--lines", type=int, default=10_000, help="lines of the big entry (default 10000)")
    parser.add_argument("--small", action="store_true", help="CI size: 200 postings, a 1,000-line entry")
    parser.add_argument("--database", default="fc_bench", help="database to run in (default fc_bench)")
    parser.add_argument("--recreate", action="store_true", help="drop and recreate the database first")
    parser.add_argument("--profile", action="store_true", help="also print where the time goes")
    parser.add_argument("--async-commit", action="store_true",
                        help="diagnostic: SET synchronous_commit = off (commits do not wait for the WAL flush)")
    args = parser.parse_args()
    if args.small:
        args.postings, args.lines = 200, 1000
    return args


def async_commit(sender, connection, **kwargs):
    with connection.cursor() as cur:
        cur.execute("SET synchronous_commit = off")


def prepare(lines):
    """A deposit bank account and at least max(1000, lines - 1) open personal ledger accounts."""
    from bench import synthetic
    from ledger import services
    from ledger.models import Account, BankAccount

    need = max(CYCLE, lines - 1)
    have = Account.objects.filter(role=Account.Role.PERSONAL, status=Account.Status.OPEN).count()
    if have < need:
        started = time.perf_counter()
        depositors = need - have + need // 10  # some end up closed
        synthetic.generate(employers=max(1, depositors // 50), depositors=depositors, months=1, seed=have + 1,
                           actor=system_actor())
        print(f"seeded {depositors} depositors with one month of remittances in {time.perf_counter() - started:.1f} s")
    try:
        bank = services.default_bank_account(BankAccount.Purpose.DEPOSIT)
    except Exception:  # noqa: BLE001 - no bank account yet
        bank = services.create_bank_account(bank="102", number="BENCH0001", name="benchmark",
                                              actor=system_actor())
    personal = list(Account.objects.filter(role=Account.Role.PERSONAL, status=Account.Status.OPEN)
                    .order_by("pk").values_list("pk", flat=True)[:need])
    return bank.ledger_account_id, personal


def single_postings(n, bank, personal, run, in_transaction=False):
    from contextlib import nullcontext

    from django.db import transaction

    from ledger.posting import credit, debit, post

    amount, back = Decimal("100.00"), Decimal("50.00")
    actor = system_actor()  # a caller holds its actor; looking it up is not part of a posting
    started = time.perf_counter()
    for i in range(n):
        acc = personal[i % CYCLE]
        if (i // CYCLE) % 2 == 0:  # a deposit
            lines = [debit(bank, amount), credit(acc, amount)]
        else:  # a withdrawal: checks the available balance under the lock
            lines = [debit(acc, back), credit(bank, back)]
        with transaction.atomic() if in_transaction else nullcontext():
            post(lines=lines, memo="benchmark", idempotency_key=f"bench:{run}:{i}", business_type="01",
                 actor=actor, source="bench")
    return time.perf_counter() - started


def big_entry(lines, bank, personal, run):
    from ledger.posting import credit, debit, post

    one = Decimal("1.00")
    entry_lines = [debit(bank, one * (lines - 1))] + [credit(acc, one) for acc in personal[:lines - 1]]
    started = time.perf_counter()
    entry = post(lines=entry_lines, memo="benchmark: one big entry", idempotency_key=f"bench:{run}:big",
                 actor=system_actor(), business_type="01", source="bench")
    elapsed = time.perf_counter() - started
    assert entry.line_count == lines
    return elapsed


class Profiler:
    """Times every SQL statement (by kind) and every commit of the default connection."""

    KINDS = (("ledger_post_entry", "ledger_post_entry(…): lock, check, write"),
             ("core_businessday", "SELECT business date"),
             ("FOR UPDATE", "SELECT … FOR UPDATE (lock accounts)"),
             ("idempotency_key\" =", "SELECT entry by idempotency key"),
             ("INSERT INTO \"ledger_journalentry\"", "INSERT entry"),
             ("INSERT INTO \"ledger_journalline\"", "INSERT lines"),
             ("UPDATE ledger_account", "UPDATE balances (unnest)"),
             ("SAVEPOINT", "SAVEPOINT / RELEASE"))

    def __init__(self):
        self.seconds = defaultdict(float)
        self.calls = defaultdict(int)
        self.commits = []

    def kind(self, sql):
        for needle, label in self.KINDS:
            if needle in sql:
                return label
        return "other SQL"

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            label = self.kind(sql)
            self.seconds[label] += time.perf_counter() - started
            self.calls[label] += 1

    def run(self, fn, *args):
        from django.db import connection

        connection.ensure_connection()
        original = connection._commit

        def timed_commit():
            started = time.perf_counter()
            try:
                return original()
            finally:
                self.commits.append(time.perf_counter() - started)

        connection._commit = timed_commit
        try:
            with connection.execute_wrapper(self):
                total = fn(*args)
        finally:
            del connection._commit
        return total

    def report(self, total, count, unit):
        commit = sum(self.commits)
        sql = sum(self.seconds.values())
        print(f"    {'where the time goes':<42}{'total s':>9}{'per ' + unit + ' ms':>16}{'calls':>9}")
        rows = sorted(self.seconds.items(), key=lambda kv: -kv[1])
        rows += [("COMMIT (deferred balance + FK checks)", commit), ("Python (posting code, Django ORM)",
                                                                        total - sql - commit)]
        for label, secs in rows:
            calls = self.calls.get(label, len(self.commits) if label.startswith("COMMIT") else "")
            print(f"    {label:<42}{secs:>9.3f}{secs * 1000 / count:>16.3f}{calls!s:>9}")
        if len(self.commits) >= 20:
            tenth = len(self.commits) // 10
            first = sum(self.commits[:tenth]) / tenth * 1000
            last = sum(self.commits[-tenth:]) / tenth * 1000
            print(f"    commit: first 10% {first:.3f} ms each, last 10% {last:.3f} ms each")


def main():
    args = parse_args()
    url, admin_url = bench_database_url(args.database)
    ensure_database(admin_url, args.database, args.recreate)
    setup_django(url)
    bank, personal = prepare(args.lines)
    run = uuid.uuid4().hex[:10]
    from django.db import connection
    from django.db.backends.signals import connection_created

    if args.async_commit:
        connection_created.connect(async_commit)
    print(f"PostgreSQL {connection.cursor().connection.info.server_version}, database {args.database}, run {run}"
          + (", synchronous_commit = off" if args.async_commit else ""))
    connection.close()  # a fresh session (see the note on the balance trigger in the report)

    # Warm-up, not timed: the connection compiles the posting function and prepares its statements.
    single_postings(WARM_UP, bank, personal, run + "w")
    seconds = single_postings(args.postings, bank, personal, run)
    rate = args.postings / seconds
    verdict = "OK" if rate >= TARGET_POSTINGS_PER_S else "MISSED"
    print(f"(a) single postings: {args.postings} in {seconds:.2f} s = {rate:,.0f} postings/s "
          f"({seconds * 1000 / args.postings:.2f} ms each)   target >= {TARGET_POSTINGS_PER_S}/s  {verdict}")
    seconds = single_postings(args.postings, bank, personal, run + "t", in_transaction=True)
    rate = args.postings / seconds
    print(f"    inside a caller's transaction: {rate:,.0f} postings/s ({seconds * 1000 / args.postings:.2f} ms each)")

    seconds = big_entry(args.lines, bank, personal, run)
    verdict = "OK" if seconds <= TARGET_BIG_ENTRY_S else "MISSED"
    print(f"(b) one entry of {args.lines:,} lines: {seconds:.2f} s   target <= {TARGET_BIG_ENTRY_S:g} s  {verdict}")

    if args.profile:
        connection.close()
        profiler = Profiler()
        total = profiler.run(single_postings, args.postings, bank, personal, run + "p")
        print(f"profile (a): {args.postings} postings in {total:.2f} s")
        profiler.report(total, args.postings, "posting")
        profiler = Profiler()
        total = profiler.run(big_entry, args.lines, bank, personal, run + "p")
        print(f"profile (b): one entry of {args.lines:,} lines in {total:.2f} s")
        profiler.report(total, 1, "entry")


if __name__ == "__main__":
    main()
