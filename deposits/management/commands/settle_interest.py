from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from core.actors import system_actor
from core.errors import ApplicationError
from core.money import format_yuan
from deposits.services.interest import settle_interest


class Command(BaseCommand):
    help = "Post the year-end interest (结息) of an interest year for every non-closed personal account."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True,
                            help="Calendar year in which the interest year ends (2026: 2025-07-01 – 2026-06-30).")
        parser.add_argument("--chunk-size", type=int, default=10000, help="Accounts per journal entry.")

    def handle(self, *args, **options):
        try:
            result = settle_interest(year=options["year"], chunk_size=options["chunk_size"],
                                     actor=system_actor())
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        values = {"start": result.start, "end": result.last_day, "run": result.run.pk, "n": result.accounts,
                  "total": format_yuan(result.total), "entries": result.entries, "chunks": result.chunks_run}
        if result.already_settled:
            self.stdout.write(_("Interest %(start)s – %(end)s was already settled (run #%(run)s): nothing posted. "
                                "It credited %(n)s accounts with %(total)s yuan.") % values)
            return
        if result.resumed:
            self.stdout.write(_("Resumed run #%(run)s: %(chunks)s chunks were still to do.") % values)
        self.stdout.write(_("Interest %(start)s – %(end)s posted (run #%(run)s): %(n)s accounts credited with "
                            "%(total)s yuan in %(entries)s journal entries.") % values)
