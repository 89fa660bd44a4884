"""The workflow steps of a withdrawal case: accept, review, approve, reject, return for documents, resubmit, cancel."""

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core import compiled, workflow
from core.actors import system_actor
from core.business_date import today
from core.errors import InvalidInput, StateError
from core.money import ZERO, format_yuan
from core.translatable import StoredText
from ledger import chart
from ledger import services as ledger_services
from ledger.models import Account
from ledger.posting import lock_accounts
from withdrawals.models import WithdrawalApplication
from withdrawals.services.common import (
    LANGUAGES,
    _check_amount,
    _evaluate,
    _notify,
    _refuse_if_ineligible,
    _require_documents,
    _set_clock,
    check_record,
    lock_evidence,
    lock_household,
    no_heirs,
)
from withdrawals.services.flow import FLOW
from withdrawals.services.payout import pay


def compute_effect(app, outcome=None, *, languages=LANGUAGES) -> dict:
    """What approving the case would do now: amount, balance before and after, the ledger lines, the rules (their
    texts in ``languages``: both when the effect is stored with the case)."""
    outcome = outcome or _evaluate(app, account=app.account, reason=app.reason, on=app.application_date,
                                   facts=app.facts)
    ledger = compiled.get(("rules: ledger account",), lambda pk: Account.objects.filter(pk=pk),
                          (app.account.ledger_account_id,))
    if no_heirs(app):
        counter_code = chart.VALUE_ADDED
    else:
        counter_code = ledger_services.default_bank_account().ledger_account.code
    amount = outcome.maximum if app.closes_account else (app.amount_approved or app.amount_requested)
    interest = outcome.maximum - ledger.balance if app.closes_account else ZERO
    lines = []
    if interest > 0:
        lines += [{"account": "501", "side": "D", "amount": str(interest)},
                  {"account": ledger.code, "side": "C", "amount": str(interest)}]
    lines += [{"account": ledger.code, "side": "D", "amount": str(amount)},
              {"account": counter_code, "side": "C", "amount": str(amount)}]
    return {"amount": str(amount), "balance_before": str(ledger.balance), "held": str(ledger.held),
            "available": str(ledger.balance - ledger.held), "closing_interest": str(interest),
            "balance_after": str(ledger.balance + interest - amount), "lines": lines,
            "check": check_record(outcome, lambda: _evaluate(app, account=app.account, reason=app.reason,
                                                            on=app.application_date, facts=app.facts),
                                  languages),
            "closes_account": app.closes_account}


@transaction.atomic
def accept(*, actor, application, comment="") -> WithdrawalApplication:
    """受理 an online application at the counter: documents complete, the decision clock starts."""
    def effect(app):
        outcome = _evaluate(app, account=app.account, reason=app.reason, on=app.application_date, facts=app.facts)
        _require_documents(app, outcome)
        _set_clock(app, today())

    app = workflow.apply(FLOW, application, action="accept", actor=actor, comment=comment, effect=effect)
    _notify(app, StoredText(gettext_noop("Withdrawal application accepted")),
            StoredText(gettext_noop("Your withdrawal application %(n)s has been accepted; a decision is due by %(d)s."),
                       n=app.number, d=app.decision_due), "accepted")
    return app


@transaction.atomic
def review(*, actor, application, comment="") -> WithdrawalApplication:
    """审核: the reviewer checks the rules and amounts; the computed effect is stored on the case."""
    def effect(app):
        outcome = _evaluate(app, account=app.account, reason=app.reason, on=app.application_date, facts=app.facts)
        _refuse_if_ineligible(outcome)
        _require_documents(app, outcome)
        ledger = Account.objects.get(pk=app.account.ledger_account_id)
        if not app.closes_account:
            _check_amount(app.amount_requested, outcome, ledger.balance - ledger.held)
        app.effect = compute_effect(app, outcome)

    return workflow.apply(FLOW, application, action="review", actor=actor, comment=comment, effect=effect)


def _approve_effect(app, *, rule_name=""):
    """Re-check everything against current data, under the lock of the whole household and then of the personal
    ledger account (always in this order)."""
    lock_household(app.depositor)
    lock_evidence(app)
    lock_accounts([app.account.ledger_account_id])
    app.account.refresh_from_db()
    outcome = _evaluate(app, account=app.account, reason=app.reason, on=app.application_date, facts=app.facts)
    _refuse_if_ineligible(outcome)
    _require_documents(app, outcome)
    if rule_name and not outcome.auto_approvable:
        raise StateError(_("This application cannot be approved by rule: its figures are not verified by the "
                           "center's data; a reviewer decides."), code="needs_review")
    ledger = Account.objects.get(pk=app.account.ledger_account_id)
    if app.closes_account:
        app.amount_approved = outcome.maximum
    else:
        _check_amount(app.amount_requested, outcome, ledger.balance - ledger.held)
        app.amount_approved = app.amount_requested
    app.effect = compute_effect(app, outcome)
    app.decided_on = today()
    app.auto_rule = rule_name


def _notify_approved(app):
    _notify(app, StoredText(gettext_noop("Withdrawal approved")),
            StoredText(gettext_noop("Your withdrawal application %(n)s has been approved for %(a)s."), n=app.number,
                       a=format_yuan(app.amount_approved)), "approved")


@transaction.atomic
def approve(*, actor, application, comment="", pay_now=True) -> WithdrawalApplication:
    """审批: re-validates against current data under lock; by default the payout is issued at once."""
    app = workflow.apply(FLOW, application, action="approve", actor=actor, comment=comment,
                         effect=lambda case: _approve_effect(case))
    _notify_approved(app)
    if pay_now:
        app = pay(actor=system_actor(), application=app)
    return app


@transaction.atomic
def reject(*, actor, application, reason) -> WithdrawalApplication:
    if not (reason or "").strip():
        raise InvalidInput(_("Give the reason for the rejection."), fields={"reason": [_("Required.")]})

    def effect(app):
        app.refusal_reason = reason.strip()
        app.decided_on = today()

    app = workflow.apply(FLOW, application, action="reject", actor=actor, comment=reason, effect=effect)
    _notify(app, StoredText(gettext_noop("Withdrawal rejected")),
            StoredText(gettext_noop("Your withdrawal application %(n)s was rejected: %(r)s"), n=app.number, r=reason),
            "rejected")
    return app


@transaction.atomic
def return_for_documents(*, actor, application, reason) -> WithdrawalApplication:
    if not (reason or "").strip():
        raise InvalidInput(_("Say which documents are needed."), fields={"reason": [_("Required.")]})

    def effect(app):
        app.refusal_reason = reason.strip()

    app = workflow.apply(FLOW, application, action="return", actor=actor, comment=reason, effect=effect)
    _notify(app, StoredText(gettext_noop("More documents needed")),
            StoredText(gettext_noop("Your withdrawal application %(n)s needs more documents: %(r)s"), n=app.number,
                       r=reason), f"returned:{app.updated_at:%Y%m%d%H%M%S%f}")
    return app


@transaction.atomic
def resubmit(*, actor, application, comment="") -> WithdrawalApplication:
    def effect(app):
        outcome = _evaluate(app, account=app.account, reason=app.reason, on=app.application_date, facts=app.facts)
        _require_documents(app, outcome)
        if app.accepted_on is None:
            _set_clock(app, today())

    return workflow.apply(FLOW, application, action="resubmit", actor=actor, comment=comment, effect=effect)


@transaction.atomic
def cancel(*, actor, application, comment="") -> WithdrawalApplication:
    """The applicant (or a clerk on the applicant's behalf) withdraws the application before approval."""
    return workflow.apply(FLOW, application, action="cancel", actor=actor, comment=comment)
