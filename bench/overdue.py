#!/usr/bin/env python
"""Benchmark of the daily close of business of the loans (loans.services.close_of_business) on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/any_db python bench/overdue.py --loans 100000
    python bench/overdue.py --small          # CI size: 2,000 loans

DATABASE_URL only names the server (default: the embedded one): the benchmark drops and recreates its own
database (``--database``, default fc_bench_overdue) and migrates it. Setup (not timed), set-based as
bench/loan_repayment_run.py builds it: N disbursed loans with their schedules and their 121 and 122 sub-accounts,
the first installment due on 15 November 2026; 95 % of the loans have paid it (one posting of the principal to
the loans' sub-accounts, one of the interest), 5 % have not. The borrowers' fund accounts hold the money
deposited for the loans; four in five of the overdue borrowers' accounts are frozen whole by a court (a hold), so
the fund deduction (policy ``overdue.fund_deduction_periods`` set to ``--deduct-after``, default 1 period) pays
the loans of the others.

Timed: one business date (19 November, the first day past the 3 grace days: the overdue installments, their
penalty interest, the 121 → 122 moves, the deductions, the grades and the collection log), then a catch-up of 7
missed dates in one call (20–26 November). Prints each against its target (one date ≤ 30 s and 7 dates ≤ 180 s
for 100,000 loans, scaled to N) and the extrapolation to 100,000 loans, then runs the three-ledger
reconciliation and prints ALL AGREE or DIFFERENCES. Exit status 0 only when the targets' checks and the
reconciliation pass.
"""

import argparse
import datetime
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import execute, fresh_database, next_id, scalar  # noqa: E402
from bench.loan_repayment_run import DISBURSED, DUE  # noqa: E402

ONE_DATE_SECONDS_PER_100K = 30.0
CATCH_UP_SECONDS_PER_100K = 180.0
FIRST = DUE + datetime.timedelta(days=4)
CATCH_UP_DAYS = 7


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--loans", type=int, default=100_000, help="loans (default 100000)")
    parser.add_argument("--small", action="store_true", help="CI size: 2,000 loans")
    parser.add_argument("--chunk-size", type=int, default=5_000, help="loans per chunk (default 5000)")
    parser.add_argument("--deduct-after", type=int, default=1, help="overdue periods before a fund deduction")
    parser.add_argument("--database", default="fc_bench_overdue", help="database (default fc_bench_overdue)")
    parser.add_argument("--no-check", action="store_true", help="skip the reconciliation at the end")
    args = parser.parse_args(argv)
    if args.small:
        args.loans, args.chunk_size = 2_000, 500
    if args.loans < 20 or args.chunk_size < 1:
        parser.error("--loans must be at least 20 and --chunk-size at least 1")
    return args


def overdue_setup(deduct_after):
    """122 sub-accounts; the first installment paid by 95 % of the loans; most overdue borrowers' funds gone."""
    from django.db import transaction

    from core.actors import system_actor
    from core.models import PolicyValue
    from ledger import chart
    from ledger import services as ledger_services
    from ledger.models import Account, BankStatementLine, Side
    from ledger.posting import credit, debit, post, post_set

    actor = system_actor()
    bank = ledger_services.default_bank_account()
    with transaction.atomic():
        parent = Account.objects.get(code=chart.OVERDUE_LOANS).pk
        first = next_id("ledger_account")
        lo = scalar("SELECT MIN(id) FROM loans_loancontract")
        execute(
            "INSERT INTO ledger_account (id, code, name, kind, role, parent_id, status, allow_negative, balance, held,"
            " opened_on) SELECT %s + (c.id - %s), '122-L-' || c.number, '逾期贷款 ' || c.number, 'asset', 'general',"
            " %s, 'open', false, 0, 0, %s FROM loans_loancontract c",
            [first, lo, parent, DISBURSED],
        )
        execute("SELECT setval(pg_get_serial_sequence('ledger_account', 'id'), (SELECT MAX(id) FROM ledger_account))")
        execute("UPDATE loans_loancontract SET overdue_account_id = %s + (id - %s)", [first, lo])
        PolicyValue.objects.update_or_create(
            key="overdue.fund_deduction_periods",
            effective_from=DISBURSED,
            defaults={"value": str(deduct_after), "reason": "benchmark"},
        )
    with transaction.atomic():  # 95 % paid installment 1 at the bank
        paid = "i.number = 1 AND i.superseded_on IS NULL AND i.contract_id %% 20 <> 0"
        principal = post_set(
            actor=actor,
            memo="bench installment 1 principal",
            business_type="L02",
            idempotency_key="bench:inst1:principal",
            business_date=DUE,
            counter_account_id=bank.ledger_account_id,
            counter_side=Side.DEBIT,
            select_sql="SELECT c.ledger_account_id, i.principal FROM loans_scheduleinstallment i"
            f" JOIN loans_loancontract c ON c.id = i.contract_id WHERE {paid}",
        )
        interest = scalar(f"SELECT SUM(i.interest) FROM loans_scheduleinstallment i WHERE {paid}", [])
        income = post(
            lines=[
                debit(bank.ledger_account_id, interest),
                credit(Account.objects.get(code=chart.LOAN_INTEREST_INCOME), interest),
            ],
            memo="bench installment 1 interest",
            actor=actor,
            idempotency_key="bench:inst1:interest",
            business_date=DUE,
            business_type="L02",
        )
        execute(
            f"UPDATE loans_scheduleinstallment i SET principal_paid = principal, interest_paid = interest WHERE {paid}",
            [],
        )
        for ref, entry in (("BENCH-INST1-P", principal), ("BENCH-INST1-I", income)):
            amount = entry.lines.filter(account_id=bank.ledger_account_id).values_list("amount", flat=True).first()
            BankStatementLine.objects.create(
                bank_account=bank,
                bank_reference=ref,
                value_date=DUE,
                direction="C",
                amount=amount,
                match_status="booked",
                entry=entry,
            )
    with transaction.atomic():  # four in five overdue borrowers' fund accounts are frozen by a court (a hold)
        frozen = (
            "SELECT fa.ledger_account_id FROM loans_loancontract c JOIN loans_loanapplication ap"
            " ON ap.id = c.application_id JOIN accounts_fundaccount fa ON fa.id = ap.account_id"
            " WHERE c.id %% 20 = 0 AND c.id %% 100 <> 0"
        )
        execute(
            "INSERT INTO ledger_hold (account_id, amount, kind, reference, status, created_at, created_on, actor_id)"
            f" SELECT a.id, a.balance, 'judicial', 'BENCH-FREEZE-' || a.id, 'active', now(), %s, %s"
            f" FROM ledger_account a WHERE a.balance > 0 AND a.id IN ({frozen})",
            [DUE, actor.pk],
        )
        execute(f"UPDATE ledger_account a SET held = a.balance WHERE a.balance > 0 AND a.id IN ({frozen})", [])
    for table in ("loans_loancontract", "loans_scheduleinstallment", "ledger_account"):
        execute(f"VACUUM ANALYZE {table}")


def main(argv=None):
    args = parse_args(argv)
    fresh_database(args.database)

    from bench.loan_repayment_run import setup
    from core.actors import system_actor
    from core.models import BusinessDay
    from ledger.reconciliation import format_report, reconcile
    from loans.services.close_of_business import close_business

    BusinessDay.objects.update_or_create(pk=1, defaults={"current": DISBURSED})
    print(f"setup: {args.loans:,} disbursed loans with schedules (set-based)", flush=True)
    t0 = time.perf_counter()
    setup(args.loans)
    overdue_setup(args.deduct_after)
    print(f"  set up in {time.perf_counter() - t0:.1f} s", flush=True)
    actor = system_actor()

    BusinessDay.objects.update_or_create(pk=1, defaults={"current": FIRST})
    t0 = time.perf_counter()
    one = close_business(actor=actor, chunk_size=args.chunk_size)
    one_s = time.perf_counter() - t0
    last = FIRST + datetime.timedelta(days=CATCH_UP_DAYS)
    BusinessDay.objects.update_or_create(pk=1, defaults={"current": last})
    t0 = time.perf_counter()
    seven = close_business(actor=actor, chunk_size=args.chunk_size)
    seven_s = time.perf_counter() - t0

    scale = 100_000 / args.loans
    one_target = ONE_DATE_SECONDS_PER_100K / scale
    seven_target = CATCH_UP_SECONDS_PER_100K / scale
    day1 = one["closed"][0]
    overdue = scalar("SELECT count(*) FROM loans_loanoverduestate WHERE periods > 0")
    print()
    print(f"loans                          {args.loans:>12,}")
    print(f"went overdue on {FIRST}     {day1.get('became_overdue', 0):>12,}")
    print(f"fund deductions                {day1.get('deductions', 0):>12,}  ({day1.get('deducted', '0')} yuan)")
    print(f"moved 121 -> 122               {day1.get('moved', 0):>12,}  ({day1.get('moved_amount', '0')} yuan)")
    print(f"overdue after {last}       {overdue:>12,}")
    print(f"penalty accrued (7 days)       {sum(float(d.get('accrued', 0)) for d in seven['closed']):>12.2f}")
    print(
        f"one date                  (s)  {one_s:>12.2f}  target <= {one_target:.1f} s "
        f"({'met' if one_s <= one_target else 'NOT met'}); at 100,000 loans ~ {one_s * scale:.1f} s"
    )
    print(
        f"catch-up of {len(seven['dates'])} dates       (s)  {seven_s:>12.2f}  target <= {seven_target:.1f} s "
        f"({'met' if seven_s <= seven_target else 'NOT met'}); at 100,000 loans ~ {seven_s * scale:.1f} s"
    )
    ok = len(seven["dates"]) == CATCH_UP_DAYS and day1.get("became_overdue", 0) > 0
    if not args.no_check:
        t0 = time.perf_counter()
        report = reconcile(actor=actor)
        print(f"reconciliation ({time.perf_counter() - t0:.1f} s): {'ALL AGREE' if report['ok'] else 'DIFFERENCES'}")
        if not report["ok"]:
            print(format_report(report))
        ok &= report["ok"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
