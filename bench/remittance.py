#!/usr/bin/env python
"""Benchmark of a monthly remittance on PostgreSQL: an employer with 10,000 employees.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fund_center python bench/remittance.py [--employees N] [--small]

Runs in its own database (default fc_bench_remittance, created and migrated when missing). It loads a new
employer with N employees (one earlier month paid), then times the four steps of the month: the list is
generated from the active accounts, confirmed, the bank statement line arrives, and the list posts as one
entry. Target: confirmed and posted (all four steps) in at most 3 s.
"""

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import bench_database_url, ensure_database, setup_django  # noqa: E402
from core.actors import system_actor  # noqa: E402

TARGET_S = 3.0


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--employees", type=int, default=10_000)
    parser.add_argument("--small", action="store_true", help="CI size: 500 employees")
    parser.add_argument("--database", default="fc_bench_remittance")
    args = parser.parse_args()
    if args.small:
        args.employees = 500
    return args


def main():
    args = parse_args()
    url, admin_url = bench_database_url(args.database)
    ensure_database(admin_url, args.database, recreate=False)
    setup_django(url)

    from accounts.models import Employer
    from bench import synthetic
    from core.business_date import today
    from deposits.models import RemittanceList
    from deposits.services import remittance
    from ledger.reconciliation import run_checks
    from ledger.services import default_bank_account, import_statement

    seed = random.randrange(1, 10**9)
    started = time.perf_counter()
    before = set(Employer.objects.values_list("pk", flat=True))
    synthetic.generate(employers=1, depositors=args.employees, months=1, seed=seed, actor=system_actor())
    (employer,) = Employer.objects.exclude(pk__in=before)
    print(f"loaded employer {employer.account_number} with {employer.accounts.count():,} employees "
          f"in {time.perf_counter() - started:.1f} s")
    month = today().replace(day=1)
    if employer.remittance_lists.filter(month=month).exists():
        sys.exit("the current month is already listed for this employer")

    timings = {}
    t = time.perf_counter()
    rem = remittance.generate_list(actor=system_actor(), employer=employer, month=month)
    timings["generate the list"] = time.perf_counter() - t
    t = time.perf_counter()
    remittance.confirm_list(actor=system_actor(), remittance=rem)
    timings["confirm"] = time.perf_counter() - t
    rem.refresh_from_db()
    bank = default_bank_account()
    t = time.perf_counter()
    (line,) = import_statement(bank_account=bank, actor=system_actor(), rows=[{
        "bank_reference": f"BENCH{seed}", "value_date": str(today()), "direction": "C", "amount": str(rem.total),
        "remark": rem.reference, "counterparty_name": employer.name}],
        closing_balance=bank.ledger_account.balance + rem.total)  # the bank's balance after the payment
    timings["bank line arrives"] = time.perf_counter() - t
    t = time.perf_counter()
    remittance.pay_from_statement(actor=system_actor(), remittance=rem, line=line)
    timings["post the list"] = time.perf_counter() - t
    rem = RemittanceList.objects.get(pk=rem.pk)
    total = sum(timings.values())
    for name, seconds in timings.items():
        print(f"  {name:<20} {seconds:6.2f} s")
    verdict = "OK" if total <= TARGET_S else "MISSED"
    print(f"remittance of {rem.headcount:,} employees ({rem.total:,} yuan, status {rem.status}): confirmed and posted "
          f"in {total:.2f} s   target <= {TARGET_S:g} s  {verdict}")
    print("reconcile:", "all agree" if run_checks()["ok"] else "DIFFERENCES")


if __name__ == "__main__":
    main()
