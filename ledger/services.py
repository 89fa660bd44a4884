"""Ledger writes other than posting itself: sub-accounts, holds, bank accounts, instructions and statements."""

import csv
import datetime
import io
import uuid

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from core import audit, roles
from core.business_date import today
from core.errors import InvalidInput, StateError
from core.money import FEN, ZERO, format_yuan, to_decimal
from ledger import chart
from ledger.models import Account, BankAccount, BankInstruction, BankStatementLine, Hold
from ledger.posting import credit, debit, lock_accounts, post, reverse

# Who may import bank statements and book them: finance, counter staff, and banks through the API.
STATEMENT_ROLES = (roles.FINANCE, roles.BANK_CLIENT, *roles.ACCOUNT_WRITE_ROLES)


def open_sub_account(*, parent_code, code, name, role, opened_on=None) -> Account:
    parent = Account.objects.get(code=parent_code)
    return Account.objects.create(code=code, name=name[:120], kind=parent.kind, role=role, parent=parent,
                                  opened_on=opened_on or today())


@transaction.atomic
def close_account(*, account: Account, actor=None) -> Account:
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


@transaction.atomic
def place_hold(*, account: Account, amount, kind, reference, actor=None, partial=False) -> Hold:
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
def release_hold(*, hold: Hold, actor=None) -> Hold:
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


@transaction.atomic
def create_bank_account(*, bank, number, name, purpose=BankAccount.Purpose.DEPOSIT, opening_balance=0,
                        actor=None) -> BankAccount:
    ledger_account = open_sub_account(parent_code=chart.BANK_DEPOSITS, code=f"{chart.BANK_DEPOSITS}-{number}",
                                      name=f"{name} {number}", role=Account.Role.BANK)
    bank_account = BankAccount.objects.create(bank=bank, number=number, name=name, purpose=purpose,
                                              ledger_account=ledger_account,
                                              opening_balance=to_decimal(opening_balance))
    audit.record(actor=actor, action="ledger.bank_account.create", obj=bank_account,
                 after={"bank": bank, "number": number})
    return bank_account


def default_bank_account(purpose=BankAccount.Purpose.DEPOSIT) -> BankAccount:
    bank_account = BankAccount.objects.filter(purpose=purpose).select_related("ledger_account").order_by("pk").first()
    if bank_account is None:
        raise StateError(_("No bank account of the center is set up for this purpose."), code="no_bank_account")
    return bank_account


@transaction.atomic
def create_payment(*, from_account: Account, amount, bank_account: BankAccount, payee_name, payee_account,
                   payee_bank="", purpose, actor=None, idempotency_key=None, source="", business_type="",
                   consume_holds=()) -> BankInstruction:
    """Pay money out of the center: debit ``from_account``, credit the bank, and queue the bank instruction."""
    amount = to_decimal(amount)
    if idempotency_key:
        existing = BankInstruction.objects.filter(entry__idempotency_key=idempotency_key).first()
        if existing:
            return existing
    entry = post(lines=[debit(from_account, amount, purpose), credit(bank_account.ledger_account, amount, purpose)],
                 memo=purpose, actor=actor, idempotency_key=idempotency_key, source=source,
                 business_type=business_type, consume_holds=consume_holds)
    instruction = BankInstruction.objects.create(
        reference=f"PAY{uuid.uuid4().hex[:20].upper()}", bank_account=bank_account, amount=amount,
        payee_name=payee_name, payee_account=payee_account, payee_bank=payee_bank, purpose=purpose,
        entry=entry, created_on=entry.business_date, source=source,
    )
    audit.record(actor=actor, action="ledger.payment.create", obj=instruction,
                 after={"amount": amount, "payee": payee_name})
    return instruction


BATCH_PAYEE = "BATCH"  # the payee account of a batch instruction: the payees are on the business records


@transaction.atomic
def record_batch_payment(*, entry, bank_account: BankAccount, amount, count, reference, purpose, source="",
                         actor=None) -> BankInstruction:
    """One batch payment order (批量代付) for an entry already posted through the posting service that credits
    ``bank_account`` with ``amount`` (e.g. a chunk of standing withdrawals, each case keeping its payee)."""
    credited = entry.lines.filter(account=bank_account.ledger_account, side="C").aggregate(s=Sum("amount"))["s"]
    if credited != to_decimal(amount):
        raise InvalidInput(_("The batch amount does not equal what the entry pays out of the bank."))
    instruction = BankInstruction.objects.create(
        reference=reference, bank_account=bank_account, amount=amount,
        payee_name=_("Batch payment: %(n)d payees") % {"n": count}, payee_account=BATCH_PAYEE, purpose=purpose[:120],
        entry=entry, created_on=entry.business_date, source=source)
    audit.record(actor=actor, action="ledger.payment.batch", obj=instruction, after={"amount": amount, "count": count})
    return instruction


@transaction.atomic
def settle_instruction(*, instruction: BankInstruction, bank_reference, value_date=None, actor=None, paid=None):
    """The bank paid: record its statement line and mark the instruction settled. ``paid``: for a batch the bank
    paid only in part, what left the account (the caller posts the rest back where it came from)."""
    instruction = BankInstruction.objects.select_for_update().get(pk=instruction.pk)
    if instruction.status != BankInstruction.Status.PENDING:
        raise StateError(_("Instruction %(r)s is not pending.") % {"r": instruction.reference})
    paid = instruction.amount if paid is None else to_decimal(paid)
    if not ZERO < paid <= instruction.amount:
        raise InvalidInput(_("The amount paid must be more than zero and at most the instruction's %(a)s.")
                           % {"a": instruction.amount}, code="bad_amount")
    line = BankStatementLine.objects.create(
        bank_account=instruction.bank_account, bank_reference=bank_reference, value_date=value_date or today(),
        direction=BankStatementLine.Direction.DEBIT, amount=paid,
        counterparty_name=instruction.payee_name, counterparty_account=instruction.payee_account,
        remark=instruction.reference, match_status=BankStatementLine.Match.BOOKED, entry=instruction.entry,
        instruction=instruction,
    )
    instruction.status = BankInstruction.Status.SETTLED
    instruction.settled_on = line.value_date
    instruction.save(update_fields=["status", "settled_on"])
    audit.record(actor=actor, action="ledger.payment.settle", obj=instruction, after={"bank_reference": bank_reference})
    return instruction


@transaction.atomic
def fail_instruction(*, instruction: BankInstruction, reason, actor=None):
    """The bank refused the payment: reverse the posting so the money is back where it was."""
    instruction = BankInstruction.objects.select_for_update().get(pk=instruction.pk)
    if instruction.status != BankInstruction.Status.PENDING:
        raise StateError(_("Instruction %(r)s is not pending.") % {"r": instruction.reference})
    reverse(entry=instruction.entry, actor=actor, memo=_("Payment failed: %(r)s") % {"r": reason})
    instruction.status = BankInstruction.Status.FAILED
    instruction.failure_reason = reason[:200]
    instruction.save(update_fields=["status", "failure_reason"])
    audit.record(actor=actor, action="ledger.payment.fail", obj=instruction, after={"reason": reason})
    return instruction


def simulate_bank(*, fail_accounts=(), actor=None):
    """The demo's bank: settles every pending instruction, failing those paid to ``fail_accounts``.
    Each instruction is settled in its own transaction. Returns (settled, failed)."""
    settled = failed = 0
    for instruction in BankInstruction.objects.filter(status=BankInstruction.Status.PENDING).order_by("pk"):
        if instruction.payee_account in fail_accounts:
            fail_instruction(instruction=instruction, reason=_("The payee account does not exist."), actor=actor)
            failed += 1
        else:
            settle_instruction(instruction=instruction, bank_reference=f"SIM{instruction.pk:012d}", actor=actor)
            settled += 1
    return settled, failed


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
def import_statement(*, bank_account: BankAccount, rows, actor=None):
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


def import_statement_csv(*, bank_account: BankAccount, file_bytes: bytes, actor=None):
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
def book_to_suspense(*, line: BankStatementLine, actor=None, suspense: Account | None = None):
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
