"""What the demo seeding commands share (``seed_demo`` and the ``seed_demo_*`` commands of each app): the demo
staff and portal logins, a business date moved back for a block, a bank receipt and a placeholder scan."""

import contextlib

from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile

from core import roles
from core.actors import system_actor
from core.business_date import today
from core.models import BusinessDay
from ledger import selectors as ledger_selectors
from ledger import services as ledger_services
from ledger.models import BankAccount

# The second judicial officer: a court request is prepared by one officer and confirmed by another.
SECOND_JUDICIAL_OFFICER = "judicial2"
DEMO_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\n%%EOF\n"


def staff_user(role, username=None):
    """The demo staff member of ``role`` (``demo_users`` gives them their password later)."""
    from accounts.management.commands.demo_users import STAFF_USERNAMES

    user, created = User.objects.get_or_create(username=username or STAFF_USERNAMES.get(role, role))
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    user.groups.add(Group.objects.get(name=role))
    return user


def portal_user(depositor):
    """The depositor's portal login (username: the ID number, as ``demo_users`` makes them)."""
    user, created = User.objects.get_or_create(username=depositor.id_number, defaults={"first_name": depositor.name})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    user.groups.add(Group.objects.get(name=roles.DEPOSITOR))
    type(depositor).objects.filter(pk=depositor.pk).update(user=user)
    depositor.user = user
    return user


def scan(name="scan.pdf"):
    """A one-page placeholder scan (a minimal PDF)."""
    return SimpleUploadedFile(name, DEMO_PDF, content_type="application/pdf")


@contextlib.contextmanager
def business_date(date):
    """Run a block on another business date (a case begun in the past), then put the date back as it was."""
    before = BusinessDay.objects.filter(pk=1).values_list("current", flat=True).first()
    BusinessDay.objects.update_or_create(pk=1, defaults={"current": date})
    try:
        yield
    finally:
        if before is None:
            BusinessDay.objects.filter(pk=1).delete()
        else:
            BusinessDay.objects.filter(pk=1).update(current=before)


def bank_receipt(*, amount, reference, payer, value_date=None, bank=None):
    """Money received as the bank reports it: one statement line through the bank's channel."""
    bank = BankAccount.objects.select_for_update().get(pk=(bank or BankAccount.objects.order_by("pk").first()).pk)
    held = ledger_selectors.bank_held_balance(bank)
    row = {"bank_reference": reference, "value_date": (value_date or today()).isoformat(), "direction": "C",
           "amount": str(amount), "counterparty_name": payer}
    (line,) = ledger_services.import_statement(bank_account=bank, rows=[row], closing_balance=held + amount,
                                               actor=system_actor())
    return line


def demo_card(n, prefix="621700") -> str:
    """A demo bank card number with a valid check digit (Luhn), one per ``n``."""
    body = f"{prefix}{n:012d}"
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return body + str((10 - total % 10) % 10)
