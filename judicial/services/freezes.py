"""Freezes (冻结), renewals (续冻), unfreezes (解除冻结), the waiting queue (轮候) and the daily expiry.

A freeze in force is a ledger hold (``ledger.models.Hold``, kind judicial): the posting service refuses any
posting that would take the available balance (balance − active holds) below zero, so withdrawals, loan
offsets and one-click repayments cannot touch frozen money, while the balance itself (and the interest on it)
is unchanged. Locks: the fund account's ledger account first, then the freezes by id.
"""

import datetime

from django.db import connection, transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from core import audit
from core.business_date import today
from core.money import ZERO
from judicial.models import Freeze, JudicialRequest
from judicial.services.common import lock_freezes
from ledger import services as ledger_services
from ledger.models import Account, Hold
from ledger.posting import lock_accounts

F = Freeze.State


class Refusal(Exception):
    """A request the checker's confirmation cannot carry out on current data: it is answered as refused."""

    def __init__(self, reason):
        self.reason = str(reason)
        super().__init__(self.reason)


def hold_reference(freeze_or_request) -> str:
    req = getattr(freeze_or_request, "request", freeze_or_request)
    return f"judicial:{req.court.code}:{req.number}"[:120]


def _sync_held(ledger_ids):
    """Set each account's cached held amount to the sum of its active holds (one statement)."""
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE ledger_account a SET held = COALESCE((SELECT sum(h.amount) FROM ledger_hold h "
            "WHERE h.account_id = a.id AND h.status = 'active'), 0) WHERE a.id = ANY(%s)", [list(ledger_ids)])


def _next_position(account_id) -> int:
    last = Freeze.objects.filter(account_id=account_id).order_by("-queue_position").values_list(
        "queue_position", flat=True).first()
    return (last or 0) + 1


def queue(account_id):
    """The account's live freezes in queue order: those in force, then the waiting ones."""
    return Freeze.objects.filter(account_id=account_id, state__in=Freeze.LIVE_STATES).select_related(
        "court", "request").order_by("queue_position")


def execute_freeze(req: JudicialRequest, actor) -> dict:
    """Freeze what the request asks, up to the available balance (部分冻结), or queue it behind the freezes in
    force (轮候冻结) when the money is already frozen or other freezes are waiting. Returns the answer."""
    account = req.account
    acc = lock_accounts([account.ledger_account_id])[account.ledger_account_id]
    if account.is_closed or acc.status != Account.Status.OPEN:
        raise Refusal(_("The account is closed; nothing can be frozen."))
    lock_freezes(Freeze.objects.filter(account=account, state__in=Freeze.LIVE_STATES))
    available = acc.balance - acc.held
    waiting_ahead = Freeze.objects.filter(account=account, state=F.WAITING).exists()
    freeze = Freeze(account=account, request=req, court=req.court, case_number=req.case_number,
                    amount_requested=req.amount, start_date=req.start_date, end_date=req.end_date,
                    queue_position=_next_position(account.pk))
    if available > 0 and not waiting_ahead:
        amount = min(req.amount, available)
        freeze.hold = ledger_services.place_hold(account=acc, amount=amount, kind=Hold.Kind.JUDICIAL,
                                                 reference=hold_reference(req), actor=actor)
        freeze.amount_frozen, freeze.state = amount, F.ACTIVE
    else:
        freeze.state = F.WAITING
    freeze.save()
    audit.record(actor=actor, action="judicial.freeze", obj=freeze,
                 after={"state": freeze.state, "frozen": freeze.amount_frozen, "position": freeze.queue_position})
    return {"state": freeze.state, "amount_frozen": str(freeze.amount_frozen),
            "partial": ZERO < freeze.amount_frozen < freeze.amount_requested,
            "queue_position": freeze.queue_position, "start_date": str(freeze.start_date),
            "end_date": str(freeze.end_date)}


def execute_renew(req: JudicialRequest, actor) -> dict:
    freeze = req.original_freeze
    lock_accounts([freeze.account.ledger_account_id])
    freeze = lock_freezes(Freeze.objects.filter(pk=freeze.pk))[0]
    if freeze.state not in Freeze.LIVE_STATES:
        raise Refusal(_("The freeze is no longer in force (%(s)s); it cannot be renewed.")
                      % {"s": freeze.get_state_display()})
    if freeze.end_date < today():
        raise Refusal(_("The freeze expired on %(d)s; a renewal must arrive before it expires.")
                      % {"d": freeze.end_date})
    before = freeze.end_date
    freeze.end_date = req.end_date
    freeze.save(update_fields=["end_date"])
    audit.record(actor=actor, action="judicial.renew", obj=freeze, before={"end_date": before},
                 after={"end_date": freeze.end_date})
    return {"state": freeze.state, "amount_frozen": str(freeze.amount_frozen), "end_date": str(freeze.end_date)}


def end_freezes(freezes, *, state, on, actor) -> list:
    """End live freezes (already locked): release their holds, record the state. Set-based for a chunk."""
    freezes = [f for f in freezes if f.state in Freeze.LIVE_STATES]
    if not freezes:
        return []
    hold_ids = [f.hold_id for f in freezes if f.state == F.ACTIVE and f.hold_id]
    holds = list(Hold.objects.select_for_update().filter(pk__in=hold_ids, status=Hold.Status.ACTIVE).order_by("pk"))
    for hold in holds:
        hold.status, hold.released_on = Hold.Status.RELEASED, on
    if holds:
        bulk_update_with_history(holds, Hold, ["status", "released_on"], default_user=_user(actor))
    for f in freezes:
        f.state, f.ended_on = state, on
    bulk_update_with_history(freezes, Freeze, ["state", "ended_on"], default_user=_user(actor))
    _sync_held({f.account.ledger_account_id for f in freezes})
    return freezes


def _user(actor):
    return actor if getattr(actor, "pk", None) else None


def activate_waiting(account_ids, *, on, actor) -> list:
    """Activate the waiting freezes of the accounts (their ledger accounts already locked) in queue order: each
    gets min(its amount, what is available now) until nothing is left. A waiting freeze past its end date
    expires instead. Its period runs from its activation (the length the authority asked for)."""
    waiting = lock_freezes(Freeze.objects.filter(account_id__in=list(account_ids), state=F.WAITING)
                           .select_related("account", "court", "request"))
    if not waiting:
        return []
    accounts = {a.pk: a for a in Account.objects.filter(
        pk__in={f.account.ledger_account_id for f in waiting})}
    available = {pk: a.balance - a.held for pk, a in accounts.items()}
    activated, expired, holds = [], [], []
    for f in sorted(waiting, key=lambda f: (f.account_id, f.queue_position)):
        if f.end_date < on:
            f.state, f.ended_on = F.EXPIRED, on
            expired.append(f)
            continue
        left = available[f.account.ledger_account_id]
        if left <= 0:
            continue
        amount = min(f.amount_requested, left)
        available[f.account.ledger_account_id] = left - amount
        length = f.end_date - f.start_date
        f.start_date, f.end_date = on, max(on + length, on)
        f.state, f.amount_frozen = F.ACTIVE, amount
        holds.append(Hold(account_id=f.account.ledger_account_id, amount=amount, kind=Hold.Kind.JUDICIAL,
                          reference=hold_reference(f), created_on=on, actor=_user(actor)))
        activated.append(f)
    if holds:
        holds = bulk_create_with_history(holds, Hold, default_user=_user(actor))
        for f, hold in zip(activated, holds, strict=True):
            f.hold = hold
        _sync_held({f.account.ledger_account_id for f in activated})
    changed = activated + expired
    if changed:
        bulk_update_with_history(changed, Freeze, ["state", "ended_on", "start_date", "end_date", "amount_frozen",
                                                   "hold"], default_user=_user(actor))
    return activated


def execute_unfreeze(req: JudicialRequest, actor) -> dict:
    freeze = req.original_freeze
    lock_accounts([freeze.account.ledger_account_id])
    freeze = lock_freezes(Freeze.objects.filter(pk=freeze.pk).select_related("account"))[0]
    if freeze.state not in Freeze.LIVE_STATES:
        raise Refusal(_("The freeze is no longer in force (%(s)s).") % {"s": freeze.get_state_display()})
    released = freeze.amount_frozen if freeze.state == F.ACTIVE else ZERO
    on = today()
    end_freezes([freeze], state=F.RELEASED, on=on, actor=actor)
    activated = activate_waiting([freeze.account_id], on=on, actor=actor)
    audit.record(actor=actor, action="judicial.unfreeze", obj=freeze,
                 after={"released": released, "activated": [f.pk for f in activated]})
    return {"state": F.RELEASED.value, "amount_released": str(released),
            "activated": [{"court": f.court.code, "case_number": f.case_number, "amount_frozen": str(f.amount_frozen)}
                          for f in activated]}


EXPIRY_CHUNK = 500


def expire_freezes(*, actor, on=None, chunk=EXPIRY_CHUNK) -> dict:
    """The daily job: every live freeze whose end date has passed (end_date < ``on``) expires, its hold is
    released and the waiting freezes of its account are activated in order. Chunks of accounts, each in its own
    transaction, in ledger-account order; running it again finds nothing to do (idempotent)."""
    on = on or today()
    done = {"expired": 0, "activated": 0, "accounts": 0}
    after = 0
    while True:
        with transaction.atomic():
            ledger_ids = list(
                Freeze.objects.filter(state__in=Freeze.LIVE_STATES, end_date__lt=on,
                                      account__ledger_account_id__gt=after)
                .order_by("account__ledger_account_id").values_list("account__ledger_account_id", flat=True)
                .distinct()[:chunk])
            if not ledger_ids:
                return done
            lock_accounts(ledger_ids)
            freezes = lock_freezes(Freeze.objects.filter(
                account__ledger_account_id__in=ledger_ids, state__in=Freeze.LIVE_STATES, end_date__lt=on)
                .select_related("account"))
            ended = end_freezes(freezes, state=F.EXPIRED, on=on, actor=actor)
            activated = activate_waiting({f.account_id for f in ended}, on=on, actor=actor)
            audit.record(actor=actor, action="judicial.expire", object_type="judicial.freeze",
                         after={"on": on, "expired": [f.pk for f in ended], "activated": [f.pk for f in activated]})
            done["expired"] += len(ended)
            done["activated"] += len(activated)
            done["accounts"] += len(ledger_ids)
            after = ledger_ids[-1]


def ends_on_or_before(day: datetime.date):
    """Live freezes ending on or before ``day`` (the workbench's expiring list)."""
    return Freeze.objects.filter(state__in=Freeze.LIVE_STATES, end_date__lte=day)
