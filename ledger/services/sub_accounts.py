"""Opening and closing ledger sub-accounts (a personal fund account's, an employer's suspense)."""

from django.db import transaction
from django.utils.translation import gettext as _

from core.business_date import today
from core.errors import StateError
from core.money import format_yuan
from ledger.models import Account
from ledger.posting import lock_accounts


def open_sub_account(*, parent_code, code, name, role, opened_on=None) -> Account:
    parent = Account.objects.get(code=parent_code)
    return Account.objects.create(code=code, name=name[:120], kind=parent.kind, role=role, parent=parent,
                                  opened_on=opened_on or today())


@transaction.atomic
def close_account(*, account: Account, actor) -> Account:
    acc = lock_accounts([account.pk])[account.pk]
    if acc.status == Account.Status.CLOSED:
        return acc
    if acc.balance != 0 or acc.held != 0:
        raise StateError(_("Ledger account %(a)s still has a balance of %(b)s or holds; it cannot be closed.")
                         % {"a": acc.code, "b": format_yuan(acc.balance)}, code="balance_not_zero")
    acc.status = Account.Status.CLOSED
    acc.closed_on = today()
    acc.save(update_fields=["status", "closed_on"])
    return acc
