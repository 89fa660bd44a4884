"""Import the real-estate registry's CSV of property records (data sharing): ``manage.py
import_property_records FILE --user admin``. All rows valid or nothing is imported; a re-import updates."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from core.errors import ApplicationError
from withdrawals import services


class Command(BaseCommand):
    help = "Import property records (owner ID number, address, area, dates, price) from a CSV file."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--user", required=True, help="username of the administrator doing the import")

    def handle(self, *args, file, user, **options):
        actor = get_user_model().objects.filter(username=user).first()
        if actor is None:
            raise CommandError(f"Unknown user {user!r}")
        with open(file, "rb") as fh:
            data = fh.read()
        try:
            result = services.import_property_records(actor=actor, file_bytes=data)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"new: {result['new']}, updated: {result['updated']}")
