"""The maker-checker steps of a request: an operator prepares it (the computed effect is shown to the checker),
a different checker confirms it (it takes effect then, re-validated on current data) or sends it back.
Judicial officers only (core.roles.JUDICIAL_OFFICER); the workflow refuses the same person for both steps."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import audit, workflow
from core.business_date import today
from core.money import to_decimal
from judicial.models import JudicialRequest, Measure
from judicial.services.deductions import deduction_check, execute_deduct
from judicial.services.flow import FLOW
from judicial.services.freezes import Refusal, execute_freeze, execute_renew, execute_unfreeze
from judicial.services.queries import log_query, query_answer
from ledger.models import Account

JR = JudicialRequest
EXECUTE = {Measure.FREEZE: execute_freeze, Measure.RENEW: execute_renew, Measure.UNFREEZE: execute_unfreeze,
           Measure.DEDUCT: execute_deduct}


def preview(req: JudicialRequest) -> dict:
    """The effect the operator prepares and the checker sees (read only, nothing locked)."""
    if req.measure == Measure.QUERY:
        return query_answer(req)
    if req.account_id is None:
        return {}
    acc = Account.objects.values("balance", "held").get(pk=req.account.ledger_account_id)
    out = {"balance": str(acc["balance"]), "frozen": str(acc["held"]),
           "available": str(acc["balance"] - acc["held"])}
    if req.measure == Measure.FREEZE:
        available = acc["balance"] - acc["held"]
        out["would_freeze"] = str(max(min(req.amount, available), 0))
    elif req.measure == Measure.DEDUCT:
        amount, ground, refusal = deduction_check(req, balance=acc["balance"], on=today())
        out.update(would_deduct=str(amount), withdrawal_ground=ground, refusal=refusal)
    elif req.original_freeze_id:
        f = req.original_freeze
        out.update(freeze_state=f.state, freeze_end_date=str(f.end_date), amount_frozen=str(f.amount_frozen))
    return out


@transaction.atomic
def prepare(*, actor, request) -> JudicialRequest:
    """受理/经办: the operator prepares the request; a query's answer is read (and logged) now."""

    def effect(case):
        case.proposal = preview(case)
        case.operator = actor
        if case.measure == Measure.QUERY:
            log_query(case, viewer=actor, result=case.proposal)

    return workflow.apply(FLOW, request, action="prepare", actor=actor, effect=effect)


@transaction.atomic
def send_back(*, actor, request, comment) -> JudicialRequest:
    return workflow.apply(FLOW, request, action="send_back", actor=actor, comment=comment)


def confirm(*, actor, request) -> JudicialRequest:
    """复核: a different officer confirms; the measure is carried out now on current data. When current data does
    not allow it (the freeze ended, no withdrawal condition for a deduction, ...) the request is answered as
    refused with the reason, and nothing else changes."""
    try:
        with transaction.atomic():
            return workflow.apply(FLOW, request, action="confirm", actor=actor,
                                  effect=lambda case: _carry_out(case, actor))
    except Refusal as refusal:
        return _refuse(actor=actor, request=request, reason=refusal.reason)


def _carry_out(case, actor):
    if case.measure == Measure.QUERY:
        answer = query_answer(case)
        log_query(case, viewer=actor, result=answer)
        case.actual_amount = None
    else:
        answer = EXECUTE[case.measure](case, actor)
        amount = answer.get("amount_deducted") or answer.get("amount_frozen") or answer.get("amount_released")
        case.actual_amount = to_decimal(amount) if amount is not None else None
    case.answer = answer
    case.checker = actor
    case.answered_at, case.answered_on = timezone.now(), today()


@transaction.atomic
def _refuse(*, actor, request, reason) -> JudicialRequest:
    def effect(case):
        case.refusal_reason = reason[:300]
        case.checker = actor
        case.actual_amount = None
        case.answer = {"refused": True, "reason": reason}
        case.answered_at, case.answered_on = timezone.now(), today()

    req = workflow.apply(FLOW, request, action="refuse", actor=actor, comment=reason, effect=effect)
    audit.record(actor=actor, action="judicial.refused", obj=req, after={"reason": reason})
    return req


def refuse(*, actor, request, reason) -> JudicialRequest:
    """The checker refuses the request with a written reason (e.g. the documents do not match)."""
    if not (reason or "").strip():
        from core.errors import InvalidInput

        raise InvalidInput(_("Give the reason for the refusal."), code="reason_required")
    return _refuse(actor=actor, request=request, reason=reason.strip())
