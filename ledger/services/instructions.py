"""Bank instructions: money leaving the center (single and batch payments), their settlement and failure."""

import uuid

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core import audit
from core.business_date import today
from core.errors import InvalidInput, StateError
from core.money import ZERO, to_decimal
from core.translatable import StoredText
from ledger.models import Account, BankAccount, BankInstruction, BankStatementLine
from ledger.posting import credit, debit, post, reverse


@transaction.atomic
def create_payment(*, from_account: Account, amount, bank_account: BankAccount, payee_name, payee_account,
                   payee_bank="", purpose, actor, idempotency_key=None, source="", business_type="",
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
        payee_name=payee_name, payee_account=payee_account, payee_bank=payee_bank, purpose=purpose[:120],
        entry=entry, created_on=entry.business_date, source=source,
    )
    audit.record(actor=actor, action="ledger.payment.create", obj=instruction,
                 after={"amount": amount, "payee": payee_name})
    return instruction


BATCH_PAYEE = "BATCH"  # the payee account of a batch instruction: the payees are on the business records


@transaction.atomic
def record_batch_payment(*, entry, bank_account: BankAccount, amount, count, reference, purpose, source="",
                         actor) -> BankInstruction:
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
def settle_instruction(*, instruction: BankInstruction, bank_reference, value_date=None, actor, paid=None):
    """The bank paid: record its statement line and mark the instruction settled. ``paid``: for a batch the bank
    paid only in part, what left the account (the caller posts the rest back where it came from)."""
    instruction = BankInstruction.objects.select_for_update().get(pk=instruction.pk)
    if instruction.status != BankInstruction.Status.PENDING:
        raise StateError(_("Instruction %(r)s is not pending.") % {"r": instruction.reference})
    paid = instruction.amount if paid is None else to_decimal(paid)
    # The bank's confirmation is a line of the account's statement: serialised with statement imports, whose
    # closing balance covers every line written before them.
    BankAccount.objects.select_for_update().filter(pk=instruction.bank_account_id).first()
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
def fail_instruction(*, instruction: BankInstruction, reason, actor):
    """The bank refused the payment: reverse the posting so the money is back where it was."""
    instruction = BankInstruction.objects.select_for_update().get(pk=instruction.pk)
    if instruction.status != BankInstruction.Status.PENDING:
        raise StateError(_("Instruction %(r)s is not pending.") % {"r": instruction.reference})
    reverse(entry=instruction.entry, actor=actor, memo=StoredText(gettext_noop("Payment failed: %(r)s"), r=reason))
    instruction.status = BankInstruction.Status.FAILED
    instruction.failure_reason = reason[:200]
    instruction.save(update_fields=["status", "failure_reason"])
    audit.record(actor=actor, action="ledger.payment.fail", obj=instruction, after={"reason": reason})
    return instruction


def simulate_bank(*, fail_accounts=(), actor):
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
