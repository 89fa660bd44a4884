"""The center's bank accounts (归集户, 支付户), each with its ledger account."""

from django.db import transaction
from django.utils.translation import gettext as _

from core import audit, compiled
from core.errors import StateError
from core.money import to_decimal
from ledger import chart
from ledger.models import Account, BankAccount
from ledger.services.sub_accounts import open_sub_account


@transaction.atomic
def create_bank_account(*, bank, number, name, purpose=BankAccount.Purpose.DEPOSIT, opening_balance=0,
                        actor) -> BankAccount:
    ledger_account = open_sub_account(parent_code=chart.BANK_DEPOSITS, code=f"{chart.BANK_DEPOSITS}-{number}",
                                      name=f"{name} {number}", role=Account.Role.BANK)
    bank_account = BankAccount.objects.create(bank=bank, number=number, name=name, purpose=purpose,
                                              ledger_account=ledger_account,
                                              opening_balance=to_decimal(opening_balance))
    audit.record(actor=actor, action="ledger.bank_account.create", obj=bank_account,
                 after={"bank": bank, "number": number})
    return bank_account


def default_bank_account(purpose=BankAccount.Purpose.DEPOSIT) -> BankAccount:
    found = compiled.objects(("default bank account", str(purpose)), lambda: (
        BankAccount.objects.filter(purpose=purpose).select_related("ledger_account").order_by("pk")[:1]), ())
    bank_account = found[0] if found else None
    if bank_account is None:
        raise StateError(_("No bank account of the center is set up for this purpose."), code="no_bank_account")
    return bank_account
