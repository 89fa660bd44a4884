"""Bank statements: import (rows or CSV) with the bank's closing balance, the second finance person's
confirmation, lock and book a receipt, book an unmatched receipt to suspense."""

import datetime
import hashlib
import json

from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core import audit, bounds, roles, tabular
from core.actors import is_system
from core.errors import Forbidden, InvalidInput, StateError
from core.translatable import StoredText
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
    tabular.Column("bank_reference", "银行流水号", "bank_reference", max_length=60,
                   aliases=("交易流水号", "流水号", "交易流水", "业务流水号", "交易序号", "流水编号")),
    tabular.Column("value_date", "交易日期", "value_date", max_length=40,
                   aliases=("记账日期", "入账日期", "交易时间", "日期", "记账时间")),
    tabular.Column("direction", "借贷方向", "direction", required=False, max_length=10,
                   aliases=("借贷标志", "借贷", "收支方向", "收支标志", "方向")),
    tabular.Column("amount", "金额", "amount", required=False, max_length=40, aliases=("交易金额", "发生额")),
    # Banks' own exports: money out and money in in two columns (借方 = out of the center's account, 贷方 = in).
    tabular.Column("debit_amount", "借方发生额", "debit_amount", required=False, max_length=40,
                   aliases=("借方金额", "支出金额", "支出", "付款金额", "借方")),
    tabular.Column("credit_amount", "贷方发生额", "credit_amount", required=False, max_length=40,
                   aliases=("贷方金额", "收入金额", "收入", "收款金额", "贷方")),
    tabular.Column("counterparty_name", "对方户名", "counterparty_name", required=False, max_length=200,
                   aliases=("对方账户名称", "对方名称", "对方单位", "对方户名称", "收/付方名称", "对方账户名")),
    tabular.Column("counterparty_account", "对方账号", "counterparty_account", required=False, max_length=80,
                   aliases=("对方账户", "对方账户账号", "收/付方账号", "对方卡号")),
    tabular.Column("remark", "摘要", "remark", required=False, max_length=500,
                   aliases=("附言", "用途", "备注", "交易附言", "交易摘要")),
]
STATEMENT_COLUMN = {c.key: c for c in STATEMENT_COLUMNS}
# How banks write the direction of a line: money in (贷, 收) or out (借, 支).
DIRECTIONS = {"C": "C", "CR": "C", "贷": "C", "贷方": "C", "收": "C", "收入": "C", "入": "C", "来账": "C",
              "D": "D", "DR": "D", "借": "D", "借方": "D", "支": "D", "支出": "D", "出": "D", "往账": "D"}
# Summary lines under a bank export's lines (合计, 本页合计, 总计 …): not transactions, skipped.
SUMMARY_WORDS = ("合计", "总计", "小计", "累计", "本页", "共计")
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d", "%Y年%m月%d日")


def statement_date(text) -> datetime.date:
    """A bank's transaction date: 2026-11-15, 2026/11/15, 20261115, 2026.11.15 or 2026年11月15日, with or
    without a time after it."""
    text = str(text or "").strip()
    if len(text) > 40:
        raise ValueError(text)
    day = text.replace("T", " ").split(" ")[0] if not text.endswith("日") else text
    if "年" in text and "日" in text:
        day = text[:text.index("日") + 1]
    for fmt in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(day, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def _amount(text):
    """An amount as banks write it (thousands separators, a ¥ sign, spaces); None for an empty or zero cell."""
    text = str(text or "").strip().replace(",", "").replace("，", "").replace("¥", "").replace("￥", "")
    text = text.replace(" ", "")
    if text in ("", "-", "--"):
        return None
    money = bounds.money(text)
    return money if money > 0 else None


def _is_summary(row) -> bool:
    first = f"{row.get('bank_reference') or ''}{row.get('value_date') or ''}"
    return any(word in first for word in SUMMARY_WORDS)


def _direction_and_amount(table, row):
    """(direction, amount) from the amount and direction columns, or from the two columns of money out and in."""
    i = row.number
    bad_amount = _("must be a positive number with at most two decimals")
    found, refused = {}, set()
    for key in ("amount", "debit_amount", "credit_amount"):
        try:
            found[key] = _amount(row.get(key))
        except InvalidInput as exc:
            found[key] = None
            refused.add(key)
            table.error(i, STATEMENT_COLUMN[key], exc.message if exc.code == "too_large" else bad_amount)
    if found["debit_amount"] or found["credit_amount"] or refused & {"debit_amount", "credit_amount"}:
        if found["debit_amount"] and found["credit_amount"]:
            table.error(i, STATEMENT_COLUMN["credit_amount"], _("a line has either money out or money in, not both"))
            return None, None
        return ("D", found["debit_amount"]) if found["debit_amount"] else ("C", found["credit_amount"])
    side = DIRECTIONS.get((row.get("direction") or "").strip().upper())
    if side is None:
        table.error(i, STATEMENT_COLUMN["direction"], _("must be C (money in) or D (money out)"))
    if found["amount"] is None and "amount" not in refused:
        table.error(i, STATEMENT_COLUMN["amount"], bad_amount)
    return side, found["amount"]


def _parse_statement_row(table, row):
    i = row.number
    ref = (row["bank_reference"] or "").strip()
    if not ref:
        table.error(i, STATEMENT_COLUMN["bank_reference"], _("the bank serial number is missing"))
    try:
        date = statement_date(row["value_date"])
    except ValueError:
        date = None
        table.error(i, STATEMENT_COLUMN["value_date"], _("must be a date written YYYY-MM-DD"))
    else:
        try:
            bounds.date(date)
        except InvalidInput as exc:
            date = None
            table.error(i, STATEMENT_COLUMN["value_date"], exc.message)
    side, money = _direction_and_amount(table, row)
    return dict(bank_reference=ref, value_date=date, direction=side or "", amount=money,
                counterparty_name=(row["counterparty_name"] or "").strip()[:120],
                counterparty_account=(row["counterparty_account"] or "").strip()[:40],
                remark=(row["remark"] or "").strip()[:200])


def _check_amount_columns(table):
    """A file gives each line's amount either as 金额 with 借贷方向, or as 借方发生额/贷方发生额 (收入/支出)."""
    has = set(table.headers)
    if {"amount", "direction"} <= has or has & {"debit_amount", "credit_amount"}:
        return
    msg = _("The file lacks the amount columns: either 金额 (amount) with 借贷方向 (direction), or 借方发生额 and "
            "贷方发生额 (支出金额 and 收入金额).")
    raise InvalidInput(msg, code="columns")


def parse_closing_balance(value):
    """The bank's closing balance of a statement: money within the bounds of :mod:`core.bounds` (may be negative)."""
    try:
        if value is None or isinstance(value, float):
            raise InvalidInput("", code="bad_closing_balance")
        return bounds.money(value, negative=True)
    except InvalidInput as exc:
        msg = _("Enter the bank's closing balance of the statement in yuan, with at most two decimals.")
        raise InvalidInput(msg, code="bad_closing_balance", fields={"closing_balance": [msg]}) from exc


def _rows_sha256(parsed, closing_balance):
    """The SHA-256 of lines received as data (the API): their canonical JSON with the closing balance."""
    body = json.dumps({"closing_balance": str(closing_balance),
                       "lines": [{k: str(v) for k, v in p.items()} for p in parsed]}, sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()


# A background import reports its progress every so many rows parsed (:mod:`ledger.services.statement_imports`).
PROGRESS_EVERY = 500


def parse_statement(rows, *, progress=None) -> list:
    """Check and parse statement rows (dicts by the keys of STATEMENT_COLUMNS, or a ``tabular.Table``); summary
    lines are skipped. Raises ``tabular.RowsInvalid`` listing every bad row; writes nothing. ``progress(n)``, if
    given, is told every ``PROGRESS_EVERY`` rows how many are parsed."""
    table = rows if isinstance(rows, tabular.Table) else tabular.from_records(rows, columns=STATEMENT_COLUMNS)
    parsed = []
    for n, row in enumerate(table.rows, start=1):
        if progress is not None and n % PROGRESS_EVERY == 0:
            progress(n)
        if not _is_summary(row):
            parsed.append(_parse_statement_row(table, row))
    table.raise_errors(code="bad_statement")
    return parsed


@transaction.atomic
def import_statement(*, bank_account: BankAccount, rows, closing_balance, actor, file_sha256=None) -> list:
    """Import statement lines (dicts by the keys of STATEMENT_COLUMNS, or a ``tabular.Table`` read from a
    file) with the bank's closing balance after them. All rows valid, or nothing is imported. Lines whose
    serial number is already known are skipped, so a re-import is harmless.

    The import is recorded as a :class:`BankStatement` (who, the file's SHA-256, the closing balance). Through
    the bank's channel (a bank client, or the system's bank feed) its lines are usable at once; imported by
    finance staff, they wait for a second finance person (:func:`confirm_statement`)."""
    roles.require_role(actor, *IMPORT_ROLES)
    closing = parse_closing_balance(closing_balance)
    parsed = parse_statement(rows)
    return store_lines(bank_account=bank_account, parsed=parsed, closing=closing, actor=actor,
                       file_sha256=file_sha256)[1]


def store_lines(*, bank_account: BankAccount, parsed, closing, actor, file_sha256=None) -> tuple:
    """Record the statement and its new lines from rows :func:`parse_statement` accepted (inside the caller's
    transaction). -> (statement, the lines created)"""
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
    return statement, created


def read_statement_file(data, *, filename=None) -> tabular.Table:
    """A statement file's rows (CSV or XLSX bytes), with its amount columns checked; a file that cannot be read
    is refused here."""
    table = tabular.read(data, columns=STATEMENT_COLUMNS, filename=filename,
                         text_extensions=tabular.BANK_TEXT_EXTENSIONS)
    _check_amount_columns(table)
    return table


def import_statement_file(*, bank_account: BankAccount, file, closing_balance, actor):
    """Import a statement file (CSV or XLSX, bytes or a file object; the columns of STATEMENT_COLUMNS under
    their English or Chinese headers, or the headers banks export: 交易日期, 交易流水号, 借方发生额/贷方发生额 or
    收入金额/支出金额, 对方户名, 对方账号, 摘要, with title lines above them); its SHA-256 is recorded."""
    roles.require_role(actor, *IMPORT_ROLES)
    closing = parse_closing_balance(closing_balance)
    data = file if isinstance(file, bytes) else file.read(tabular.MAX_BYTES + 1)
    table = read_statement_file(data, filename=getattr(file, "name", None))
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
        memo=StoredText(gettext_noop("Unallocated receipt %(r)s %(n)s"), r=line.bank_reference,
                        n=line.counterparty_name),
        actor=actor, idempotency_key=f"statement:{line.pk}", business_date=line.value_date, business_type="01",
        source=f"statement:{line.pk}",
    )
    return mark_booked(line, entry, BankStatementLine.Match.SUSPENSE)
