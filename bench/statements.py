#!/usr/bin/env python
"""Benchmark of the annual statements (documents.services.statements.build_statements) on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/any_db python bench/statements.py --accounts 100000
    python bench/statements.py --small          # CI size: 2,000 accounts

DATABASE_URL only names the server: the benchmark drops and recreates its own database (``--database``, default
fc_bench_statements) and migrates it. It builds the data set of ``bench/interest.py`` set-based (N accounts, a
balance carried over from the previous year, 12 monthly deposits, a withdrawal for 5 %, deposits after the year
end for 10 %, 1 % closed, 2 % sealed), settles the year's interest (not timed), then times on the same database:

(a) a plain-SQL baseline: one ``CREATE TEMP TABLE … AS`` aggregate of the same year's journal lines of the
    personal accounts, per account and business type (net amount and count), i.e. reading the same lines and
    writing one row per account and type;
(b) the statement run for the year: batch run, chunks of ``--chunk-size`` accounts, each chunk one
    ``INSERT … SELECT`` classifying every line (opening, deposits, transfers, withdrawals by reason, interest,
    closing from the ledger balance) and checking the identity of every account; its chunks taken in turn by
    ``--workers`` processes, each with its own connection, as the Celery workers take them in production
    (``--workers 1``: ``build_statements`` in this process).

It prints accounts per second for both and their ratio (target: the statements within 2× of the baseline), then
checks that every identity holds, that Σ (closing − opening) equals the baseline's net total, and that a
second run writes nothing.
"""

import argparse
import datetime
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import bench_database_url, ensure_database, execute, scalar, setup_django  # noqa: E402
from bench.interest import START, YEAR, build, vacuum  # noqa: E402

END = datetime.date(YEAR, 6, 30)
TARGET_RATIO = 2.0

BASELINE_SQL = """
CREATE TEMP TABLE bench_year_aggregate AS
SELECT l.account_id, e.business_type, SUM(CASE WHEN l.side = 'C' THEN l.amount ELSE -l.amount END) AS net,
       COUNT(*) AS lines
FROM ledger_journalline l
JOIN ledger_account a ON a.id = l.account_id AND a.role = 'personal'
JOIN ledger_journalentry e ON e.id = l.entry_id
WHERE l.business_date BETWEEN %s AND %s
GROUP BY l.account_id, e.business_type
"""


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=100_000, help="personal accounts (default 100000)")
    parser.add_argument("--small", action="store_true", help="CI size: 2,000 accounts")
    parser.add_argument("--chunk-size", type=int, default=10_000, help="accounts per chunk (default 10000)")
    parser.add_argument("--database", default="fc_bench_statements", help="database (default fc_bench_statements)")
    parser.add_argument("--workers", type=int, default=2, help="processes running the chunks (default 2)")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the database when it already holds the data set (the year's statements are deleted first)",
    )
    args = parser.parse_args()
    if args.small:
        args.accounts, args.chunk_size = 2_000, 500
    if args.accounts < 1 or args.chunk_size < 1 or args.workers < 1:
        parser.error("--accounts, --chunk-size and --workers must be at least 1")
    return args


def _run_chunk(chunk_id):
    from documents.services import statements

    return statements.run_chunk(chunk_id)


def build_on_workers(year, chunk_size, workers):
    """The statement run of ``year`` with its chunks on ``workers`` processes (each its own database connection,
    taking the chunks in turn like Celery workers), then completed as ``build_statements`` completes it."""
    import multiprocessing

    from django.db import connections

    from core import batch
    from core.actors import system_actor
    from documents.services import statements

    actor = system_actor()
    if workers == 1:
        return statements.build_statements(year=year, chunk_size=chunk_size, actor=actor)
    run, _created = statements.plan_statements(year=year, chunk_size=chunk_size, actor=actor)
    pending = list(batch.pending_chunks(run))
    connections.close_all()  # each process opens its own connection
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        pool.map(_run_chunk, pending, chunksize=1)
    return statements.build_statements(year=year, chunk_size=chunk_size, actor=actor)


def baseline():
    """The plain-SQL aggregate; returns (seconds, rows, net total)."""
    execute("DROP TABLE IF EXISTS bench_year_aggregate")
    t0 = time.perf_counter()
    rows = execute(BASELINE_SQL, [START, END])
    seconds = time.perf_counter() - t0
    total = scalar("SELECT COALESCE(SUM(net), 0) FROM bench_year_aggregate")
    execute("DROP TABLE bench_year_aggregate")
    return seconds, rows, Decimal(total)


def main():
    args = parse_args()
    url, admin_url = bench_database_url(args.database)
    ensure_database(admin_url, args.database, recreate=not args.reuse)
    print(f"database {args.database}: migrate", flush=True)
    setup_django(url)

    from core.actors import system_actor
    from core.models import BatchRun, BusinessDay
    from deposits.services import interest
    from documents.models import AnnualStatement
    from documents.services import statements

    held = scalar("SELECT COUNT(*) FROM accounts_fundaccount")
    if held and not (held == args.accounts and statements.settled(YEAR)):
        sys.exit(f"database {args.database} holds another data set ({held:,} accounts): run without --reuse")
    if held:
        print(f"reuse the {held:,} accounts of {args.database}; the year's statements deleted", flush=True)
        execute("DELETE FROM documents_annualstatement WHERE year = %s", [YEAR])  # no documents issued here
        BatchRun.objects.filter(key=statements.run_key(YEAR)).delete()
    else:
        print(f"build {args.accounts:,} accounts with a year of movements (set-based SQL)", flush=True)
        t0 = time.perf_counter()
        build(args.accounts)
        BusinessDay.objects.update_or_create(pk=1, defaults={"current": datetime.date(YEAR, 7, 31)})
        settled = interest.settle_interest(year=YEAR, chunk_size=args.chunk_size, actor=system_actor())
        print(
            f"  built and interest settled ({settled.accounts:,} accounts credited) in "
            f"{time.perf_counter() - t0:.1f} s",
            flush=True,
        )
    vacuum()
    execute("VACUUM ANALYZE documents_annualstatement")
    scalar("SELECT SUM(amount) FROM ledger_journalline")  # warm the cache for both runs alike
    accounts = statements.accounts_of_year(YEAR).count()

    print("baseline: plain-SQL aggregate of the year's journal lines per account and business type", flush=True)
    runs = [baseline() for _ in range(2)]  # the faster of two
    base_s, base_rows, base_total = min(runs)
    print(f"  {base_s:.2f} s, {base_rows:,} rows, net {base_total}", flush=True)

    print(f"statement run (year={YEAR}, chunk_size={args.chunk_size:,}, workers={args.workers})", flush=True)
    t0 = time.perf_counter()
    run = build_on_workers(YEAR, args.chunk_size, args.workers)
    build_s = time.perf_counter() - t0
    print(
        f"  {build_s:.2f} s, {run.result.get('statements', 0):,} statements, "
        f"{run.result.get('identity_failures', 0)} identity failures",
        flush=True,
    )

    t0 = time.perf_counter()
    again = statements.build_statements(year=YEAR, chunk_size=args.chunk_size, actor=system_actor())
    rerun_s = time.perf_counter() - t0
    movements = scalar(
        "SELECT COALESCE(SUM(closing - opening), 0) FROM documents_annualstatement WHERE year = %s", [YEAR]
    )
    written = AnnualStatement.objects.filter(year=YEAR).count()

    ratio = build_s / base_s
    print()
    print(f"accounts of the year          {accounts:>12,}")
    print(f"baseline (plain SQL)          {accounts / base_s:>12,.0f} accounts/s  ({base_s:.2f} s)")
    print(f"statement run, {args.workers} worker(s)    {accounts / build_s:>12,.0f} accounts/s  ({build_s:.2f} s)")
    print(
        f"ratio statements / baseline   {ratio:>12.2f}  (target <= {TARGET_RATIO:.0f}: "
        f"{'met' if ratio <= TARGET_RATIO else 'NOT met'})"
    )
    same = Decimal(movements) == base_total
    print(f"same movements as baseline    {'yes' if same else 'NO'} ({movements} vs {base_total})")
    complete = run.status == BatchRun.Status.DONE and written == accounts and run.failed_items == 0
    print(f"every identity holds          {'yes' if complete else 'NO'}")
    print(
        f"second run                    {'wrote nothing' if again.pk == run.pk and written == accounts else 'WROTE'}"
        f", {rerun_s:.2f} s"
    )
    sys.exit(0 if same and complete else 1)


if __name__ == "__main__":
    main()
