"""Reprice existing loans on January 1 of a year (DOMAIN.md §4.5): ``manage.py reprice_loans --year 2026``."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from core.actors import system_actor
from core.errors import ApplicationError
from loans.services.repricing import CHUNK, reprice


class Command(BaseCommand):
    help = "Move loans of more than one year to the rate table's rate from January 1 of the year (利率调整)."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True, help="The year whose January 1 the new rate starts.")
        parser.add_argument("--chunk-size", type=int, default=CHUNK, help="Contracts per transaction.")

    def handle(self, *args, **options):
        if options["chunk_size"] < 1:
            raise CommandError(_("The chunk size must be at least 1."))
        try:
            result = reprice(year=options["year"], actor=system_actor(), chunk_size=options["chunk_size"])
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            _(
                "Repricing of %(year)s: %(contracts)s contracts moved to the new rate, %(installments)s "
                "installments re-amortised, %(rate_only)s with nothing left to re-amortise, %(refused)s refused."
            )
            % result.as_dict()
        )
