"""The daily close of business of the loans (DOMAIN.md §5): ``manage.py loan_close_of_business [--date D]``."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from core.actors import system_actor
from core.errors import ApplicationError
from loans.services.close_of_business import close_business


class Command(BaseCommand):
    help = "Close the business dates not closed yet up to --date (default: the business date), in order."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Last business date to close (YYYY-MM-DD).")
        parser.add_argument("--chunk-size", type=int, default=5000, help="Loans per chunk.")

    def handle(self, *args, **options):
        until = None
        if options["date"]:
            try:
                until = datetime.date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError(_("Give the date as YYYY-MM-DD.")) from exc
        if options["chunk_size"] < 1:
            raise CommandError(_("The chunk size must be at least 1."))
        try:
            result = close_business(actor=system_actor(), until=until, chunk_size=options["chunk_size"])
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        if not result["closed"]:
            self.stdout.write(_("Nothing to close."))
        for day in result["closed"]:
            self.stdout.write(
                _("%(date)s closed: %(overdue)s loans overdue, %(became)s went overdue, %(deductions)s deductions.")
                % {
                    "date": day["date"],
                    "overdue": day.get("overdue", 0),
                    "became": day.get("became_overdue", 0),
                    "deductions": day.get("deductions", 0),
                }
            )
