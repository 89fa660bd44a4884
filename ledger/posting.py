"""The one posting service. Nothing else changes a ledger balance.

``post`` validates that debits equal credits; the database function ``ledger_post_entry`` (ledger/sql/posting.sql)
then locks the ledger accounts in primary-key order, re-checks their state under the lock (open? not a control
account? enough available balance?), writes the entry and its lines and updates the cached balances, in one
call. ``post_set`` (a batch: interest, remittances, standing withdrawals) calls the same function with lines
aggregated from a set in SQL, so both meet exactly the same refusals. An idempotency key makes a retried posting
return the first entry; the same key with other lines is a conflict.
"""

import hashlib
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.actors import require_actor
from core.business_date import today
from core.errors import Conflict, InsufficientFunds, InvalidInput, StateError
from core.money import FEN, format_yuan, to_decimal
from core.translatable import StoredText, message_json, message_of, to_json
from ledger.models import Account, Hold, JournalEntry, Side

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
    with connection.cursor() as cur:  # a plain query on the unique index: this runs on every keyed posting
        cur.execute("SELECT id, lines_hash FROM ledger_journalentry WHERE idempotency_key = %s", [idempotency_key])
        row = cur.fetchone()
    if row is None:
        return None
    if row[1] != digest:
        raise Conflict(
            _("The idempotency key %(k)s was already used for a different posting.") % {"k": idempotency_key},
            code="idempotency_conflict",
        )
    return JournalEntry.objects.get(pk=row[0])


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


def _refusal(kind, *, account_id=None, code="", balance=None, held=None, delta=None):
    """The error for a posting ``ledger_post_entry`` refused under the lock: unknown, closed, control,
    insufficient, negative."""
    if kind == "unknown":
        return InvalidInput(_("Unknown ledger account(s): %(ids)s.") % {"ids": [account_id]}, code="unknown_account")
    if kind == "closed":
        return StateError(_("Ledger account %(a)s is closed.") % {"a": code}, code="account_closed")
    if kind == "control":
        return StateError(_("Control account %(a)s takes no direct postings.") % {"a": code}, code="control_account")
    if kind == "insufficient":
        return InsufficientFunds(
            _("Account %(a)s: available balance %(v)s is less than %(n)s.")
            % {"a": code, "v": format_yuan(balance - held), "n": format_yuan(-delta)},
            fields={"amount": [_("Not enough available balance.")]})
    return InsufficientFunds(_("Account %(a)s would go below zero.") % {"a": code})


POST_ENTRY_SQL = ("SELECT * FROM ledger_post_entry(%s::date, %s, %s, %s, %s, %s, %s, %s::numeric, %s::bigint,"
                  " %s::bigint, %s, %s::bigint[], %s::text[], %s::numeric[], %s::text[], %s::jsonb, %s::jsonb[])")


def _post_entry(*, business_date, reversal_of, lines, check_available, **fields):
    """Post through ``ledger_post_entry``: lock, idempotency, checks and writes in one call, the busiest path of
    the system. It writes nothing when a check fails; the failure is raised here."""
    params = [business_date, settings.TIME_ZONE, fields["business_type"], fields["memo"], fields["source"],
              fields["idempotency_key"], fields["lines_hash"], fields["total"],
              reversal_of.pk if reversal_of is not None else None, fields["actor_id"], check_available,
              [ln.account_id for ln in lines], [str(ln.side) for ln in lines], [ln.amount for ln in lines],
              [ln.memo[:120] for ln in lines], to_json(fields["memo_message"]), _line_messages(lines, fields)]
    return _run_post_entry(POST_ENTRY_SQL, params, reversal_of=reversal_of, fields=fields)


def _line_messages(lines, fields):
    """The lines' own memo messages (JSON texts), or None when no line says more than the entry."""
    own = [message_json(ln.memo) if message_of(ln.memo) not in (None, fields["memo_message"]) else None
           for ln in lines]
    return own if any(own) else None


def _run_post_entry(sql, params, *, reversal_of, fields):
    """Run a statement returning the row of ``ledger_post_entry`` and turn its outcome into the entry or the
    application error."""
    try:
        with connection.cursor() as cur:
            cur.execute(sql, params)
            outcome, pk, bdate, posted_at, account_id, code, balance, held, delta = cur.fetchone()
    except DatabaseError:
        if connection.in_atomic_block:  # the caller's transaction is aborted: make Django refuse to go on in it
            transaction.set_rollback(True)
        raise
    if outcome == "posted":
        return JournalEntry(pk=pk, business_date=bdate, posted_at=posted_at, reversal_of=reversal_of, **fields)
    if outcome == "existing":
        return JournalEntry.objects.get(pk=pk)
    if outcome == "reversed":
        raise StateError(_("This entry has already been reversed."), code="already_reversed")
    if outcome == "conflict":
        raise Conflict(
            _("The idempotency key %(k)s was already used for a different posting.") % {"k": fields["idempotency_key"]},
            code="idempotency_conflict")
    raise _refusal(outcome, account_id=account_id, code=code, balance=balance, held=held, delta=delta)


def _consume_holds(accounts, hold_ids, business_date):
    holds = list(Hold.objects.select_for_update().filter(pk__in=list(hold_ids)))
    for hold in holds:
        if hold.status != Hold.Status.ACTIVE or hold.account_id not in accounts:
            raise StateError(_("Hold %(h)s is not active on an account of this entry.") % {"h": hold.pk})
    for hold in holds:
        accounts[hold.account_id].held -= hold.amount
    Hold.objects.filter(pk__in=[h.pk for h in holds]).update(
        status=Hold.Status.CONSUMED, released_on=business_date or today())
    for acc_id in {h.account_id for h in holds}:
        Account.objects.filter(pk=acc_id).update(held=accounts[acc_id].held)


def post(*, lines, memo, actor, idempotency_key=None, business_date=None, business_type="", source="",
         reversal_of=None, consume_holds=(), check_available=True):
    """Post a balanced journal entry and return it.

    ``consume_holds``: ids of holds on the posted accounts that this entry uses up (e.g. a court
    deduction against its freeze); they are released under the same lock before the balance check.

    Without holds to consume the posting is one statement: outside any transaction it is its own transaction
    (no BEGIN and COMMIT round trips); inside one it needs no savepoint, since a refused posting writes nothing
    and leaves the caller's transaction usable.
    """
    require_actor(actor)
    lines = list(lines)
    total = _check_lines(lines)
    digest = lines_hash(lines)
    idempotency_key = idempotency_key or None
    fields = {"memo": memo[:200], "memo_message": message_of(memo), "source": source[:80],
              "business_type": business_type, "idempotency_key": idempotency_key, "lines_hash": digest,
              "line_count": len(lines), "total": total,
              "actor_id": actor.pk if getattr(actor, "pk", None) else None}
    if not consume_holds:
        return _post_entry(business_date=business_date, reversal_of=reversal_of, lines=lines,
                        check_available=check_available, **fields)
    with transaction.atomic():
        accounts = lock_accounts(ln.account_id for ln in lines)
        if idempotency_key:  # checked under the locks, so a concurrent retry sees the first posting
            found = _existing(idempotency_key, digest)
            if found is not None:
                return found
        _consume_holds(accounts, consume_holds, business_date)
        # ledger_post_entry locks again (a no-op for rows this transaction holds) and checks with the holds consumed
        return _post_entry(business_date=business_date, reversal_of=reversal_of, lines=lines,
                        check_available=check_available, **fields)


@transaction.atomic
def reverse(*, entry, actor, memo=None, business_date=None):
    """Post the mirror of ``entry`` (冲正) and link the two. An entry is reversed at most once."""
    entry = JournalEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.reversal_of_id is not None:
        raise StateError(_("A reversal cannot itself be reversed; post a new entry instead."),
                         code="reverse_reversal")
    if JournalEntry.objects.filter(reversal_of=entry).exists():
        raise StateError(_("This entry has already been reversed."), code="already_reversed")
    mirror = [
        Line(ln.account_id, Side.CREDIT if ln.side == Side.DEBIT else Side.DEBIT, ln.amount,
             StoredText.kept(ln.memo, ln.memo_message))
        for ln in entry.lines.all()
    ]
    return post(
        lines=mirror, memo=memo or StoredText(gettext_noop("Reversal of entry #%(n)s"), n=entry.pk), actor=actor,
        idempotency_key=f"reversal:{entry.pk}", business_date=business_date, business_type=entry.business_type,
        source=entry.source, reversal_of=entry,
    )


# --- set-based posting -----------------------------------------------------------------------------

SET_TABLE = "ledger_post_set_lines"


def _opposite(side):
    if side not in (Side.DEBIT, Side.CREDIT):
        raise InvalidInput(_("A line must be a debit or a credit."), code="bad_side")
    return Side.CREDIT if side == Side.DEBIT else Side.DEBIT


@transaction.atomic
def post_set(*, memo, business_type, idempotency_key, business_date, counter_account_id, counter_side,
             select_sql=None, params=(), rows=None, lock_sql=None, lock_params=(), actor, source="",
             line_memo="", check_available=True):
    """Post ONE balanced entry whose lines come from a set: a batch posting (year-end interest, ...).

    The lines are the rows ``(account_id, amount)`` of ``select_sql`` (with ``params``), or ``rows`` given as
    Python pairs, all on the side opposite to ``counter_side``; one more line on ``counter_account_id`` takes
    their total. Returns the entry, or ``None`` when the set is empty (nothing is posted).

    The lines never travel through Python: the set is materialised once in a temporary table, and its lines,
    aggregated into arrays in SQL, go to ``ledger_post_entry``, the function behind :func:`post`. So a batch
    takes the same locks (primary-key order) and meets exactly the same refusals as a single posting, with the
    same ``check_available``: a closed or control account, an available balance (balance − active holds) too
    low, a balance below zero anywhere in the set refuses the whole entry. ``lock_sql`` (a SELECT of ledger
    account ids, with ``lock_params``) locks those accounts and the counter account *before* ``select_sql``
    runs, so amounts computed from the accounts' lines cannot be changed by a concurrent posting; every line
    must then be on a locked account.

    Idempotency is that of :func:`post`: the same key with the same lines returns the first entry; with
    other lines it is a conflict.
    """
    require_actor(actor)
    if not idempotency_key:
        raise InvalidInput(_("A set posting needs an idempotency key."), code="idempotency_key_required")
    if (select_sql is None) == (rows is None):
        raise InvalidInput(_("Give either a SELECT or rows for a set posting."), code="bad_set")
    side = _opposite(counter_side)
    bdate = business_date or today()
    if rows is not None:
        rows = list(rows)
        select_sql = "SELECT * FROM unnest(%s::bigint[], %s::numeric[]) AS t(account_id, amount)"
        params = [[int(a) for a, _m in rows], [to_decimal(m) for _a, m in rows]]
    with connection.cursor() as cur:
        # The statements below touch thousands of rows among millions, by primary key. Left to itself the
        # planner JIT-compiles them (their numeric aggregates look expensive), which costs more than running
        # them, and prefers scanning the whole account table to thousands of index lookups (random_page_cost
        # 4 assumes the pages are on a spinning disk). Both settings are restored at the end.
        cur.execute("SELECT current_setting('jit'), current_setting('random_page_cost'), "
                    "set_config('jit', 'off', true), set_config('random_page_cost', '1.1', true)")
        jit, page_cost = cur.fetchone()[:2]
        if lock_sql:
            cur.execute(f"SELECT id FROM ledger_account WHERE id IN (SELECT k.* FROM ({lock_sql}) AS k "
                        "UNION ALL SELECT %s) ORDER BY id FOR UPDATE", [*lock_params, counter_account_id])
        cur.execute(f"DROP TABLE IF EXISTS {SET_TABLE}")
        cur.execute(f"CREATE TEMPORARY TABLE {SET_TABLE} ON COMMIT DROP AS "
                    f"SELECT s.account_id::bigint AS account_id, s.amount::numeric AS amount "
                    f"FROM ({select_sql}) AS s(account_id, amount)", list(params))
        entry = _post_set_pg(cur, memo=memo, business_type=business_type, idempotency_key=idempotency_key,
                             business_date=bdate, counter_account_id=counter_account_id, side=side,
                             counter_side=counter_side, lock_sql=lock_sql, lock_params=lock_params, actor=actor,
                             source=source, line_memo=line_memo, check_available=check_available)
        # On an error the rollback of this atomic block removes the table with everything else.
        cur.execute(f"DROP TABLE {SET_TABLE}")
        cur.execute("SELECT set_config('jit', %s, true), set_config('random_page_cost', %s, true)", [jit, page_cost])
    return entry


def _set_digest(cur, side, counter_account_id, counter_side, total):
    """:func:`lines_hash` of the set's lines plus the counter line, computed in SQL."""
    cur.execute(
        "SELECT encode(sha256(convert_to(string_agg(s, E'\\n' ORDER BY s COLLATE \"C\"), 'UTF8')), 'hex') FROM ("
        f" SELECT account_id::text || '|' || %s || '|' || amount::numeric(18,2)::text AS s FROM {SET_TABLE}"
        " UNION ALL SELECT %s::bigint::text || '|' || %s || '|' || %s::numeric(18,2)::text) AS x",
        [side, counter_account_id, counter_side, total])
    return cur.fetchone()[0]


SET_POST_ENTRY_SQL = (
    "SELECT p.* FROM (SELECT array_agg(account_id ORDER BY account_id) || %s::bigint AS a,"
    " array_agg(%s::text) || %s::text AS s, array_agg(amount ORDER BY account_id) || %s::numeric AS m,"
    f" array_fill(%s::text, ARRAY[count(*)::int + 1]) AS t FROM {SET_TABLE}) AS x,"
    " LATERAL ledger_post_entry(%s::date, %s, %s, %s, %s, %s, %s, %s::numeric, NULL::bigint, %s::bigint, %s,"
    " x.a, x.s, x.m, x.t, %s::jsonb, NULL::jsonb[]) AS p")


def _post_set_pg(cur, *, memo, business_type, idempotency_key, business_date, counter_account_id, side,
                 counter_side, lock_sql, lock_params, actor, source, line_memo, check_available):
    cur.execute(f"ANALYZE {SET_TABLE}")
    cur.execute(
        f"SELECT count(*), COALESCE(sum(amount), 0), "
        f"count(*) FILTER (WHERE account_id IS NULL OR amount IS NULL OR amount <= 0 OR amount <> round(amount, 2)) "
        f"FROM {SET_TABLE}")
    count, total, bad = cur.fetchone()
    if bad:
        raise InvalidInput(_("Every line amount must be greater than zero, in yuan with at most two decimal places."),
                           code="bad_amount")
    digest = _set_digest(cur, side, counter_account_id, counter_side, total) if count else ""
    found = _existing(idempotency_key, digest)
    if found is not None:
        return found
    if not count:
        return None
    if lock_sql:
        cur.execute(f"SELECT count(*) FROM {SET_TABLE} t WHERE t.account_id NOT IN (SELECT k.* FROM ({lock_sql}) AS k)",
                    list(lock_params))
        if cur.fetchone()[0]:
            raise InvalidInput(_("A line of the set is on an account that was not locked."), code="unlocked_account")
    fields = {"memo": memo[:200], "memo_message": message_of(memo), "source": source[:80],
              "business_type": business_type, "idempotency_key": idempotency_key, "lines_hash": digest,
              "line_count": count + 1, "total": total,
              "actor_id": actor.pk if getattr(actor, "pk", None) else None}
    return _run_post_entry(SET_POST_ENTRY_SQL, [
        counter_account_id, side, counter_side, total, line_memo[:120],
        business_date, settings.TIME_ZONE, business_type, fields["memo"], fields["source"], idempotency_key, digest,
        total, fields["actor_id"], check_available, to_json(fields["memo_message"])], reversal_of=None, fields=fields)
