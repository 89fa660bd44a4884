"""Import the real-estate registry's file of property records (CSV or XLSX) (data sharing): ``manage.py
import_property_records FILE --user admin``. All rows valid or nothing is imported; a re-import updates."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from core.errors import ApplicationError
from withdrawals import services


class Command(BaseCommand):
    help = "Import property records (owner ID number, address, area, dates, price) from a CSV or XLSX file."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--user", required=True, help="username of the administrator doing the import")

    def handle(self, *args, file, user, **options):
        actor = get_user_model().objects.filter(username=user).first()
        if actor is None:
            raise CommandError(f"Unknown user {user!r}")
        try:
            with open(file, "rb") as fh:
                result = services.import_property_records(actor=actor, file=fh)
        except ApplicationError as exc:
            raise CommandError("\n".join([exc.message, *exc.fields.get("rows", [])])) from exc
        self.stdout.write(f"new: {result['new']}, updated: {result['updated']}")
