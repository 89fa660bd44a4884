"""Bank statements: import (rows or CSV), lock and book a receipt, book an unmatched receipt to suspense."""

import datetime

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core import audit, bounds, roles, tabular
from core.errors import InvalidInput, StateError
from ledger import chart
from ledger.models import Account, BankAccount, BankStatementLine
from ledger.posting import credit, debit, post

# Who may import bank statements and book them: finance, counter staff, and banks through the API.
STATEMENT_ROLES = (roles.FINANCE, roles.BANK_CLIENT, *roles.ACCOUNT_WRITE_ROLES)


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


@transaction.atomic
def import_statement(*, bank_account: BankAccount, rows, actor):
    """Import statement lines (dicts by the keys of STATEMENT_COLUMNS, or a ``tabular.Table`` read from a
    file). All rows valid, or nothing is imported. Lines whose serial number is already known are skipped, so
    a re-import is harmless."""
    roles.require_role(actor, *STATEMENT_ROLES)
    table = rows if isinstance(rows, tabular.Table) else tabular.from_records(rows, columns=STATEMENT_COLUMNS)
    parsed = [_parse_statement_row(table, row) for row in table.rows]
    table.raise_errors(code="bad_statement")
    known = set(BankStatementLine.objects.filter(
        bank_account=bank_account, bank_reference__in=[p["bank_reference"] for p in parsed]
    ).values_list("bank_reference", flat=True))
    new = [BankStatementLine(bank_account=bank_account, **p) for p in parsed if p["bank_reference"] not in known]
    try:
        created = BankStatementLine.objects.bulk_create(new)
    except IntegrityError as exc:
        raise InvalidInput(_("The file contains the same bank serial number twice."), code="duplicate_ref") from exc
    audit.record(actor=actor, action="ledger.statement.import", obj=bank_account,
                 after={"imported": len(created), "skipped": len(parsed) - len(created)})
    return created


def import_statement_file(*, bank_account: BankAccount, file, actor):
    """Import a statement file (CSV or XLSX, bytes or a file object; the columns of STATEMENT_COLUMNS under
    their English or Chinese headers)."""
    roles.require_role(actor, *STATEMENT_ROLES)
    table = tabular.read(file, columns=STATEMENT_COLUMNS)
    return import_statement(bank_account=bank_account, rows=table, actor=actor)


def lock_receipt(line: BankStatementLine) -> BankStatementLine:
    """Lock an incoming statement line that is not booked yet (money received, waiting to be used), or refuse.
    Whoever uses it posts it and then calls :func:`mark_booked` in the same transaction."""
    line = BankStatementLine.objects.select_for_update(of=("self",)).select_related("bank_account").get(pk=line.pk)
    if line.match_status != BankStatementLine.Match.UNMATCHED:
        raise StateError(_("This statement line has already been booked."), code="already_booked")
    if line.direction != BankStatementLine.Direction.CREDIT:
        raise StateError(_("This bank line is already booked or is not money received."), code="not_incoming")
    return line


def mark_booked(line: BankStatementLine, entry, status=BankStatementLine.Match.BOOKED):
    line.match_status, line.entry = status, entry
    line.save(update_fields=["match_status", "entry"])
    return line


@transaction.atomic
def book_to_suspense(*, line: BankStatementLine, actor, suspense: Account | None = None):
    """Book an unmatched incoming statement line: debit the bank, credit suspense (暂收未分摊)."""
    roles.require_role(actor, *STATEMENT_ROLES)
    line = lock_receipt(line)
    suspense = suspense or Account.objects.get(code=chart.GENERAL_SUSPENSE)
    entry = post(
        lines=[debit(line.bank_account.ledger_account, line.amount), credit(suspense, line.amount)],
        memo=_("Unallocated receipt %(r)s %(n)s") % {"r": line.bank_reference, "n": line.counterparty_name},
        actor=actor, idempotency_key=f"statement:{line.pk}", business_date=line.value_date, business_type="01",
        source=f"statement:{line.pk}",
    )
    return mark_booked(line, entry, BankStatementLine.Match.SUSPENSE)
