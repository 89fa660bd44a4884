"""Deductions (扣划): consume the freeze's hold and pay the court's enforcement account through a bank
instruction; a returned payment puts the money back on the account, frozen again (DOMAIN.md §6.1, §6.3)."""

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core import audit, policy, workflow
from core.business_date import today
from core.errors import StateError
from core.money import ZERO, format_yuan
from core.translatable import StoredText
from judicial.models import Freeze, JudicialRequest
from judicial.services.common import lock_freezes
from judicial.services.flow import FLOW
from judicial.services.freezes import Refusal, activate_waiting, end_freezes, hold_reference
from ledger import services as ledger_services
from ledger.models import BankInstruction, Hold
from ledger.posting import lock_accounts

F = Freeze.State
JR = JudicialRequest
DEDUCTION_BUSINESS_TYPE = "11"  # 部分提取 (GJHTQYWLX): the money leaves the fund account for the court


def withdrawal_condition(account, on) -> str:
    """The withdrawal ground the person meets now (``settings.JUDICIAL_WITHDRAWAL_CONDITION_SOURCE``, a
    withdrawals selector: judicial may not import withdrawals), or "" when none."""
    path = getattr(settings, "JUDICIAL_WITHDRAWAL_CONDITION_SOURCE", "")
    if not path:
        return ""
    return import_string(path)(account_id=account.pk, on=on) or ""


def _withdrawal_hook(name):
    """The withdrawals side of a deduction (``settings.JUDICIAL_DEDUCTION_WITHDRAWAL[name]``: "record", "settled",
    "returned"), or ``None`` when it is not configured."""
    path = (getattr(settings, "JUDICIAL_DEDUCTION_WITHDRAWAL", None) or {}).get(name)
    return import_string(path) if path else None


def deduction_check(req: JudicialRequest, *, balance, on) -> tuple:
    """(amount that can be deducted, the withdrawal ground met, or a Refusal reason) on current data."""
    freeze = req.original_freeze
    if freeze.state != F.ACTIVE:
        return ZERO, "", _("The freeze is no longer in force (%(s)s); nothing can be deducted.") % {
            "s": freeze.get_state_display()}
    ground = ""
    if policy.get("judicial.deduct_requires_withdrawal_condition", on=on):
        ground = withdrawal_condition(freeze.account, on)
        if not ground:
            return ZERO, "", _("The person meets no withdrawal condition at present, so the money cannot be "
                               "deducted ((2013)执他字第14号); it stays frozen (%(a)s) under freeze %(n)s.") % {
                "a": format_yuan(freeze.amount_frozen), "n": freeze.request.number}
    allowance = policy.get("judicial.living_allowance", on=on)
    amount = min(req.amount, freeze.amount_frozen, balance - allowance)
    if amount <= 0:
        return ZERO, ground, _("Nothing can be deducted: the balance must keep the living allowance %(a)s.") % {
            "a": format_yuan(allowance)}
    return amount, ground, ""


def execute_deduct(req: JudicialRequest, actor) -> dict:
    freeze = req.original_freeze
    account = freeze.account
    acc = lock_accounts([account.ledger_account_id])[account.ledger_account_id]
    freeze = lock_freezes(Freeze.objects.filter(pk=freeze.pk).select_related("account", "request", "court"))[0]
    req.original_freeze = freeze
    on = today()
    amount, ground, refusal = deduction_check(req, balance=acc.balance, on=on)
    if refusal:
        raise Refusal(refusal)
    from judicial.services.risk import require_second_review  # risk reads this module's withdrawal condition

    require_second_review(req)  # a flagged deduction runs only after the second-level review let it proceed
    court = req.court
    purpose = StoredText(gettext_noop("Court deduction %(c)s %(n)s"), c=court.code, n=req.case_number)
    instruction = ledger_services.create_payment(
        from_account=acc, amount=amount, bank_account=ledger_services.default_bank_account(),
        payee_name=court.enforcement_account_name, payee_account=court.enforcement_account_number,
        payee_bank=court.enforcement_bank, purpose=purpose, actor=actor, idempotency_key=f"judicial:{req.pk}",
        source=f"judicial:{req.pk}", business_type=DEDUCTION_BUSINESS_TYPE, consume_holds=[freeze.hold_id])
    remainder = freeze.amount_frozen - amount
    if remainder > 0:  # the rest stays frozen under the same freeze
        freeze.hold = ledger_services.place_hold(account=acc, amount=remainder, kind=Hold.Kind.JUDICIAL,
                                                 reference=hold_reference(freeze), actor=actor)
        freeze.amount_frozen = remainder
        freeze.save(update_fields=["hold", "amount_frozen"])
        activated = []
    else:
        freeze.amount_frozen = ZERO
        freeze.state, freeze.ended_on = F.DEDUCTED, on
        freeze.save(update_fields=["amount_frozen", "state", "ended_on"])
        activated = activate_waiting([account.pk], on=on, actor=actor)
    req.instruction = instruction
    # Recorded as a withdrawal with its own reason code (DOMAIN.md §6.3 point 5); it posts nothing itself.
    record = _withdrawal_hook("record")
    withdrawal = record(actor=actor, account_id=account.pk, instruction_id=instruction.pk, court_name=court.name,
                        case_number=req.case_number, request_number=req.number, ground=ground) if record else None
    audit.record(actor=actor, action="judicial.deduct", obj=freeze,
                 after={"amount": amount, "instruction": instruction.reference, "remainder": remainder,
                        "ground": ground, "activated": [f.pk for f in activated],
                        "withdrawal": getattr(withdrawal, "number", None)})
    return {"amount_deducted": str(amount), "still_frozen": str(remainder), "withdrawal_ground": ground,
            "paid_to": {"name": court.enforcement_account_name, "account": court.enforcement_account_number,
                        "bank": court.enforcement_bank}, "instruction": instruction.reference,
            "withdrawal_number": getattr(withdrawal, "number", "")}


@transaction.atomic
def settle_deduction(*, request, actor, bank_reference=None) -> JudicialRequest:
    """The bank paid the court."""
    req = JR.objects.select_related("instruction").get(pk=request.pk)
    if req.instruction is None:
        raise StateError(_("This request has no payment."), code="no_payment")
    if req.instruction.status == BankInstruction.Status.PENDING:
        ledger_services.settle_instruction(instruction=req.instruction,
                                           bank_reference=bank_reference or f"BANK{req.instruction.pk:010d}",
                                           actor=actor)
    settled = _withdrawal_hook("settled")
    if settled:
        settled(actor=actor, instruction_id=req.instruction_id)
    return workflow.apply(FLOW, req, action="paid", actor=actor)


@transaction.atomic
def fail_deduction(*, request, reason, actor) -> JudicialRequest:
    """The bank returned the payment: the posting is reversed (the money is back on the fund account) and the
    money is frozen again under the same freeze, which is in force again for the whole amount."""
    req = JR.objects.select_for_update(of=("self",)).select_related("instruction").get(pk=request.pk)
    if req.state != JR.State.EXECUTED or req.instruction is None:
        raise StateError(_("This request has no payment waiting for the bank."), code="no_payment")
    amount = req.instruction.amount

    def effect(case):
        if case.instruction.status == BankInstruction.Status.PENDING:
            ledger_services.fail_instruction(instruction=case.instruction, reason=reason, actor=actor)
        returned = _withdrawal_hook("returned")
        if returned:  # the withdrawal case no longer counts: the money is back, frozen again
            returned(actor=actor, instruction_id=case.instruction_id, reason=reason)
        freeze = case.original_freeze
        acc = lock_accounts([freeze.account.ledger_account_id])[freeze.account.ledger_account_id]
        freeze = lock_freezes(Freeze.objects.filter(pk=freeze.pk).select_related("request", "court"))[0]
        total = amount + (freeze.amount_frozen if freeze.state == F.ACTIVE else ZERO)
        if freeze.state == F.ACTIVE:
            end_freezes([freeze], state=F.ACTIVE, on=today(), actor=actor)  # releases the remainder's hold
            acc.refresh_from_db()
        freeze.hold = ledger_services.place_hold(account=acc, amount=total, kind=Hold.Kind.JUDICIAL,
                                                 reference=hold_reference(freeze), actor=actor)
        freeze.amount_frozen, freeze.state, freeze.ended_on = total, F.ACTIVE, None
        freeze.save(update_fields=["hold", "amount_frozen", "state", "ended_on"])
        case.actual_amount = ZERO
        case.answer = {**case.answer, "payment_returned": reason, "frozen_again": str(total)}
        audit.record(actor=actor, action="judicial.deduct.returned", obj=freeze,
                     after={"returned": amount, "frozen": total, "reason": reason})

    return workflow.apply(FLOW, req, action="payment_returned", actor=actor, comment=reason, effect=effect)


def sync_bank(*, actor) -> dict:
    """Move executed deductions whose instruction the bank settled or failed (e.g. by ``simulate_bank``)."""
    done = {"settled": 0, "failed": 0}
    for req in JR.objects.filter(state=JR.State.EXECUTED, instruction__isnull=False).exclude(
            instruction__status=BankInstruction.Status.PENDING).select_related("instruction").order_by("pk"):
        if req.instruction.status == BankInstruction.Status.FAILED:
            fail_deduction(request=req, reason=req.instruction.failure_reason, actor=actor)
            done["failed"] += 1
        else:
            settle_deduction(request=req, actor=actor)
            done["settled"] += 1
    return done
