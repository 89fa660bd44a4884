import sys

from django.core.management.base import BaseCommand

from core.actors import system_actor
from ledger.reconciliation import format_report, reconcile


class Command(BaseCommand):
    help = "Three-ledger reconciliation (三账平衡). Exits 0 when everything agrees, 1 otherwise."

    def add_arguments(self, parser):
        parser.add_argument("--no-save", action="store_true", help="Do not store the result.")

    def handle(self, *args, **options):
        report = reconcile(actor=system_actor(), save=not options["no_save"])
        self.stdout.write(format_report(report))
        if not report["ok"]:
            sys.exit(1)
