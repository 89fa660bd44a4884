"""``manage.py expire_freezes [--on YYYY-MM-DD]``: the daily expiry of judicial freezes (also a beat task)."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from core.actors import system_actor
from judicial import services


class Command(BaseCommand):
    help = "Expire judicial freezes past their end date and activate the waiting freezes in queue order."

    def add_arguments(self, parser):
        parser.add_argument("--on", help="business date (YYYY-MM-DD); default: the current business date")

    def handle(self, *args, on=None, **options):
        try:
            day = datetime.date.fromisoformat(on) if on else None
        except ValueError as exc:
            raise CommandError(f"Not a date: {on!r}") from exc
        result = services.expire_freezes(actor=system_actor(), on=day)
        self.stdout.write(f"expired: {result['expired']}, activated: {result['activated']}, "
                          f"accounts: {result['accounts']}")
