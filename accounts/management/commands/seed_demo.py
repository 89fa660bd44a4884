import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from accounts.models import Depositor
from bench import synthetic
from core import dbserver
from core.actors import system_actor

CASE_COMMANDS = ("seed_demo_loans", "seed_demo_deposits", "seed_demo_withdrawals", "seed_demo_judicial",
                 "seed_demo_documents")


class Command(BaseCommand):
    help = ("Create demo data: employers, depositors (about 30 % married couples), personal fund accounts and "
            "monthly remittances posted to the ledger, with the bank's statement lines.")

    def add_arguments(self, parser):
        parser.add_argument("--employers", type=int, default=20)
        parser.add_argument("--depositors", type=int, default=400)
        parser.add_argument("--months", type=int, default=synthetic.DEFAULT_MONTHS,
                            help="Months of remittances, ending last month (default %(default)s).")
        parser.add_argument("--seed", type=int, default=1, help="Random seed: the same seed gives the same data.")
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when depositors already exist.")
        parser.add_argument("--no-loans", action="store_true", help="Skip the demo loans (seed_demo_loans).")
        parser.add_argument("--no-cases", action="store_true",
                            help="Only the accounts and remittances: no demo cases of the other modules.")

    def handle(self, *args, **options):
        if options["if_empty"] and Depositor.objects.exists():
            self.stdout.write("Depositors already exist; nothing to do (--if-empty).")
            return
        employers, depositors, months = options["employers"], options["depositors"], options["months"]
        if employers < 1 or depositors < employers:
            raise CommandError("Give at least one employer and at least as many depositors as employers.")
        if months < 1:
            raise CommandError("Give at least one month.")
        self.stdout.write(f"Seeding {employers} employers, {depositors} depositors, {months} months "
                          f"on {dbserver.describe(connection)} (seed {options['seed']}) ...")
        started = time.perf_counter()
        result = synthetic.generate(employers=employers, depositors=depositors, months=months, seed=options["seed"],
                                    out=self.stdout.write, actor=system_actor(),
                                    in_arrears=0 if options["no_cases"] else 1)
        elapsed = time.perf_counter() - started
        counts = result["counts"]
        self.stdout.write(f"  employers, accounts and postings: {result['chunks']} transaction(s) in "
                          f"{result['timings']['employers, accounts, postings']:.1f} s")
        self.stdout.write("  seconds spent: " + ", ".join(f"{k} {v:.1f}" for k, v in result["seconds"].items()))
        self.stdout.write("Rows created:")
        for label in ("Employer", "Depositor", "FundAccount", "AccountEvent", "Account", "JournalEntry", "JournalLine",
                      "BankStatementLine", "BankInstruction"):
            self.stdout.write(f"  {label:<18} {counts.get(label, 0):>10,}")
        couples = sum(1 for p in result["plan"].persons if p.spouse) // 2
        self.stdout.write(f"  married couples linked as spouses: {couples:,}")
        # Each module's cases through its own services (accounts may not import them): the loans first (their
        # borrowers need employers paying normally), then the deposit cases (the settled interest year, arrears,
        # deferrals), withdrawals, court requests, and the documents last.
        for command in CASE_COMMANDS:
            if options["no_cases"] or (command == "seed_demo_loans" and options["no_loans"]):
                continue
            call_command(command, stdout=self.stdout, stderr=self.stderr)
        elapsed = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(f"Done in {elapsed:.1f} s."))
