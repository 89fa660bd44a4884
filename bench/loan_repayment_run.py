#!/usr/bin/env python
"""Benchmark of the monthly bank debit run for loan installments (loans.services.debits) on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/any_db python bench/loan_repayment_run.py --loans 100000
    python bench/loan_repayment_run.py --small          # CI size: 2,000 loans

DATABASE_URL only names the server (default: the embedded one): the benchmark drops and recreates its own
database (``--database``, default fc_bench_loan_debits) and migrates it. Setup (not timed): N borrowers and
signed contracts as bench/loans.py builds them (terms of 5 to 30 years, both methods), their schedules stored by
``loans.services.schedules.write_schedules``, each loan's 121 sub-account, the money lent posted set-based
(``ledger.posting.post_set``) with its bank lines, every loan 正常 with a repayment card and its first installment
due on the same day.

Timed: the debit orders out (``run_debits``), the bank's result in (``import_result``: 95 % debited in full, 3 % in
part, 2 % failed) and the postings (``apply_results``: one entry per batch). Prints each phase and the total
against the target (100,000 installments in 60 s, scaled to N), then runs the three-ledger reconciliation and
prints ALL AGREE or DIFFERENCES. Exit status 0 only when everything agrees.
"""

import argparse
import datetime
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import execute, fresh_database, next_id, scalar  # noqa: E402

TARGET_SECONDS_PER_100K = 60.0
DISBURSED = datetime.date(2026, 10, 15)
DUE = datetime.date(2026, 11, 15)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--loans", type=int, default=100_000, help="loans (default 100000)")
    parser.add_argument("--small", action="store_true", help="CI size: 2,000 loans")
    parser.add_argument("--chunk-size", type=int, default=5_000, help="loans per debit batch (default 5000)")
    parser.add_argument("--database", default="fc_bench_loan_debits", help="database (default fc_bench_loan_debits)")
    parser.add_argument("--no-check", action="store_true", help="skip the reconciliation at the end")
    args = parser.parse_args(argv)
    if args.small:
        args.loans, args.chunk_size = 2_000, 500
    if args.loans < 1 or args.chunk_size < 1:
        parser.error("--loans and --chunk-size must be at least 1")
    return args


def setup(n):
    """Contracts (bench/loans.py's build), their schedules, ledger sub-accounts and the money lent."""
    from django.db import transaction

    from bench.loans import build
    from core.actors import system_actor
    from ledger import chart
    from ledger import services as ledger_services
    from ledger.models import Account, BankStatementLine, Side
    from ledger.posting import post_set
    from loans.models import LoanContract
    from loans.services.schedules import write_schedules

    build(n)
    actor = system_actor()
    bank = ledger_services.default_bank_account() if _has_bank() else ledger_services.create_bank_account(
        actor=actor, bank="102", number="110000000001", name="示范中心归集户")
    with transaction.atomic():
        parent = Account.objects.get(code=chart.ENTRUSTED_LOANS).pk
        first = next_id("ledger_account")
        lo = scalar("SELECT MIN(id) FROM loans_loancontract")
        execute(
            "INSERT INTO ledger_account (id, code, name, kind, role, parent_id, status, allow_negative, balance, held,"
            " opened_on) SELECT %s + (c.id - %s), '121-L-' || c.number, '委托贷款 ' || c.number, 'asset', 'general',"
            " %s, 'open', false, 0, 0, %s FROM loans_loancontract c",
            [first, lo, parent, DISBURSED])
        execute("SELECT setval(pg_get_serial_sequence('ledger_account', 'id'), (SELECT MAX(id) FROM ledger_account))")
        # every loan 正常, first due on the same day, with its repayment card (a valid check digit is not needed
        # by the run: the card was checked when it was recorded)
        execute(
            "UPDATE loans_loancontract SET status = 'normal', disbursed_on = %s, first_due_date = %s,"
            " signed_on = %s, ledger_account_id = %s + (id - %s), repayment_card = '6222' || lpad(id::text, 15, '0'),"
            " repayment_card_bank = '示范银行', payee_kind = 'presale_escrow', payee_name = '监管户',"
            " payee_account = '6222000011112222'",
            [DISBURSED, DUE, DISBURSED - datetime.timedelta(days=5), first, lo])
    print("  schedules (write_schedules)", flush=True)
    t0 = time.perf_counter()
    ids = list(LoanContract.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), 5000):
        with transaction.atomic():
            part = ids[start:start + 5000]  # a list: no query may run on the connection while COPY is open
            write_schedules(list(LoanContract.objects.filter(pk__gte=part[0], pk__lte=part[-1]).order_by("pk")))
    print(f"  {scalar('SELECT count(*) FROM loans_scheduleinstallment'):,} installments in "
          f"{time.perf_counter() - t0:.1f} s", flush=True)
    with transaction.atomic():
        # the money: deposited into the borrowers' fund accounts (bank in), then lent (bank out, one batch payment)
        total = scalar("SELECT SUM(principal) FROM loans_loancontract")
        deposit = post_set(actor=actor, memo="bench deposits", business_type="01", idempotency_key="bench:deposits",
                           business_date=DISBURSED, counter_account_id=bank.ledger_account_id, counter_side=Side.DEBIT,
                           select_sql="SELECT fa.ledger_account_id, c.principal FROM loans_loancontract c"
                                      " JOIN loans_loanapplication a ON a.id = c.application_id"
                                      " JOIN accounts_fundaccount fa ON fa.id = a.account_id")
        BankStatementLine.objects.create(bank_account=bank, bank_reference="BENCH-DEPOSITS", value_date=DISBURSED,
                                         direction="C", amount=total, match_status="booked", entry=deposit)
        lent = post_set(actor=actor, memo="bench disbursements", business_type="L01",
                        idempotency_key="bench:disbursements", business_date=DISBURSED,
                        counter_account_id=bank.ledger_account_id, counter_side=Side.CREDIT,
                        select_sql="SELECT ledger_account_id, principal FROM loans_loancontract")
        instruction = ledger_services.record_batch_payment(entry=lent, bank_account=bank, amount=total, count=n,
                                                           reference="BENCH-DISBURSE", purpose="bench", actor=actor)
        ledger_services.settle_instruction(instruction=instruction, bank_reference="BENCH-DISBURSE", actor=actor,
                                           value_date=DISBURSED)
    for table in ("loans_loancontract", "loans_scheduleinstallment", "ledger_account"):
        execute(f"VACUUM ANALYZE {table}")


def _has_bank():
    from ledger.models import BankAccount

    return BankAccount.objects.exists()


def results(partial_every=33, failed_every=50):
    """The bank's answers: every 50th order failed (2 %), every 33rd (not failed) half debited (3 %), the rest in
    full (95 %)."""
    from loans.models import LoanDebit

    out = []
    for i, (ref, amount) in enumerate(LoanDebit.objects.filter(status="sent").order_by("pk")
                                      .values_list("reference", "amount").iterator(chunk_size=20_000)):
        if i % failed_every == 0:
            out.append({"reference": ref, "result": "F", "debited": "0", "reason": "余额不足"})
        elif i % partial_every == 0:
            half = (amount / 2).quantize(Decimal("0.01"))
            out.append({"reference": ref, "result": "P", "debited": str(half), "bank_reference": f"B{i}"})
        else:
            out.append({"reference": ref, "result": "S", "debited": str(amount), "bank_reference": f"B{i}"})
    return out


def main(argv=None):
    args = parse_args(argv)
    fresh_database(args.database)

    from core.actors import system_actor
    from core.models import BusinessDay
    from ledger.reconciliation import format_report, reconcile
    from loans.services import debits

    BusinessDay.objects.update_or_create(pk=1, defaults={"current": DISBURSED})
    print(f"setup: {args.loans:,} disbursed loans with schedules (set-based)", flush=True)
    t0 = time.perf_counter()
    setup(args.loans)
    print(f"  set up in {time.perf_counter() - t0:.1f} s", flush=True)
    BusinessDay.objects.update_or_create(pk=1, defaults={"current": DUE})
    actor = system_actor()

    t0 = time.perf_counter()
    run = debits.run_debits(on=DUE, actor=actor, chunk_size=args.chunk_size)
    out_s = time.perf_counter() - t0
    rows = results()
    t0 = time.perf_counter()
    imported = debits.import_result(rows=rows, actor=actor)
    in_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    applied = debits.apply_results(actor=actor)
    post_s = time.perf_counter() - t0
    total = out_s + in_s + post_s
    target = TARGET_SECONDS_PER_100K * args.loans / 100_000

    counts = dict(scalar("SELECT json_object_agg(status, n) FROM (SELECT status, count(*) n FROM loans_loandebit"
                         " GROUP BY status) s") or {})
    debited = scalar("SELECT COALESCE(SUM(debited), 0) FROM loans_loandebit")
    repaid = scalar("SELECT COALESCE(SUM(amount), 0) FROM loans_loanrepayment")
    entries = scalar("SELECT count(*) FROM ledger_journalentry WHERE source LIKE 'loan-debit-batch:%%'")
    print()
    print(f"loans                          {args.loans:>12,}")
    print(f"debit orders                   {run['orders']:>12,}  ({run['amount']} yuan)")
    print(f"batches (one entry each)       {imported['batches']:>12,}  ({entries} entries)")
    print(f"paid / partial / failed        {counts.get('paid', 0):>6,} / {counts.get('partial', 0):,} / "
          f"{counts.get('failed', 0):,}")
    print(f"debited = repaid               {'yes' if debited == repaid else 'NO'}  ({debited} yuan)")
    print(f"instructions out          (s)  {out_s:>12.2f}")
    print(f"result in                 (s)  {in_s:>12.2f}")
    print(f"postings                  (s)  {post_s:>12.2f}")
    print(f"total                     (s)  {total:>12.2f}")
    print(f"target met                     {'yes' if total <= target else 'no'}  (<= {target:.1f} s for "
          f"{args.loans:,} installments; 60 s per 100,000)")
    ok = run["orders"] == args.loans and applied["applied"] == imported["batches"] and debited == repaid
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
