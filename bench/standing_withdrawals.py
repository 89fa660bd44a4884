#!/usr/bin/env python
"""Benchmark of the monthly standing withdrawals run (按月委托提取) on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/any python bench/standing_withdrawals.py [--small] [-n 100000]

Runs in its own database (``--database``, default fc_bench_withdrawals), created and migrated when missing.
Seeds depositors with 4 months of remittances (bench/synthetic.py) when there are too few, sets up one standing
rent instruction per normal account (bulk insert: benchmark data), then times
:func:`withdrawals.services.standing.run_standing` for the month after the last remittance month and prints
withdrawals per second. Target: 100,000 instructions in ≤ 60 s. A second run of the same month is timed too
(it must pay nothing).
"""

import argparse
import datetime
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import bench_database_url, ensure_database, setup_django  # noqa: E402
from core.actors import system_actor  # noqa: E402

TARGET_S = 60.0


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--instructions", type=int, default=100_000)
    parser.add_argument("--small", action="store_true", help="CI size: 2,000 instructions")
    parser.add_argument("--chunk", type=int, default=5000)
    parser.add_argument("--database", default=None,
                        help="database (default fc_bench_withdrawals; with --small fc_bench_withdrawals_small)")
    parser.add_argument("--recreate", action="store_true")
    parser.add_argument("--profile", action="store_true", help="print where the run's time goes (cProfile)")
    args = parser.parse_args()
    if args.small:
        args.instructions = 2000
    # The run pays every active instruction of the month: a database left at another size measures that size.
    args.database = args.database or ("fc_bench_withdrawals_small" if args.small else "fc_bench_withdrawals")
    return args


def card(n):
    body = f"62220210{n:010d}"
    total = 0
    for i, ch in enumerate(reversed(body + "0")):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return body + str((10 - total % 10) % 10)


def seed(n):
    from accounts.models import FundAccount
    from bench import synthetic
    from deposits.models import RemittanceLine

    have = FundAccount.objects.filter(status=FundAccount.Status.NORMAL).count()
    if have < n:
        started = time.perf_counter()
        depositors = int((n - have) * 1.25)
        synthetic.generate(employers=max(1, depositors // 50), depositors=depositors, months=4, seed=have + 7,
                           actor=system_actor())
        print(f"seeded {depositors} depositors with 4 months of remittances in {time.perf_counter() - started:.1f} s")
    return RemittanceLine


def continuity(month, n):
    """Posted remittance lines for the 3 months before ``month`` (the synthetic data set has the money and the
    balances, not the lists): benchmark data, bulk-inserted once per account and month."""
    from accounts.models import FundAccount
    from deposits.models import RemittanceLine, RemittanceList
    from withdrawals import rules

    started, inserted = time.perf_counter(), 0
    accounts = list(FundAccount.objects.filter(status=FundAccount.Status.NORMAL).order_by("pk")
                    .values_list("pk", "employer_id")[:n])
    for m in [rules.add_months(month, -k) for k in (3, 2, 1)]:
        done = set(RemittanceLine.objects.filter(posted=True, month=m).values_list("account_id", flat=True))
        todo = [a for a in accounts if a[0] not in done]
        if not todo:
            continue
        employers = sorted({e for _a, e in todo})
        refs = {e: f"BW{e}-{m:%Y%m}" for e in employers}
        known = dict(RemittanceList.objects.filter(reference__in=list(refs.values())).values_list("reference", "pk"))
        RemittanceList.objects.bulk_create(
            [RemittanceList(employer_id=e, month=m, kind="2", status="posted", reference=refs[e])
             for e in employers if refs[e] not in known], batch_size=5000)
        known = dict(RemittanceList.objects.filter(reference__in=list(refs.values())).values_list("reference", "pk"))
        RemittanceLine.objects.bulk_create(
            [RemittanceLine(remittance_id=known[refs[e]], account_id=a, month=m, base="5000", employee_ratio="0.12",
                            employer_ratio="0.12", employee_amount="600", employer_amount="600", amount="1200",
                            posted=True) for a, e in todo], batch_size=10000)
        inserted += len(todo)
    if inserted:
        print(f"inserted {inserted} remittance lines for continuity in {time.perf_counter() - started:.1f} s")


def fund_bank(n):
    """The center's bank account must hold the month's payouts (the synthetic data set's bank holds only the
    remittances): book bank interest received until it does. Benchmark data."""
    from decimal import Decimal

    from ledger import chart
    from ledger import services as ledger_services
    from ledger.models import Account
    from ledger.posting import credit, debit, post

    bank = ledger_services.default_bank_account()
    need = Decimal(n) * Decimal("1800")
    if bank.ledger_account.balance < need:
        income = Account.objects.get(code=chart.DEPOSIT_INTEREST_INCOME)
        amount = need - bank.ledger_account.balance
        post(actor=system_actor(), lines=[debit(bank.ledger_account, amount), credit(income, amount)],
             memo="benchmark: bank interest",
             business_type="99", source="bench")


def setup_instructions(n, month):
    from accounts.models import FundAccount
    from withdrawals.models import StandingInstruction

    have = StandingInstruction.objects.filter(status="active").count()
    if have >= n:
        return
    taken = set(StandingInstruction.objects.values_list("account_id", flat=True))
    rows = (FundAccount.objects.filter(status=FundAccount.Status.NORMAL).exclude(pk__in=taken)
            .values_list("pk", "depositor__name").order_by("pk")[: n - have])
    StandingInstruction.objects.bulk_create(
        [StandingInstruction(account_id=pk, kind="rent", monthly_amount="1500", payee_card=card(pk), payee_name=name,
                             starts_on=month) for pk, name in rows], batch_size=5000)
    print(f"set up {len(rows)} standing rent instructions")


def main():
    args = parse_args()
    url, admin = bench_database_url(args.database)
    ensure_database(admin, args.database, args.recreate)
    setup_django(url)
    from core.business_date import today
    from core.models import BusinessDay
    from withdrawals import rules
    from withdrawals.models import WithdrawalApplication
    from withdrawals.services import standing

    seed(args.instructions)
    month = rules.add_months(rules.month_start(today()), 1)
    while WithdrawalApplication.objects.filter(period=month).exists():  # a fresh month for a re-run
        month = rules.add_months(month, 1)
    setup_instructions(args.instructions, month)
    continuity(month, args.instructions)
    fund_bank(args.instructions)
    BusinessDay.objects.update_or_create(pk=1, defaults={"current": month + datetime.timedelta(days=4)})
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    started = time.perf_counter()
    result = standing.run_standing(month=month, chunk_size=args.chunk, actor=system_actor())
    elapsed = time.perf_counter() - started
    if profiler:
        import pstats

        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
    paid, skipped, stopped = result["paid"], len(result["skipped"]), len(result["stopped"])
    handled = paid + skipped + stopped
    print(f"month {month:%Y-%m}: {handled} instructions in {elapsed:.1f} s — paid {paid}, skipped {skipped}, "
          f"stopped {stopped}")
    print(f"standing withdrawals: {paid / elapsed:,.0f} withdrawals/s, {handled / elapsed:,.0f} instructions/s "
          f"(target {args.instructions:,} in ≤ {TARGET_S:.0f} s: "
          f"{'met' if elapsed * args.instructions / max(handled, 1) <= TARGET_S else 'NOT met'})")
    started = time.perf_counter()
    again = standing.run_standing(month=month, chunk_size=args.chunk, actor=system_actor())
    print(f"second run of the same month: paid {again['paid'] - paid} more in {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()
