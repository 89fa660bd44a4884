"""Holds on a ledger account (a judicial freeze, a pending payout): available = balance - active holds."""

from django.db import transaction
from django.utils.translation import gettext as _

from core import audit
from core.business_date import today
from core.errors import InvalidInput, StateError
from core.money import FEN, format_yuan, to_decimal
from ledger.models import Account, Hold
from ledger.posting import lock_accounts


@transaction.atomic
def place_hold(*, account: Account, amount, kind, reference, actor, partial=False) -> Hold:
    """Hold ``amount`` of the available balance. With ``partial``, hold what is available up to amount."""
    amount = to_decimal(amount)
    if amount <= 0 or amount != amount.quantize(FEN):
        raise InvalidInput(_("The amount to hold must be a positive amount in yuan and fen."), code="bad_amount")
    acc = lock_accounts([account.pk])[account.pk]
    if acc.status != Account.Status.OPEN:
        raise StateError(_("Ledger account %(a)s is closed.") % {"a": acc.code}, code="account_closed")
    available = acc.balance - acc.held
    if partial:
        amount = min(amount, available)
        if amount <= 0:
            raise StateError(_("There is no available balance to hold."), code="nothing_available")
    elif amount > available:
        raise StateError(_("Only %(v)s is available; %(n)s cannot be held.")
                         % {"v": format_yuan(available), "n": format_yuan(amount)}, code="insufficient_funds")
    hold = Hold.objects.create(account=acc, amount=amount, kind=kind, reference=reference, created_on=today(),
                               actor=actor if getattr(actor, "pk", None) else None)
    Account.objects.filter(pk=acc.pk).update(held=acc.held + amount)
    audit.record(actor=actor, action="ledger.hold.place", obj=hold, after={"amount": amount, "kind": kind,
                                                                          "reference": reference})
    return hold


@transaction.atomic
def release_hold(*, hold: Hold, actor) -> Hold:
    hold = Hold.objects.select_for_update().get(pk=hold.pk)
    acc = lock_accounts([hold.account_id])[hold.account_id]
    if hold.status != Hold.Status.ACTIVE:
        raise StateError(_("This hold is no longer active."), code="hold_not_active")
    hold.status = Hold.Status.RELEASED
    hold.released_on = today()
    hold.save(update_fields=["status", "released_on"])
    Account.objects.filter(pk=acc.pk).update(held=acc.held - hold.amount)
    audit.record(actor=actor, action="ledger.hold.release", obj=hold, before={"amount": hold.amount})
    return hold
