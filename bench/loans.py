#!/usr/bin/env python
"""Benchmark of generating and storing loan repayment schedules (loans.services.store_schedules) on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/any_db python bench/loans.py --loans 100000
    python bench/loans.py --small          # CI size: 2,000 loans

DATABASE_URL only names the server (default: the embedded one, as in the other benchmarks): the benchmark
drops and recreates its own database (``--database``, default fc_bench_loans) and migrates it. It then builds,
with set-based SQL only (INSERT … SELECT over generate_series), N borrowers with their fund accounts, N
approved loan applications and N signed contracts awaiting disbursement: terms of 5 to 30 years (mean
17.5), principals of 100,000 to 999,000 yuan, one loan in three repaid in equal principal, the others in
equal installments, first due dates on every day of the month.

It times ``store_schedules`` over all contracts, ``--chunk-size`` contracts per transaction (each schedule
computed by loans.calculations.schedule_fen and stored as its plan — one row with the principal and interest of
every installment — and the installments due within the horizon, ``loans.schedule_horizon_months``, as rows,
both written with COPY), on ``--workers`` processes at once
(processes, each its own transactions on disjoint id ranges; default 2, one per core), and prints loans, installments,
seconds, installments per second and whether the target (100,000 loans in 30 s, scaled to N) is met. It then
times the Python side alone (the arithmetic, and the arithmetic plus the COPY text, nothing sent) so the split
between Python and PostgreSQL's ingest is visible, and extrapolates to 100,000 loans. Then it checks that the
stored principal equals the contracts' principal and runs the three-ledger reconciliation (``--no-check``
skips it). Finally it runs the monthly repayment-run benchmark (bench/loan_repayment_run.py: N installments
due, debit orders out, the bank's result in, postings, reconcile) at the same size in its own process and
database (``--schedules-only`` skips it).
"""

import argparse
import datetime
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import execute, fresh_database, next_id, scalar, sync_sequence  # noqa: E402

TARGET_SECONDS_PER_100K = 30.0


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--loans", type=int, default=100_000, help="loans (default 100000)")
    parser.add_argument("--small", action="store_true", help="CI size: 2,000 loans")
    parser.add_argument("--chunk-size", type=int, default=5_000, help="contracts per transaction (default 5000)")
    parser.add_argument("--workers", type=int, default=2, help="connections storing at once (default 2)")
    parser.add_argument("--database", default="fc_bench_loans", help="database (default fc_bench_loans)")
    parser.add_argument("--no-check", action="store_true", help="skip the reconciliation at the end")
    parser.add_argument(
        "--schedules-only", action="store_true", help="skip the monthly repayment run (bench/loan_repayment_run.py)"
    )
    args = parser.parse_args()
    if args.small:
        args.loans, args.chunk_size = 2_000, 500
    if args.loans < 1 or args.chunk_size < 1 or args.workers < 1:
        parser.error("--loans, --chunk-size and --workers must be at least 1")
    return args


def build(n):
    """N borrowers, fund accounts, approved applications and signed contracts, set-based."""
    from django.db import transaction

    from core.actors import system_actor
    from ledger import chart
    from ledger.models import Account

    with transaction.atomic():
        fund_id = Account.objects.get(code=chart.HOUSING_FUND).pk
        creator = system_actor().pk
        dep, led, acc = next_id("accounts_depositor"), next_id("ledger_account"), next_id("accounts_fundaccount")
        app, con = next_id("loans_loanapplication"), next_id("loans_loancontract")
        execute(
            "INSERT INTO accounts_depositor (id, name, id_type, id_number, gender, birth_date, phone, marital_status,"
            " local_hukou, children, created_at) "
            "SELECT %s + g, '借款人' || g, '01', 'L' || lpad(g::text, 17, '0'),"
            " CASE WHEN g %% 2 = 0 THEN 'M' ELSE 'F' END, DATE '1980-01-01' + (g %% 5000), '', '10', true, 0, now() "
            "FROM generate_series(0, %s - 1) g",
            [dep, n],
        )
        execute(
            "INSERT INTO ledger_account (id, code, name, kind, role, parent_id, status, allow_negative, balance, held,"
            " opened_on) "
            "SELECT %s + g, '201-P-L' || lpad(g::text, 10, '0'), '借款人' || g, 'liability', 'personal', %s,"
            " 'open', false, 0, 0, DATE '2020-01-01' FROM generate_series(0, %s - 1) g",
            [led, fund_id, n],
        )
        execute(
            "INSERT INTO accounts_fundaccount (id, number, depositor_id, employer_id, kind, status, base,"
            " employer_ratio, employee_ratio, opened_on, seal_reason, close_reason, ledger_account_id) "
            "SELECT %s + g, 'L' || lpad(g::text, 12, '0'), %s + g, NULL, 'employee', '01', 10000, 0.12, 0.12,"
            " DATE '2020-01-01', '', '', %s + g FROM generate_series(0, %s - 1) g",
            [acc, dep, led, n],
        )
        # loan g: term 60..360 months, principal 100,000..999,000, equal principal when g % 3 = 2
        terms = "(60 + (g %% 26) * 12)"
        execute(
            "INSERT INTO loans_loanapplication (id, number, borrower_id, account_id, female_category, channel, state,"
            " application_date, purpose, property_address, property_kind, property_price, property_area,"
            " green_building, ownership_share, homes_owned, owned_home_loan_unpaid, children, monthly_income,"
            " other_monthly_debt, requested_amount, annual_rate, term_months, method, limit_binding, assessment,"
            " accepted_on, decided_on, fast_lane, created_by_id, created_at, updated_at) "
            "SELECT %s + g, 'SQ' || lpad(g::text, 12, '0'), %s + g, %s + g, '', 'counter', 'approved',"
            " DATE '2026-09-01', 'purchase', '示范市人民路' || g || '号', 'new', 2000000, 90, false, 1, 0, false, 0,"
            " 20000, 0, 100000 + (g::bigint * 7919 %% 900) * 1000,"
            f" CASE WHEN {terms} <= 60 THEN 0.0235 ELSE 0.0285 END, {terms},"
            " CASE WHEN g %% 3 = 2 THEN 'equal_principal' ELSE 'equal_installment' END, '', '{}',"
            " DATE '2026-09-01', DATE '2026-09-20', false, %s, now(), now() FROM generate_series(0, %s - 1) g",
            [app, dep, acc, creator, n],
        )
        execute(
            "INSERT INTO loans_loancontract (id, number, application_id, borrower_id, status, principal, annual_rate,"
            " term_months, method, signed_on, first_due_date, collateral_title_number, payee_kind, payee_name,"
            " payee_account, payee_bank, mortgage_release_number, created_at, updated_at) "
            "SELECT %s + a.id - %s, 'HT' || lpad((a.id - %s)::text, 12, '0'), a.id, a.borrower_id,"
            " 'awaiting_disbursement', a.requested_amount, a.annual_rate, a.term_months, a.method,"
            " DATE '2026-10-01' + ((a.id - %s) %% 31)::int,"
            " (DATE '2026-10-01' + ((a.id - %s) %% 31)::int + interval '1 month')::date,"
            " '示范不动产权第' || a.id || '号', '', '', '', '', '', now(), now() "
            "FROM loans_loanapplication a WHERE a.id >= %s",
            [con, app, app, app, app, app],
        )
        for table in (
            "accounts_depositor",
            "ledger_account",
            "accounts_fundaccount",
            "loans_loanapplication",
            "loans_loancontract",
        ):
            sync_sequence(table)
    for table in ("loans_loanapplication", "loans_loancontract", "ledger_account", "accounts_fundaccount"):
        execute(f"VACUUM ANALYZE {table}")


def _store_chunk(bounds):
    """One transaction of ``store_schedules``: the contracts with ids ``bounds`` (first, last)."""
    from core.actors import system_actor
    from loans import services
    from loans.models import LoanContract

    first, last = bounds
    stored = services.store_schedules(
        actor=system_actor(), contracts=LoanContract.objects.filter(pk__gte=first, pk__lte=last)
    )
    return len(stored), sum(s.installments for s in stored.values())


def store_all(chunk_size, workers):
    """Every contract's schedule, ``chunk_size`` contracts per transaction, on ``workers`` processes (each with its
    own database connection, as Celery workers would run the chunks) taking the chunks in turn:
    (contracts, installments)."""
    import multiprocessing

    from django.db import connections

    from loans.models import LoanContract

    ids = list(LoanContract.objects.order_by("pk").values_list("pk", flat=True))
    chunks = [(ids[k], ids[min(k + chunk_size, len(ids)) - 1]) for k in range(0, len(ids), chunk_size)]
    if workers == 1:
        results = [_store_chunk(chunk) for chunk in chunks]
    else:
        connections.close_all()  # each process opens its own connection
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            results = pool.map(_store_chunk, chunks, chunksize=1)
    return sum(r[0] for r in results), sum(r[1] for r in results)


def python_side(contracts):
    """Seconds of the arithmetic alone, and of the arithmetic plus the COPY text, for ``contracts``
    (nothing sent to the database): (rows, arithmetic, arithmetic + text)."""
    from loans.services.schedules import copy_text, fen_schedule_of, horizon, plan_text, stored_count

    t0 = time.perf_counter()
    rows = sum(len(fen_schedule_of(c).principals) for c in contracts)
    arithmetic = time.perf_counter() - t0
    until, on = horizon(), datetime.date.today()
    t0 = time.perf_counter()
    for c in contracts:
        schedule = fen_schedule_of(c)
        copy_text(c.pk, schedule, c.first_due_date, stored_count(schedule, c.first_due_date, until))
        plan_text(c.pk, schedule, on)
    return rows, arithmetic, time.perf_counter() - t0


def main():
    args = parse_args()
    fresh_database(args.database)

    from core.actors import system_actor
    from core.models import BusinessDay
    from ledger.reconciliation import format_report, reconcile

    BusinessDay.objects.update_or_create(pk=1, defaults={"current": datetime.date(2026, 10, 31)})
    print(f"build {args.loans:,} approved applications and signed contracts (set-based SQL)", flush=True)
    t0 = time.perf_counter()
    build(args.loans)
    print(f"  built in {time.perf_counter() - t0:.1f} s", flush=True)

    print(f"store_schedules, {args.chunk_size:,} contracts per transaction, {args.workers} connection(s)", flush=True)
    t0 = time.perf_counter()
    loans, rows = store_all(args.chunk_size, args.workers)
    seconds = time.perf_counter() - t0
    target = TARGET_SECONDS_PER_100K * args.loans / 100_000
    met = seconds <= target

    from loans.models import LoanContract
    from loans.services.schedules import horizon

    horizon_end = horizon()
    # the Python side alone, nothing stored: how much of the time is Python, how much PostgreSQL's ingest
    computed, arithmetic_s, python_s = python_side(list(LoanContract.objects.order_by("pk")))
    scale = 100_000 / args.loans

    principal_ok = scalar(
        "SELECT (SELECT SUM(x) FROM loans_scheduleplan p, unnest(p.principals) x WHERE p.superseded_on IS NULL)"
        " = (SELECT SUM(principal) * 100 FROM loans_loancontract)"
    )
    stored_rows = scalar("SELECT COUNT(*) FROM loans_scheduleinstallment")
    plans = scalar("SELECT COUNT(*) FROM loans_scheduleplan")
    print()
    print(f"loans                         {loans:>12,}")
    print(f"installments in the plans     {rows:>12,}  ({rows / max(loans, 1):.1f} per loan, {plans:,} plan rows)")
    print(f"installment rows stored       {stored_rows:>12,}  (due within the horizon, to {horizon_end})")
    print(f"seconds                       {seconds:>12.2f}")
    print(f"installments/s                {rows / seconds:>12,.0f}")
    print(f"computing alone (not stored) {arithmetic_s:>12.2f}  ({computed:,} rows computed again, not stored)")
    print(f"computing + COPY text alone  {python_s:>12.2f}  (the Python side of the seconds above)")
    print(f"loans/s                       {loans / seconds:>12,.0f}")
    print(
        f"extrapolated to 100,000 loans {seconds * scale:>12.1f}  (computing {arithmetic_s * scale:.1f},"
        f" computing + text {python_s * scale:.1f}, the rest PostgreSQL's ingest)"
    )
    print(f"target met                    {'yes' if met else 'no'}  (<= {target:.1f} s for {args.loans:,} loans)")
    print(f"stored principal = contracts  {'yes' if principal_ok else 'NO'}")
    ok = bool(principal_ok) and loans == args.loans and computed == rows
    if not args.no_check:
        t0 = time.perf_counter()
        report = reconcile(actor=system_actor())
        print(f"reconciliation ({time.perf_counter() - t0:.1f} s): {'ALL AGREE' if report['ok'] else 'DIFFERENCES'}")
        if not report["ok"]:
            print(format_report(report))
        ok &= report["ok"]
    if not args.schedules_only:
        ok &= repayment_run(args)
    sys.exit(0 if ok else 1)


def repayment_run(args) -> bool:
    """The second half of the loans benchmark, the monthly repayment run for N due installments (instructions
    out, the bank's result in, postings, reconcile), in its own process and database: bench/loan_repayment_run.py."""
    command = [sys.executable, str(ROOT / "bench" / "loan_repayment_run.py")]
    command += ["--small"] if args.small else ["--loans", str(args.loans)]
    if args.no_check:
        command.append("--no-check")
    print("\n== monthly repayment run (bench/loan_repayment_run.py)", flush=True)
    return subprocess.run(command, check=False).returncode == 0


if __name__ == "__main__":
    main()
