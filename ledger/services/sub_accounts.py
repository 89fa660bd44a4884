"""Opening and closing ledger sub-accounts (a personal fund account's, an employer's suspense)."""

from django.db import transaction
from django.utils.translation import gettext as _

from core import audit, roles
from core.business_date import today
from core.errors import Forbidden, InvalidInput, StateError
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


def require_person_with_reason(actor, reason):
    """A settings change of the ledger: a person (finance or a system administrator) who says why."""
    if actor is None:
        raise Forbidden(_("A member of staff must make this change."), code="person_required")
    roles.require_role(actor, roles.FINANCE, roles.SYSADMIN)
    reason = (reason or "").strip()
    if not reason:
        msg = _("Give the reason for the change.")
        raise InvalidInput(msg, code="reason_required", fields={"reason": [msg]})
    return reason


@transaction.atomic
def set_overdraft(*, actor, account: Account, allowed: bool, reason) -> Account:
    """Allow or forbid a ledger account to go below zero (an account's overdraft permission; read-only in
    admin). Forbidding it needs a balance that is not negative. Finance or a system administrator, with a
    reason (audited and kept in the account's history)."""
    reason = require_person_with_reason(actor, reason)
    acc = lock_accounts([account.pk])[account.pk]
    allowed = bool(allowed)
    if acc.allow_negative == allowed:
        return acc
    if not allowed and acc.balance < 0:
        raise StateError(_("Ledger account %(a)s is below zero (%(b)s); it must be brought back to zero first.")
                         % {"a": acc.code, "b": format_yuan(acc.balance)}, code="negative_balance")
    acc.allow_negative = allowed
    acc._change_reason = reason[:100]
    acc.save(update_fields=["allow_negative"])
    audit.record(actor=actor, action="ledger.account.overdraft", obj=acc, before={"allow_negative": not allowed},
                 after={"allow_negative": allowed}, comment=reason)
    return acc
