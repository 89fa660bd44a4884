"""Generate the demo signing certificate and key (a PKCS#12 file under DOCUMENTS_DEMO_SIGNING_DIR, git-ignored),
used to sign issued documents when DOCUMENTS_SIGNING_P12 is not set (DEBUG or TESTING only)."""

from django.core.management.base import BaseCommand

from documents import pdf


class Command(BaseCommand):
    help = "Generate the demo document-signing certificate (kept if it exists; --force replaces it)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Replace an existing demo certificate.")

    def handle(self, *args, force=False, **options):
        path = pdf.demo_p12_path()
        existed = path.exists()
        pdf.create_demo_certificate(path, force=force)
        pdf.reset_signer()
        state = "kept" if existed and not force else "written"
        self.stdout.write(f"Demo signing certificate {state}: {path}")
