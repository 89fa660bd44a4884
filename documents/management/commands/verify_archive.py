"""Walk the electronic archive's hash chain; exit 1 naming the first record altered or missing."""

import sys

from django.core.management.base import BaseCommand

from documents.services.archive import verify_chain


class Command(BaseCommand):
    help = "Check every archived document against its SHA-256 and the chain of record hashes."

    def handle(self, *args, **options):
        result = verify_chain()
        if result["ok"]:
            self.stdout.write(f"Archive intact: {result['count']} records.")
            return
        self.stderr.write(f"Archive check FAILED after {result['count']} good records: {result['problem']}")
        sys.exit(1)
