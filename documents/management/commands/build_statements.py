from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from core.actors import system_actor
from core.errors import ApplicationError
from documents.services.statements import DEFAULT_CHUNK, build_statements


class Command(BaseCommand):
    help = (
        "Build the annual statements (年度对账单) of an interest year for every account, checking "
        "opening + movements = closing to the fen; resumes a stopped run; exits 1 if an identity fails."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--year",
            type=int,
            required=True,
            help="Calendar year in which the interest year ends (2026: 2025-07-01 – 2026-06-30).",
        )
        parser.add_argument("--chunk-size", type=int, default=DEFAULT_CHUNK, help="Accounts per chunk.")

    def handle(self, *args, **options):
        try:
            run = build_statements(year=options["year"], chunk_size=options["chunk_size"], actor=system_actor())
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        values = {
            "run": run.pk,
            "y": options["year"],
            "n": run.result.get("statements", 0),
            "f": run.result.get("identity_failures", 0),
        }
        if values["f"]:
            raise CommandError(
                _(
                    "Statements %(y)s (run #%(run)s): %(n)s statements, the identity fails for "
                    "%(f)s accounts; the run is not complete."
                )
                % values
            )
        self.stdout.write(_("Statements %(y)s (run #%(run)s): %(n)s statements, every identity holds.") % values)
