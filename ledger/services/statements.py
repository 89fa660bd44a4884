"""Bank statements: import (rows or CSV), lock and book a receipt, book an unmatched receipt to suspense."""

import csv
import datetime
import io

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core import audit, roles
from core.errors import InvalidInput, StateError
from core.money import FEN, to_decimal
from ledger import chart
from ledger.models import Account, BankAccount, BankStatementLine
from ledger.posting import credit, debit, post

# Who may import bank statements and book them: finance, counter staff, and banks through the API.
STATEMENT_ROLES = (roles.FINANCE, roles.BANK_CLIENT, *roles.ACCOUNT_WRITE_ROLES)


STATEMENT_COLUMNS = ["bank_reference", "value_date", "direction", "amount", "counterparty_name",
                     "counterparty_account", "remark"]


def _parse_statement_row(row, rownum):
    errors = []
    ref = (row.get("bank_reference") or "").strip()
    if not ref:
        errors.append(_("row %(r)d: the bank serial number is missing") % {"r": rownum})
    try:
        value_date = datetime.date.fromisoformat((row.get("value_date") or "").strip())
    except ValueError:
        value_date = None
        errors.append(_("row %(r)d: the value date must be YYYY-MM-DD") % {"r": rownum})
    direction = (row.get("direction") or "").strip().upper()
    if direction not in ("C", "D"):
        errors.append(_("row %(r)d: the direction must be C (money in) or D (money out)") % {"r": rownum})
    try:
        amount = to_decimal(row.get("amount") or "")
        if amount <= 0 or amount != amount.quantize(FEN):
            raise ValueError
    except ValueError:
        amount = None
        errors.append(_("row %(r)d: the amount must be a positive number with at most two decimals") % {"r": rownum})
    return errors, dict(bank_reference=ref, value_date=value_date, direction=direction, amount=amount,
                        counterparty_name=(row.get("counterparty_name") or "").strip()[:120],
                        counterparty_account=(row.get("counterparty_account") or "").strip()[:40],
                        remark=(row.get("remark") or "").strip()[:200])


@transaction.atomic
def import_statement(*, bank_account: BankAccount, rows, actor):
    """Import statement lines (dicts with STATEMENT_COLUMNS). All rows valid, or nothing is imported.
    Lines whose serial number is already known are skipped, so a re-import is harmless."""
    roles.require_role(actor, *STATEMENT_ROLES)
    errors, parsed = [], []
    for i, row in enumerate(rows, start=2):
        row_errors, data = _parse_statement_row(row, i)
        errors += row_errors
        parsed.append(data)
    if errors:
        raise InvalidInput(errors[0], code="bad_statement", fields={"rows": errors})
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


def import_statement_csv(*, bank_account: BankAccount, file_bytes: bytes, actor):
    try:
        text = file_bytes.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = file_bytes.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise InvalidInput(_("The file is neither UTF-8 nor GB18030 text."), code="encoding") from exc
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in STATEMENT_COLUMNS[:4] if c not in (reader.fieldnames or [])]
    if missing:
        raise InvalidInput(_("The file lacks the column(s): %(c)s.") % {"c": ", ".join(missing)}, code="columns")
    return import_statement(bank_account=bank_account, rows=list(reader), actor=actor)


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
