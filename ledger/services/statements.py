"""Bank statements: import (rows or CSV) with the bank's closing balance, the second finance person's
confirmation, lock and book a receipt, book an unmatched receipt to suspense."""

import datetime
import hashlib
import json

from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core import audit, bounds, roles, tabular
from core.actors import is_system
from core.errors import Forbidden, InvalidInput, StateError
from core.money import FEN, to_decimal
from ledger import chart
from ledger.models import Account, BankAccount, BankStatement, BankStatementLine
from ledger.posting import credit, debit, post

# Who may match and book statement lines: finance, counter staff, and banks through the API.
STATEMENT_ROLES = (roles.FINANCE, roles.BANK_CLIENT, *roles.ACCOUNT_WRITE_ROLES)
# Where statement lines come from: the bank's own channel (its API credentials, or the system's bank feed), or a
# file finance imports (which a second finance person confirms). Counter staff never bring bank lines in.
IMPORT_ROLES = (roles.FINANCE, roles.BANK_CLIENT)
# Who confirms a file another finance person imported.
CONFIRM_ROLES = (roles.FINANCE,)


STATEMENT_COLUMNS = [
    tabular.Column("bank_reference", "银行流水号", "bank_reference", max_length=60),
    tabular.Column("value_date", "交易日期", "value_date", max_length=40),
    tabular.Column("direction", "借贷方向", "direction", max_length=10),
    tabular.Column("amount", "金额", "amount", max_length=40),
    tabular.Column("counterparty_name", "对方户名", "counterparty_name", required=False, max_length=200),
    tabular.Column("counterparty_account", "对方账号", "counterparty_account", required=False, max_length=80),
    tabular.Column("remark", "摘要", "remark", required=False, max_length=500),
]


def _parse_statement_row(table, row):
    bank_reference, value_date, direction, amount = STATEMENT_COLUMNS[:4]
    i = row.number
    ref = (row["bank_reference"] or "").strip()
    if not ref:
        table.error(i, bank_reference, _("the bank serial number is missing"))
    try:
        date = datetime.date.fromisoformat((row["value_date"] or "").strip())
    except ValueError:
        date = None
        table.error(i, value_date, _("must be a date written YYYY-MM-DD"))
    else:
        try:
            bounds.date(date)
        except InvalidInput as exc:
            date = None
            table.error(i, value_date, exc.message)
    side = (row["direction"] or "").strip().upper()
    if side not in ("C", "D"):
        table.error(i, direction, _("must be C (money in) or D (money out)"))
    try:
        money = bounds.money(row["amount"] or "")
        if money <= 0:
            raise InvalidInput(_("must be a positive number with at most two decimals"))
    except InvalidInput as exc:
        money = None
        table.error(i, amount, exc.message if exc.code == "too_large" else
                    _("must be a positive number with at most two decimals"))
    return dict(bank_reference=ref, value_date=date, direction=side, amount=money,
                counterparty_name=(row["counterparty_name"] or "").strip()[:120],
                counterparty_account=(row["counterparty_account"] or "").strip()[:40],
                remark=(row["remark"] or "").strip()[:200])


def _closing_balance(value):
    try:
        amount = to_decimal(value)
    except (TypeError, ValueError, ArithmeticError):
        amount = None
    if amount is None or not amount.is_finite() or amount != amount.quantize(FEN) or abs(amount) >= 10**15:
        msg = _("Enter the bank's closing balance of the statement in yuan, with at most two decimals.")
        raise InvalidInput(msg, code="bad_closing_balance", fields={"closing_balance": [msg]})
    return amount


def _rows_sha256(parsed, closing_balance):
    """The SHA-256 of lines received as data (the API): their canonical JSON with the closing balance."""
    body = json.dumps({"closing_balance": str(closing_balance),
                       "lines": [{k: str(v) for k, v in p.items()} for p in parsed]}, sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()


@transaction.atomic
def import_statement(*, bank_account: BankAccount, rows, closing_balance, actor, file_sha256=None) -> list:
    """Import statement lines (dicts by the keys of STATEMENT_COLUMNS, or a ``tabular.Table`` read from a
    file) with the bank's closing balance after them. All rows valid, or nothing is imported. Lines whose
    serial number is already known are skipped, so a re-import is harmless.

    The import is recorded as a :class:`BankStatement` (who, the file's SHA-256, the closing balance). Through
    the bank's channel (a bank client, or the system's bank feed) its lines are usable at once; imported by
    finance staff, they wait for a second finance person (:func:`confirm_statement`)."""
    roles.require_role(actor, *IMPORT_ROLES)
    closing = _closing_balance(closing_balance)
    table = rows if isinstance(rows, tabular.Table) else tabular.from_records(rows, columns=STATEMENT_COLUMNS)
    parsed = [_parse_statement_row(table, row) for row in table.rows]
    table.raise_errors(code="bad_statement")
    # One import (or bank confirmation) of an account at a time: the closing balance covers the lines up to now.
    BankAccount.objects.select_for_update().filter(pk=bank_account.pk).first()
    known = set(BankStatementLine.objects.filter(
        bank_account=bank_account, bank_reference__in=[p["bank_reference"] for p in parsed]
    ).values_list("bank_reference", flat=True))
    from_bank = is_system(actor) or roles.has_role(actor, roles.BANK_CLIENT)
    statement = BankStatement.objects.create(
        bank_account=bank_account, imported_by=actor, closing_balance=closing,
        channel=BankStatement.Channel.BANK if from_bank else BankStatement.Channel.FILE,
        status=BankStatement.Status.CONFIRMED if from_bank else BankStatement.Status.PENDING,
        file_sha256=file_sha256 or _rows_sha256(parsed, closing))
    new = [BankStatementLine(bank_account=bank_account, statement=statement, **p)
           for p in parsed if p["bank_reference"] not in known]
    try:
        with transaction.atomic():
            created = BankStatementLine.objects.bulk_create(new)
    except IntegrityError as exc:
        raise InvalidInput(_("The file contains the same bank serial number twice."), code="duplicate_ref") from exc
    statement.line_count = len(created)
    statement.last_line_id = BankStatementLine.objects.filter(bank_account=bank_account).aggregate(
        m=Max("id"))["m"] or 0
    statement.save(update_fields=["line_count", "last_line_id"])
    audit.record(actor=actor, action="ledger.statement.import", obj=statement,
                 after={"bank_account": bank_account.number, "imported": len(created),
                        "skipped": len(parsed) - len(created), "closing_balance": closing,
                        "sha256": statement.file_sha256, "channel": statement.channel})
    return created


def import_statement_file(*, bank_account: BankAccount, file, closing_balance, actor):
    """Import a statement file (CSV or XLSX, bytes or a file object; the columns of STATEMENT_COLUMNS under
    their English or Chinese headers); its SHA-256 is recorded with the import."""
    roles.require_role(actor, *IMPORT_ROLES)
    closing = _closing_balance(closing_balance)
    data = file if isinstance(file, bytes) else file.read(tabular.MAX_BYTES + 1)
    table = tabular.read(data, columns=STATEMENT_COLUMNS, filename=getattr(file, "name", None))
    return import_statement(bank_account=bank_account, rows=table, closing_balance=closing, actor=actor,
                            file_sha256=hashlib.sha256(data).hexdigest())


@transaction.atomic
def confirm_statement(*, statement: BankStatement, actor) -> BankStatement:
    """A second finance person confirms a statement file another one imported: its lines may now be matched."""
    roles.require_role(actor, *CONFIRM_ROLES)
    statement = BankStatement.objects.select_for_update().get(pk=statement.pk)
    if statement.status != BankStatement.Status.PENDING:
        raise StateError(_("This statement is already confirmed."), code="already_confirmed")
    if statement.imported_by_id == getattr(actor, "pk", None):
        raise Forbidden(_("You imported this statement; another finance person must confirm it."),
                        code="same_person")
    statement.status = BankStatement.Status.CONFIRMED
    statement.confirmed_by = actor
    statement.confirmed_at = timezone.now()
    statement.save(update_fields=["status", "confirmed_by", "confirmed_at"])
    audit.record(actor=actor, action="ledger.statement.confirm", obj=statement,
                 after={"closing_balance": statement.closing_balance, "lines": statement.line_count})
    return statement


def receipts_usable_by(actor):
    """Incoming lines not booked yet that ``actor`` may match: from the bank's channel, or from a confirmed file
    ``actor`` did not import (the rule :func:`lock_receipt` applies to one line, as a queryset)."""
    return BankStatementLine.objects.filter(
        match_status=BankStatementLine.Match.UNMATCHED, direction=BankStatementLine.Direction.CREDIT,
    ).filter(Q(statement__isnull=True) | Q(statement__channel=BankStatement.Channel.BANK)
             | Q(statement__status=BankStatement.Status.CONFIRMED, statement__channel=BankStatement.Channel.FILE)
             & ~Q(statement__imported_by=getattr(actor, "pk", None)))


def lock_receipt(line: BankStatementLine, *, actor) -> BankStatementLine:
    """Lock an incoming statement line that is not booked yet (money received, waiting to be used), or refuse.
    Whoever uses it posts it and then calls :func:`mark_booked` in the same transaction. A line of a statement
    file still waiting for its second confirmation, or of a statement ``actor`` imported, is refused."""
    line = (BankStatementLine.objects.select_for_update(of=("self",)).select_related("bank_account", "statement")
            .get(pk=line.pk))
    if line.match_status != BankStatementLine.Match.UNMATCHED:
        raise StateError(_("This statement line has already been booked."), code="already_booked")
    if line.direction != BankStatementLine.Direction.CREDIT:
        raise StateError(_("This bank line is already booked or is not money received."), code="not_incoming")
    statement = line.statement
    if statement is not None and statement.status != BankStatement.Status.CONFIRMED:
        raise StateError(_("The statement of bank line %(r)s is waiting for a second finance person to confirm it.")
                         % {"r": line.bank_reference}, code="statement_not_confirmed")
    if (statement is not None and statement.channel == BankStatement.Channel.FILE
            and statement.imported_by_id == getattr(actor, "pk", None)):
        raise Forbidden(_("You imported the statement of bank line %(r)s; someone else must match it.")
                        % {"r": line.bank_reference}, code="same_person")
    return line


def mark_booked(line: BankStatementLine, entry, status=BankStatementLine.Match.BOOKED):
    line.match_status, line.entry = status, entry
    line.save(update_fields=["match_status", "entry"])
    return line


@transaction.atomic
def book_to_suspense(*, line: BankStatementLine, actor, suspense: Account | None = None):
    """Book an unmatched incoming statement line: debit the bank, credit suspense (暂收未分摊)."""
    roles.require_role(actor, *STATEMENT_ROLES)
    line = lock_receipt(line, actor=actor)
    suspense = suspense or Account.objects.get(code=chart.GENERAL_SUSPENSE)
    entry = post(
        lines=[debit(line.bank_account.ledger_account, line.amount), credit(suspense, line.amount)],
        memo=_("Unallocated receipt %(r)s %(n)s") % {"r": line.bank_reference, "n": line.counterparty_name},
        actor=actor, idempotency_key=f"statement:{line.pk}", business_date=line.value_date, business_type="01",
        source=f"statement:{line.pk}",
    )
    return mark_booked(line, entry, BankStatementLine.Match.SUSPENSE)
