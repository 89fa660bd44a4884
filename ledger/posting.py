"""The one posting service. Nothing else changes a ledger balance.

``post`` validates that debits equal credits, locks the ledger accounts in primary-key order,
re-checks state under the lock (open? enough available balance?), writes the entry and its lines
with bulk inserts and updates the cached balances in one statement. An idempotency key makes a
retried posting return the first entry; the same key with other lines is a conflict.
"""

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from core.business_date import today
from core.errors import Conflict, InsufficientFunds, InvalidInput, StateError
from core.money import FEN, format_yuan, to_decimal
from ledger.models import Account, Hold, JournalEntry, JournalLine, Side

LINE_BATCH = 5000


@dataclass(frozen=True)
class Line:
    account_id: int
    side: str
    amount: Decimal
    memo: str = ""


def debit(account, amount, memo=""):
    return Line(getattr(account, "pk", account), Side.DEBIT, to_decimal(amount), memo)


def credit(account, amount, memo=""):
    return Line(getattr(account, "pk", account), Side.CREDIT, to_decimal(amount), memo)


def _check_lines(lines):
    if not lines:
        raise InvalidInput(_("A journal entry needs at least two lines."), code="empty_entry")
    total_d = total_c = Decimal(0)
    for line in lines:
        if line.side not in (Side.DEBIT, Side.CREDIT):
            raise InvalidInput(_("A line must be a debit or a credit."), code="bad_side")
        amount = line.amount
        if not isinstance(amount, Decimal) or not amount.is_finite():
            raise InvalidInput(_("An amount must be a decimal number."), code="bad_amount")
        if amount <= 0:
            raise InvalidInput(_("Every line amount must be greater than zero."), code="bad_amount")
        if amount != amount.quantize(FEN):
            raise InvalidInput(_("Amounts are in yuan with at most two decimal places."), code="bad_amount")
        if line.side == Side.DEBIT:
            total_d += amount
        else:
            total_c += amount
    if total_d != total_c:
        raise InvalidInput(
            _("The entry is unbalanced: debits %(d)s, credits %(c)s.") % {"d": format_yuan(total_d),
                                                                        "c": format_yuan(total_c)},
            code="unbalanced",
        )
    return total_d


def lines_hash(lines) -> str:
    canon = sorted(f"{ln.account_id}|{ln.side}|{ln.amount.quantize(FEN)}" for ln in lines)
    return hashlib.sha256("\n".join(canon).encode()).hexdigest()


def _existing(idempotency_key, digest):
    entry = JournalEntry.objects.filter(idempotency_key=idempotency_key).first()
    if entry is not None and entry.lines_hash != digest:
        raise Conflict(
            _("The idempotency key %(k)s was already used for a different posting.") % {"k": idempotency_key},
            code="idempotency_conflict",
        )
    return entry


def lock_accounts(account_ids):
    """Lock the rows in primary-key order (so concurrent postings cannot deadlock); return {id: Account}."""
    ids = sorted(set(account_ids))
    accounts = {}
    for start in range(0, len(ids), 10000):
        chunk = ids[start:start + 10000]
        for acc in Account.objects.select_for_update().filter(pk__in=chunk).order_by("pk"):
            accounts[acc.pk] = acc
    missing = set(ids) - set(accounts)
    if missing:
        raise InvalidInput(_("Unknown ledger account(s): %(ids)s.") % {"ids": sorted(missing)[:5]},
                           code="unknown_account")
    return accounts


def _apply_balances(deltas: dict, accounts: dict):
    """Write new balances: one UPDATE … FROM unnest() on PostgreSQL, bulk_update elsewhere."""
    if not deltas:
        return
    if connection.vendor == "postgresql":
        ids = list(deltas)
        amounts = [deltas[i] for i in ids]
        with connection.cursor() as cur:
            cur.execute(
                "UPDATE ledger_account AS a SET balance = a.balance + v.delta "
                "FROM unnest(%s::bigint[], %s::numeric[]) AS v(id, delta) WHERE a.id = v.id",
                [ids, amounts],
            )
    else:
        changed = []
        for acc_id, delta in deltas.items():
            acc = accounts[acc_id]
            changed.append(Account(pk=acc_id, balance=acc.balance + delta))
        Account.objects.bulk_update(changed, ["balance"], batch_size=500)
    for acc_id, delta in deltas.items():
        accounts[acc_id].balance += delta


@transaction.atomic
def post(*, lines, memo, actor=None, idempotency_key=None, business_date=None, business_type="", source="",
         reversal_of=None, consume_holds=(), check_available=True):
    """Post a balanced journal entry and return it.

    ``consume_holds``: ids of holds on the posted accounts that this entry uses up (e.g. a court
    deduction against its freeze); they are released under the same lock before the balance check.
    """
    lines = list(lines)
    total = _check_lines(lines)
    digest = lines_hash(lines)
    if idempotency_key:
        found = _existing(idempotency_key, digest)
        if found is not None:
            return found

    accounts = lock_accounts(ln.account_id for ln in lines)
    if idempotency_key:  # another transaction may have posted it while we waited for the locks
        found = _existing(idempotency_key, digest)
        if found is not None:
            return found

    deltas = defaultdict(Decimal)
    for ln in lines:
        acc = accounts[ln.account_id]
        sign = 1 if (ln.side == Side.DEBIT) == acc.debit_normal else -1
        deltas[ln.account_id] += sign * ln.amount

    if consume_holds:
        holds = list(Hold.objects.select_for_update().filter(pk__in=list(consume_holds)))
        for hold in holds:
            if hold.status != Hold.Status.ACTIVE or hold.account_id not in accounts:
                raise StateError(_("Hold %(h)s is not active on an account of this entry.") % {"h": hold.pk})
        for hold in holds:
            accounts[hold.account_id].held -= hold.amount
        Hold.objects.filter(pk__in=[h.pk for h in holds]).update(
            status=Hold.Status.CONSUMED, released_on=business_date or today())
        for acc_id in {h.account_id for h in holds}:
            Account.objects.filter(pk=acc_id).update(held=accounts[acc_id].held)

    for acc_id, delta in deltas.items():
        acc = accounts[acc_id]
        if acc.status != Account.Status.OPEN:
            raise StateError(_("Ledger account %(a)s is closed.") % {"a": acc.code}, code="account_closed")
        if acc.parent_id is None and acc.role == Account.Role.CONTROL:
            raise StateError(_("Control account %(a)s takes no direct postings.") % {"a": acc.code},
                             code="control_account")
        new_balance = acc.balance + delta
        if delta < 0 and not acc.allow_negative and check_available and new_balance < acc.held:
            raise InsufficientFunds(
                _("Account %(a)s: available balance %(v)s is less than %(n)s.")
                % {"a": acc.code, "v": format_yuan(acc.balance - acc.held), "n": format_yuan(-delta)},
                fields={"amount": [_("Not enough available balance.")]},
            )
        if new_balance < 0 and not acc.allow_negative:
            raise InsufficientFunds(_("Account %(a)s would go below zero.") % {"a": acc.code})

    bdate = business_date or today()
    try:
        with transaction.atomic():
            entry = JournalEntry.objects.create(
                business_date=bdate, memo=memo[:200], source=source[:80], business_type=business_type,
                idempotency_key=idempotency_key, lines_hash=digest, line_count=len(lines), total=total,
                reversal_of=reversal_of, actor=actor if getattr(actor, "pk", None) else None,
            )
    except IntegrityError as exc:
        if reversal_of is not None and JournalEntry.objects.filter(reversal_of=reversal_of).exists():
            raise StateError(_("This entry has already been reversed."), code="already_reversed") from exc
        raise Conflict(_("The idempotency key %(k)s was already used.") % {"k": idempotency_key},
                       code="idempotency_conflict") from exc
    JournalLine.objects.bulk_create(
        [JournalLine(entry=entry, account_id=ln.account_id, side=ln.side, amount=ln.amount, business_date=bdate,
                     memo=ln.memo[:120]) for ln in lines],
        batch_size=LINE_BATCH,
    )
    _apply_balances(dict(deltas), accounts)
    return entry


@transaction.atomic
def reverse(*, entry, actor=None, memo=None, business_date=None):
    """Post the mirror of ``entry`` (冲正) and link the two. An entry is reversed at most once."""
    entry = JournalEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.reversal_of_id is not None:
        raise StateError(_("A reversal cannot itself be reversed; post a new entry instead."),
                         code="reverse_reversal")
    if JournalEntry.objects.filter(reversal_of=entry).exists():
        raise StateError(_("This entry has already been reversed."), code="already_reversed")
    mirror = [
        Line(ln.account_id, Side.CREDIT if ln.side == Side.DEBIT else Side.DEBIT, ln.amount, ln.memo)
        for ln in entry.lines.all()
    ]
    return post(
        lines=mirror, memo=memo or _("Reversal of entry #%(n)s") % {"n": entry.pk}, actor=actor,
        idempotency_key=f"reversal:{entry.pk}", business_date=business_date, business_type=entry.business_type,
        source=entry.source, reversal_of=entry,
    )
