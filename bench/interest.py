#!/usr/bin/env python
"""Benchmark of the year-end interest settlement (deposits.services.interest.settle_interest) on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/any_db python bench/interest.py --accounts 1000000
    python bench/interest.py --small          # CI size: 2,000 accounts

DATABASE_URL only names the server (default postgres://postgres@127.0.0.1:5432): the benchmark drops and
recreates its own database (``--database``, default fc_bench_interest) and migrates it. It then builds, with
set-based SQL only (INSERT … SELECT over generate_series), N personal fund accounts with a year of
movements: a balance carried over from the previous year, 12 monthly deposits on a day of the month that
depends on the account, a withdrawal for 5 % of the accounts, deposits after the year end for 10 %; 1 % of
the accounts are closed and 2 % sealed. Every entry is balanced against a bank ledger account and matched by
a bank statement line, so the books reconcile.

It times, on the same database:

(a) a plain-SQL baseline doing the same work in one transaction: one INSERT … SELECT of the interest lines
    (the same interest expression, over all accounts at once), the 501 debit line, one UPDATE of the
    balances from the entry's grouped lines, then SET CONSTRAINTS ALL IMMEDIATE so that the deferred
    balance trigger and foreign keys check the entry too; then it rolls back (and VACUUMs the dead rows
    away). It runs with three planner settings (defaults; JIT off; JIT off and random_page_cost 1.1, the
    settings post_set uses) and the fastest counts;
(b) ``settle_interest`` for the year: batch run, chunks of ``--chunk-size`` accounts, each chunk one entry
    through ``ledger.posting.post_set`` (locks, state checks, idempotency, trigger check at each commit);

and prints accounts per second for both and their ratio (target: the settlement within 2× of the
baseline). Then it checks that both computed the same total, that a second run posts nothing, and runs the
three-ledger reconciliation (``--no-check`` skips it).
"""

import argparse
import datetime
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import execute, fresh_database, next_id, scalar, sync_sequence  # noqa: E402
from core.actors import system_actor  # noqa: E402

YEAR = 2026
START, SETTLE = datetime.date(YEAR - 1, 7, 1), datetime.date(YEAR, 6, 30)
TARGET_RATIO = 2.0


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=100_000, help="personal accounts (default 100000)")
    parser.add_argument("--small", action="store_true", help="CI size: 2,000 accounts")
    parser.add_argument("--chunk-size", type=int, default=10_000, help="accounts per chunk (default 10000)")
    parser.add_argument("--database", default="fc_bench_interest", help="database (default fc_bench_interest)")
    parser.add_argument("--no-check", action="store_true", help="skip the reconciliation at the end")
    args = parser.parse_args()
    if args.small:
        args.accounts, args.chunk_size = 2_000, 500
    return args


class Clock:
    def __init__(self):
        self.t = time.perf_counter()

    def lap(self, what):
        now = time.perf_counter()
        print(f"  {what}: {now - self.t:.1f} s", flush=True)
        self.t = now


def build(n):
    """N accounts and their movements, set-based; returns the bank ledger account id."""
    from django.db import transaction

    from ledger import chart
    from ledger import services as ledger_services
    from ledger.models import Account

    clock = Clock()
    with transaction.atomic():
        bank = ledger_services.create_bank_account(bank="102", number="110000000099", name="基准测试归集户",
                                                    actor=system_actor())
        fund_id = Account.objects.get(code=chart.HOUSING_FUND).pk
        dep, led, acc = next_id("accounts_depositor"), next_id("ledger_account"), next_id("accounts_fundaccount")
        execute(
            "INSERT INTO accounts_depositor (id, name, id_type, id_number, gender, birth_date, phone, marital_status,"
            " local_hukou, children, created_at) "
            "SELECT %s + g, '职工' || g, '01', 'B' || lpad(g::text, 17, '0'),"
            " CASE WHEN g %% 2 = 0 THEN 'M' ELSE 'F' END, DATE '1970-01-01' + (g %% 12000), '', '10', true, 0, now() "
            "FROM generate_series(0, %s - 1) g", [dep, n])
        # account g: closed when g % 100 = 99 (no movements), sealed when g % 50 = 1
        execute(
            "INSERT INTO ledger_account (id, code, name, kind, role, parent_id, status, allow_negative, balance, held,"
            " opened_on, closed_on) "
            "SELECT %s + g, '201-P-B' || lpad(g::text, 10, '0'), '职工' || g, 'liability', 'personal', %s,"
            " CASE WHEN g %% 100 = 99 THEN 'closed' ELSE 'open' END, false, 0, 0, DATE '2024-07-01',"
            " CASE WHEN g %% 100 = 99 THEN DATE '2025-01-01' END FROM generate_series(0, %s - 1) g", [led, fund_id, n])
        execute(
            "INSERT INTO accounts_fundaccount (id, number, depositor_id, employer_id, kind, status, base,"
            " employer_ratio, employee_ratio, opened_on, sealed_on, seal_reason, closed_on, close_reason,"
            " ledger_account_id) "
            "SELECT %s + g, 'B' || lpad(g::text, 12, '0'), %s + g, NULL, 'employee',"
            " CASE WHEN g %% 100 = 99 THEN '05' WHEN g %% 50 = 1 THEN '02' ELSE '01' END, 10000, 0.12, 0.12,"
            " DATE '2024-07-01', CASE WHEN g %% 50 = 1 THEN DATE '2025-10-01' END,"
            " CASE WHEN g %% 50 = 1 THEN '离职' ELSE '' END, CASE WHEN g %% 100 = 99 THEN DATE '2025-01-01' END,"
            " CASE WHEN g %% 100 = 99 THEN '离职提取' ELSE '' END, %s + g FROM generate_series(0, %s - 1) g",
            [acc, dep, led, n])
        for table in ("accounts_depositor", "ledger_account", "accounts_fundaccount"):
            sync_sequence(table)
    clock.lap(f"{n:,} depositors, ledger accounts and fund accounts")

    # (business type, date expression of g, side on the personal account, amount expression, which accounts)
    opening = "1000 + (g::bigint * 7919 %% 9000000) / 100.0"
    batches = [("01", "DATE '2025-06-30'", "C", opening, "true", "carried over")]
    for month in range(12):
        y, m = (2025, 7 + month) if month < 6 else (2026, month - 5)
        batches.append(("01", f"make_date({y}, {m}, 1 + g %% 28)", "C",
                        f"300 + ((g::bigint + {month}) * 104729 %% 300000) / 100.0", "true", f"deposits {y}-{m:02d}"))
    batches.append(("12", "make_date(2026, 3, 1 + g %% 28)", "D", f"round(({opening}) / 2, 2)", "g %% 20 = 7",
                    "withdrawals 2026-03"))
    batches.append(("01", "make_date(2026, 7, 1 + g %% 28)", "C", "500.00", "g %% 10 = 3", "deposits 2026-07"))
    for btype, date_sql, side, amount_sql, which, label in batches:
        with transaction.atomic():
            first_entry = next_id("ledger_journalentry")
            rows = execute(
                "INSERT INTO ledger_journalline (entry_id, account_id, side, amount, business_date, memo) "
                f"SELECT %s + g %% 28, %s + g, %s, {amount_sql}, {date_sql}, '' FROM generate_series(0, %s - 1) g "
                f"WHERE g %% 100 <> 99 AND {which} ORDER BY g %% 28, g",  # each entry's lines together
                [first_entry, led, side, n])
            bank_side = "D" if side == "C" else "C"
            execute(
                "INSERT INTO ledger_journalline (entry_id, account_id, side, amount, business_date, memo) "
                "SELECT entry_id, %s, %s, SUM(amount), MIN(business_date), '' FROM ledger_journalline "
                "WHERE entry_id >= %s GROUP BY entry_id", [bank.ledger_account_id, bank_side, first_entry])
            execute(
                "INSERT INTO ledger_journalentry (id, business_date, posted_at, business_type, memo, source,"
                " lines_hash, line_count, total) "
                "SELECT entry_id, MIN(business_date), now(), %s, %s, 'bench', 'bench', COUNT(*),"
                " SUM(amount) FILTER (WHERE account_id = %s) FROM ledger_journalline WHERE entry_id >= %s "
                "GROUP BY entry_id", [btype, f"bench {label}", bank.ledger_account_id, first_entry])
            execute(
                "INSERT INTO ledger_bankstatementline (bank_account_id, bank_reference, value_date, direction, amount,"
                " counterparty_name, counterparty_account, remark, match_status, entry_id, imported_at) "
                "SELECT %s, 'BENCH' || id, business_date, %s, total, '', '', '', 'booked', id, now() "
                "FROM ledger_journalentry WHERE id >= %s", [bank.pk, side, first_entry])
            sync_sequence("ledger_journalentry")
        clock.lap(f"{label}: {rows:,} lines")
    with transaction.atomic():
        execute(
            "UPDATE ledger_account AS a SET balance = s.total FROM ("
            " SELECT l.account_id, SUM(CASE WHEN (l.side = 'D') = acc.debit_normal"
            "  THEN l.amount ELSE -l.amount END) AS total"
            " FROM ledger_journalline l JOIN ledger_account acc ON acc.id = l.account_id GROUP BY l.account_id) AS s "
            "WHERE a.id = s.account_id")
    clock.lap("cached balances")
    vacuum()
    clock.lap("VACUUM ANALYZE")
    return bank.ledger_account_id


def vacuum():
    from django.db import connection

    with connection.cursor() as cur:
        for table in ("ledger_account", "ledger_journalline", "ledger_journalentry", "accounts_fundaccount",
                      "ledger_bankstatementline"):
            cur.execute(f"VACUUM ANALYZE {table}")


BASELINE_SETTINGS = (("planner defaults", {}), ("JIT off", {"jit": "off"}),
                     ("JIT off, random_page_cost 1.1", {"jit": "off", "random_page_cost": "1.1"}))


def baseline(settings):
    """Plain SQL, one transaction, rolled back: returns (seconds, accounts credited, total)."""
    from django.db import connection, transaction

    from deposits.services import interest
    from ledger import chart

    terms = interest.interest_terms(START, SETTLE + datetime.timedelta(days=1))
    lo, hi = scalar("SELECT MIN(id) FROM accounts_fundaccount"), scalar("SELECT MAX(id) FROM accounts_fundaccount")
    select_sql, params = interest.amounts_sql(terms, interest.CHUNK_ACCOUNTS_SQL, [lo, hi], unsettled_only=True)
    expense = scalar("SELECT id FROM ledger_account WHERE code = %s", [chart.FUND_INTEREST_EXPENSE])
    t0 = time.perf_counter()
    try:
        with transaction.atomic(), connection.cursor() as cur:
            for name, value in settings.items():
                cur.execute("SELECT set_config(%s, %s, true)", [name, value])
            cur.execute("INSERT INTO ledger_journalentry (business_date, posted_at, business_type, memo, source,"
                        " lines_hash, line_count, total) VALUES (%s, now(), '09', 'baseline', '', '', 0, 0) "
                        "RETURNING id", [SETTLE])
            entry = cur.fetchone()[0]
            cur.execute("INSERT INTO ledger_journalline (entry_id, account_id, side, amount, business_date, memo) "
                        f"SELECT %s, account_id, 'C', amount, %s, '' FROM ({select_sql}) AS s",
                        [entry, SETTLE, *params])
            cur.execute("INSERT INTO ledger_journalline (entry_id, account_id, side, amount, business_date, memo) "
                        "SELECT %s, %s, 'D', SUM(amount), %s, '' FROM ledger_journalline WHERE entry_id = %s "
                        "RETURNING amount", [entry, expense, SETTLE, entry])
            total = cur.fetchone()[0]
            cur.execute(  # the balances of the credited accounts and of 501, from the entry's grouped lines
                "UPDATE ledger_account AS a"
                " SET balance = a.balance + CASE WHEN a.debit_normal THEN g.net ELSE -g.net END"
                " FROM (SELECT account_id, SUM(CASE WHEN side = 'D' THEN amount ELSE -amount END) AS net"
                "  FROM ledger_journalline WHERE entry_id = %s GROUP BY account_id) AS g "
                "WHERE a.id = g.account_id", [entry])
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the deferred balance trigger and foreign keys
            seconds = time.perf_counter() - t0
            credited = scalar("SELECT COUNT(*) - 1 FROM ledger_journalline WHERE entry_id = %s", [entry])
            raise _Rollback
    except _Rollback:
        pass
    return seconds, credited, total


class _Rollback(Exception):
    pass


def main():
    args = parse_args()
    fresh_database(args.database)

    from core.models import BusinessDay
    from deposits.services import interest
    from ledger import chart
    from ledger.models import Account
    from ledger.reconciliation import format_report, run_checks

    print(f"build {args.accounts:,} accounts with a year of movements (set-based SQL)", flush=True)
    t0 = time.perf_counter()
    build(args.accounts)
    print(f"  built in {time.perf_counter() - t0:.1f} s", flush=True)
    BusinessDay.objects.update_or_create(pk=1, defaults={"current": datetime.date(YEAR, 7, 31)})
    scalar("SELECT SUM(amount) FROM ledger_journalline")  # warm the cache for both runs alike
    accounts = scalar("SELECT COUNT(*) FROM accounts_fundaccount WHERE status NOT IN ('03', '04', '05')")

    print("baseline: plain SQL, one transaction (rolled back); the fastest of these planner settings", flush=True)
    execute("SET jit_above_cost = 0")  # load the JIT compiler now, not during the first timed statement
    scalar("SELECT SUM(g) FROM generate_series(1, 10) g")
    execute("RESET jit_above_cost")
    runs = []
    for label, settings in BASELINE_SETTINGS:
        runs.append(baseline(settings))
        vacuum()
        print(f"  {label}: {runs[-1][0]:.2f} s, {runs[-1][1]:,} accounts credited, total {runs[-1][2]}", flush=True)
    base_s, base_credited, base_total = min(runs)

    print(f"settle_interest(year={YEAR}, chunk_size={args.chunk_size:,})", flush=True)
    t0 = time.perf_counter()
    result = interest.settle_interest(year=YEAR, chunk_size=args.chunk_size, actor=system_actor())
    settle_s = time.perf_counter() - t0
    print(f"  {settle_s:.2f} s, {result.accounts:,} accounts credited in {result.entries} entries, total "
          f"{result.total}", flush=True)

    t0 = time.perf_counter()
    again = interest.settle_interest(year=YEAR, chunk_size=args.chunk_size, actor=system_actor())
    rerun_s = time.perf_counter() - t0

    ratio = settle_s / base_s
    print()
    print(f"accounts (non-closed)         {accounts:>12,}")
    print(f"baseline (plain SQL)          {accounts / base_s:>12,.0f} accounts/s  ({base_s:.2f} s)")
    print(f"settle_interest               {accounts / settle_s:>12,.0f} accounts/s  ({settle_s:.2f} s)")
    print(f"ratio settle / baseline       {ratio:>12.2f}  (target <= {TARGET_RATIO:.0f}: "
          f"{'met' if ratio <= TARGET_RATIO else 'NOT met'})")
    same = (Decimal(base_total), base_credited) == (result.total, result.accounts)
    print(f"same interest as the baseline {'yes' if same else 'NO'}")
    print(f"second run                    {'already settled' if again.already_settled else 'POSTED AGAIN'}, "
          f"{rerun_s:.2f} s")
    expense = Account.objects.get(code=chart.FUND_INTEREST_EXPENSE).balance
    print(f"501 interest expense          {expense}")
    ok = same and again.already_settled and expense == result.total
    if not args.no_check:
        t0 = time.perf_counter()
        report = run_checks()
        print(f"reconciliation ({time.perf_counter() - t0:.1f} s): {'ALL AGREE' if report['ok'] else 'DIFFERENCES'}")
        if not report["ok"]:
            print(format_report(report))
        ok &= report["ok"]
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
