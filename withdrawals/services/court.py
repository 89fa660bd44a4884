"""Court deductions (扣划) recorded as withdrawals (DOMAIN.md §6.3 point 5: "record it as a withdrawal with its own
reason code", [YLGJJ] 010 协助执法扣划账户金额).

The judicial module moves the money itself: its deduction consumes the freeze's hold and posts the payment to
the court's enforcement account through a bank instruction. Judicial may not import withdrawals, so it calls
these functions through settings (``JUDICIAL_DEDUCTION_WITHDRAWAL``) in the same transaction as that posting:

* :func:`record_court_deduction` — a withdrawal case with reason 10, paid (awaiting the bank), pointing at the
  judicial bank instruction; it posts nothing (no second payment);
* :func:`court_deduction_settled` — the bank paid the court: the case is completed;
* :func:`court_deduction_returned` — the bank returned the payment (the judicial module reversed the posting and
  froze the money again): the case is cancelled, so it counts nowhere (caps, statements, statistics).

No withdrawal page or service can pay, settle, fail or change such a case (:func:`refuse_court_case`)."""

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import FundAccount
from core import audit, workflow
from core.errors import StateError
from core.translatable import StoredText
from ledger.models import BankInstruction
from withdrawals.models import Reason, WithdrawalApplication
from withdrawals.services import common as svc
from withdrawals.services.flow import FLOW

W = WithdrawalApplication
RULE = "judicial:court_deduction"


def refuse_court_case(app):
    """A court deduction's case moves only with the judicial deduction (never from a withdrawal page)."""
    if app.reason == Reason.COURT_DEDUCTION:
        raise StateError(_("This withdrawal is a court deduction: it is paid, settled or returned by the judicial "
                           "enforcement module only."), code="court_deduction")


@transaction.atomic
def record_court_deduction(*, actor, account_id, instruction_id, court_name, case_number, request_number,
                           ground="") -> WithdrawalApplication:
    """The withdrawal case of a court deduction already posted (the judicial instruction ``instruction_id``):
    reason 10, channel court, paid and awaiting the bank. Idempotent per instruction."""
    existing = W.objects.filter(instruction_id=instruction_id, reason=Reason.COURT_DEDUCTION).first()
    if existing is not None:
        return existing
    account = FundAccount.objects.select_related("depositor").get(pk=account_id)
    instruction = BankInstruction.objects.get(pk=instruction_id)
    on = instruction.created_on
    app = W.objects.create(
        number=svc._number(), account=account, depositor=account.depositor, reason=Reason.COURT_DEDUCTION,
        channel=W.Channel.COURT, state=W.State.PAID, application_date=on,
        facts={"court": court_name, "case_number": case_number, "request_number": request_number,
               "withdrawal_ground": ground, "court_account": instruction.payee_account},
        amount_requested=instruction.amount, amount_approved=instruction.amount, payee_card="",
        payee_name=instruction.payee_name[:60], payee_bank=instruction.payee_bank[:120], accepted_on=on,
        decided_on=on, auto_rule=RULE, instruction=instruction, payments=1)
    workflow.start(FLOW, app, state=W.State.APPROVED, actor=actor, step=workflow.APPROVE, rule=RULE,
                   comment=StoredText(gettext_noop("Court deduction %(n)s, case %(c)s"), n=request_number,
                                      c=case_number))
    workflow.record(app, workflow=FLOW, action="pay", from_state=W.State.APPROVED, to_state=W.State.PAID,
                    actor=actor, rule=RULE, comment=StoredText(gettext_noop("Paid to %(p)s"), p=instruction.payee_name))
    audit.record(actor=actor, action="withdrawal.court_deduction", obj=app,
                 after={"amount": instruction.amount, "instruction": instruction.reference,
                        "case_number": case_number, "ground": ground})
    return app


def _move(*, instruction_id, to_state, action, actor, comment=""):
    app = (W.objects.select_for_update().filter(instruction_id=instruction_id, reason=Reason.COURT_DEDUCTION)
           .first())
    if app is None:  # a deduction executed before cases were recorded: nothing to move
        return None
    if app.state != W.State.PAID:
        if app.state == to_state:
            return app
        raise StateError(_("The court deduction's withdrawal is no longer awaiting the bank."), code="invalid_state")
    app.state = to_state
    if to_state == W.State.CANCELLED:
        app.refusal_reason = comment
    app.save(update_fields=["state", "refusal_reason", "updated_at"])
    workflow.record(app, workflow=FLOW, action=action, from_state=W.State.PAID, to_state=to_state, actor=actor,
                    rule=RULE, comment=comment)
    audit.record(actor=actor, action=f"withdrawal.court_deduction.{action}", obj=app,
                 before={"state": W.State.PAID}, after={"state": to_state}, comment=comment)
    return app


@transaction.atomic
def court_deduction_settled(*, actor, instruction_id) -> WithdrawalApplication | None:
    """The bank paid the court's enforcement account: the case is completed (办结)."""
    return _move(instruction_id=instruction_id, to_state=W.State.CLOSED, action="settle", actor=actor)


@transaction.atomic
def court_deduction_returned(*, actor, instruction_id, reason) -> WithdrawalApplication | None:
    """The bank returned the payment and the money is back on the account, frozen again: the case is cancelled
    with the bank's reason (it no longer counts as withdrawn)."""
    return _move(instruction_id=instruction_id, to_state=W.State.CANCELLED, action="payment_returned",
                 actor=actor, comment=StoredText(gettext_noop("The bank returned the payment to the court: %(r)s"),
                                                 r=reason))
