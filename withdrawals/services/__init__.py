"""Every write of the withdrawals app (DOMAIN.md §3): applications and the 受理 → 审核 → 审批 → 支付 → 办结 workflow
(:mod:`core.workflow`) here; payouts, settlement and closing withdrawals in :mod:`.payout`; fraud bans and the
real-estate registry in :mod:`.registry` (all re-exported here). Standing monthly withdrawals are in
:mod:`withdrawals.standing`.
"""

import datetime
import hashlib

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import FundAccount
from core import audit, numbering, policy, roles, workflow
from core.business_date import today
from core.errors import ApplicationError, Forbidden, InvalidInput, StateError
from core.identity import luhn_ok
from core.money import FEN, ZERO, format_yuan, to_decimal
from ledger import chart
from ledger import services as ledger_services
from ledger.models import Account
from ledger.posting import lock_accounts
from withdrawals import rules
from withdrawals.models import Reason, WithdrawalApplication, WithdrawalDocument

W = WithdrawalApplication
S = W.State
STAFF_ACTIONS = (roles.CLERK, roles.REVIEWER, roles.APPROVER)

FLOW = workflow.Workflow(
    name="withdrawal",
    states=dict(S.choices),
    applicant_of=lambda case: case.depositor.user if case.depositor_id else None,
    transitions=[
        workflow.Transition("accept", (S.SUBMITTED,), S.ACCEPTED, (roles.CLERK,), step=workflow.ACCEPT,
                            label=gettext_lazy("accept")),
        workflow.Transition("review", (S.ACCEPTED,), S.REVIEWED, (roles.REVIEWER,), step=workflow.REVIEW,
                            label=gettext_lazy("review")),
        workflow.Transition("approve", (S.REVIEWED,), S.APPROVED, (roles.APPROVER,), step=workflow.APPROVE,
                            label=gettext_lazy("approve")),
        workflow.Transition("auto_approve", (S.SUBMITTED, S.ACCEPTED), S.APPROVED, system=True,
                            step=workflow.APPROVE, label=gettext_lazy("approve by rule")),
        workflow.Transition("return", (S.SUBMITTED, S.ACCEPTED, S.REVIEWED), S.RETURNED, STAFF_ACTIONS,
                            label=gettext_lazy("return for documents")),
        workflow.Transition("resubmit", (S.RETURNED,), S.ACCEPTED, (roles.CLERK,), applicant=True,
                            label=gettext_lazy("resubmit")),
        workflow.Transition("reject", (S.SUBMITTED, S.ACCEPTED, S.REVIEWED, S.RETURNED), S.REJECTED, STAFF_ACTIONS,
                            system=True, label=gettext_lazy("reject")),
        workflow.Transition("cancel", (S.SUBMITTED, S.ACCEPTED, S.REVIEWED, S.RETURNED), S.CANCELLED,
                            (roles.CLERK,), applicant=True, label=gettext_lazy("cancel")),
        workflow.Transition("pay", (S.APPROVED,), S.PAID, (roles.APPROVER, roles.FINANCE), system=True,
                            label=gettext_lazy("pay")),
        workflow.Transition("settle", (S.PAID,), S.CLOSED, (roles.FINANCE,), system=True,
                            label=gettext_lazy("complete")),
        workflow.Transition("payment_failed", (S.PAID,), S.APPROVED, (roles.FINANCE,), system=True,
                            label=gettext_lazy("payment failed")),
    ],
)


# --- helpers ------------------------------------------------------------------------------------------

def _money(value, field="amount"):
    try:
        amount = to_decimal(value)
    except (ValueError, TypeError) as exc:
        raise InvalidInput(_("The amount is not a number."), fields={field: [_("Not a number.")]}) from exc
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(FEN):
        raise InvalidInput(_("The amount must be a positive amount in yuan and fen."),
                           fields={field: [_("Enter a positive amount with at most two decimals.")]})
    return amount


def check_card(*, card, name, depositor):
    """The payee is the depositor's own bank card: Luhn check and the holder's name must match."""
    card = (card or "").replace(" ", "")
    if not luhn_ok(card):
        raise InvalidInput(_("The bank card number is not valid (check digit)."),
                           fields={"payee_card": [_("Check the card number.")]}, code="bad_card")
    if (name or "").strip() != depositor.name:
        raise InvalidInput(_("The card holder's name must be the depositor's own name; money is only paid to "
                             "the depositor's own card."), fields={"payee_name": [_("Not the depositor.")]},
                           code="not_own_card")
    return card


def no_heirs(app) -> bool:
    """A death case with no heir or legatee: the balance goes to value-added income, not to a bank card."""
    return app.reason == Reason.DEATH and bool(app.facts.get("no_heirs"))


def _check_heirs(facts, payee_card, payee_name):
    """Death: the money goes to the heirs or legatees by their shares; each heir's card is Luhn-checked and the
    contact payee must be one of them. With no heir or legatee there is no payee at all."""
    heirs = facts.get("heirs") or []
    if facts.get("no_heirs"):
        if heirs or (payee_card or "").strip():
            raise InvalidInput(_("With no heir or legatee nobody is paid: leave the heirs and the card empty."),
                               fields={"heirs": [_("Must be empty.")]}, code="no_heirs")
        return ""
    for heir in heirs:
        card = str(heir.get("card", "")).replace(" ", "")
        if not luhn_ok(card) or not str(heir.get("name", "")).strip():
            raise InvalidInput(_("The bank card number of heir %(n)s is not valid.") % {"n": heir.get("name", "?")},
                               fields={"heirs": [_("Check the card number.")]}, code="bad_card")
        heir["card"] = card
    card = (payee_card or "").replace(" ", "")
    if heirs and not any(h["card"] == card and h["name"].strip() == (payee_name or "").strip() for h in heirs):
        raise InvalidInput(_("The payee must be one of the heirs, with the heir's own card."),
                           fields={"payee_name": [_("Not an heir.")]}, code="not_own_card")
    return card


def _closing_interest(account, on):
    from deposits import calculations as calc
    from deposits.interest import interest_breakdown

    if account.is_closed:
        return ZERO
    year = calc.interest_year(on)[1].year
    try:
        return interest_breakdown(account, year=year, until=on).interest
    except InvalidInput:
        return ZERO


def _evaluate(app_or_none, *, account, reason, on, facts):
    closes = reason in {cls.reason for cls in rules.RULES_ALWAYS if issubclass(cls, rules.ClosingRule)}
    interest = _closing_interest(account, today()) if closes else ZERO
    return rules.evaluate(reason=reason, account=account, on=on, facts=facts,
                          application_id=getattr(app_or_none, "pk", None), closing_interest=interest)


def _refuse_if_ineligible(outcome):
    if not outcome.eligible:
        raise InvalidInput(outcome.refusals[0], fields={"reason": outcome.refusals}, code="not_eligible")


def _check_amount(amount, outcome, available):
    if amount > outcome.maximum:
        if amount > available and not outcome.closes_account:
            raise InvalidInput(_("The amount %(a)s exceeds the available balance %(v)s.")
                               % {"a": format_yuan(amount), "v": format_yuan(available)},
                               fields={"amount": [_("Above the available balance.")]}, code="above_available")
        raise InvalidInput(_("The amount %(a)s exceeds the maximum of %(m)s for this reason.")
                           % {"a": format_yuan(amount), "m": format_yuan(outcome.maximum)},
                           fields={"amount": [_("Above the maximum.")]}, code="above_maximum")


def missing_documents(app, outcome=None) -> list:
    outcome = outcome or _evaluate(app, account=app.account, reason=app.reason, on=app.application_date,
                                   facts=app.facts)
    have = set(app.documents.values_list("doc_type", flat=True))
    return [d for d in outcome.evidence if d not in have]


def _require_documents(app, outcome):
    missing = missing_documents(app, outcome)
    if missing:
        from withdrawals.models import DocumentType

        labels = "、".join(str(DocumentType(d).label) for d in missing)
        raise InvalidInput(_("Documents missing: %(d)s.") % {"d": labels}, fields={"documents": [labels]},
                           code="missing_document")


def _notify(app, subject, body, key):
    dep = app.depositor
    channels = ["inbox", "sms"] if dep.phone else ["inbox"]
    workflow.notify(subject=subject, body=body, user=dep.user, recipient=dep, channels=channels,
                    address=dep.phone, key=f"withdrawal:{app.pk}:{key}")


def _number():
    return f"TQ{today():%Y%m%d}{numbering.reserve('withdrawal'):08d}"


def _save_documents(app, documents, actor):
    for doc_type, upload in documents or ():
        content = upload.read()
        upload.seek(0)
        WithdrawalDocument.objects.create(application=app, doc_type=doc_type, file=upload,
                                          sha256=hashlib.sha256(content).hexdigest(),
                                          uploaded_by=actor if getattr(actor, "pk", None) else None)


def _is_applicant(actor, account):
    return actor is not None and account.depositor.user_id is not None and account.depositor.user_id == actor.pk


# --- applying ----------------------------------------------------------------------------------------

def preview(*, account: FundAccount, reason, facts=None):
    """What an application with these facts would get today (eligibility and why, the maximum, the documents
    needed), as the depositor or the clerk fills in the form. Writes nothing."""
    if reason not in Reason.values:
        raise InvalidInput(_("Unknown withdrawal reason."), fields={"reason": [_("Unknown reason.")]})
    account = FundAccount.objects.select_related("depositor", "depositor__spouse").get(pk=account.pk)
    return _evaluate(None, account=account, reason=reason, on=today(), facts=dict(facts or {}))


@transaction.atomic
def apply(*, actor, account: FundAccount, reason, amount=None, facts=None, payee_card, payee_name, payee_bank="",
          documents=(), comment="") -> WithdrawalApplication:
    """A new application: at the counter (a clerk accepts it at once, step 受理) or online by the depositor
    (state submitted; low-risk reasons are approved by rule when every data check passes).

    ``documents``: [(document type, uploaded file)]. ``amount``: for closing reasons, ``None`` means the whole
    balance plus interest. Refused with a Chinese message and nothing written when anything is wrong."""
    online = _is_applicant(actor, account)
    if not online:
        if actor is None or not roles.has_role(actor, roles.CLERK):
            raise Forbidden(_("Only a counter clerk or the depositor can submit a withdrawal application."),
                            code="wrong_role")
    if reason not in Reason.values:
        raise InvalidInput(_("Unknown withdrawal reason."), fields={"reason": [_("Unknown reason.")]})
    account = FundAccount.objects.select_related("depositor", "depositor__spouse").get(pk=account.pk)
    depositor = account.depositor
    if reason == Reason.DEATH:
        if online:
            raise Forbidden(_("A withdrawal after death is applied for by the heirs at the counter."),
                            code="wrong_role")
        card = _check_heirs(facts or {}, payee_card, payee_name)
    else:
        card = check_card(card=payee_card, name=payee_name, depositor=depositor)
    on = today()
    facts = dict(facts or {})
    outcome = _evaluate(None, account=account, reason=reason, on=on, facts=facts)
    _refuse_if_ineligible(outcome)
    if amount is None and outcome.closes_account:
        amount = outcome.maximum
    amount = _money(amount if amount is not None else "0")
    available = Account.objects.values_list("balance", "held").get(pk=account.ledger_account_id)
    _check_amount(amount, outcome, available[0] - available[1])
    app = W.objects.create(
        number=_number(), account=account, depositor=depositor, reason=reason, state=S.SUBMITTED if online
        else S.ACCEPTED, channel=W.Channel.ONLINE if online else W.Channel.COUNTER, application_date=on, facts=facts,
        amount_requested=amount, closes_account=outcome.closes_account, property_record_id=outcome.property_id,
        payee_card=card, payee_name=(payee_name or "").strip(), payee_bank=payee_bank,
        effect={"check": outcome.as_dict()})
    _save_documents(app, documents, actor)
    _require_documents(app, outcome)
    if online:
        workflow.start(FLOW, app, state=S.SUBMITTED, actor=actor, action="submit", comment=comment)
    else:
        _set_clock(app, on)
        workflow.start(FLOW, app, state=S.ACCEPTED, actor=actor, action="accept", step=workflow.ACCEPT,
                       comment=comment)
    audit.record(actor=actor, action="withdrawal.apply", obj=app,
                 after={"reason": reason, "amount": amount, "channel": app.channel})
    _notify(app, _("Withdrawal application received"),
            _("Your withdrawal application %(n)s for %(a)s has been received.")
            % {"n": app.number, "a": format_yuan(amount)}, "received")
    if online:
        app = _try_auto_approve(app, outcome)
    return app


def _set_clock(app, on):
    app.accepted_on = on
    app.decision_due = on + datetime.timedelta(days=policy.get("withdrawals.decision_days", on=on))
    app.save(update_fields=["accepted_on", "decision_due"])


def _try_auto_approve(app, outcome):
    reasons = policy.get("withdrawals.auto_approve_reasons", on=app.application_date)
    limit = policy.get("withdrawals.auto_approve_max", on=app.application_date)
    if not (outcome.auto_approvable and app.reason in reasons and app.amount_requested <= limit):
        return app
    rule_name = f"auto:{app.reason}:{type(rules.rule_for(app.reason, app.application_date)).__name__}"
    app = workflow.apply(FLOW, app, action="auto_approve", actor=None, rule=rule_name,
                         comment=_("Approved by rule: every data check passed."),
                         effect=lambda case: _approve_effect(case, rule_name=rule_name))
    _notify_approved(app)
    try:
        with transaction.atomic():
            return pay(actor=None, application=app)
    except ApplicationError:  # e.g. the center's bank account: the case stays approved for finance to pay
        return W.objects.get(pk=app.pk)


@transaction.atomic
def add_document(*, actor, application, doc_type, file) -> WithdrawalDocument:
    app = W.objects.select_for_update().get(pk=application.pk)
    if app.state not in (S.SUBMITTED, S.ACCEPTED, S.RETURNED):
        raise StateError(_("Documents can only be added before review."), code="invalid_state")
    if not (_is_applicant(actor, app.account) or roles.has_role(actor, roles.CLERK)):
        raise Forbidden(_("Your role does not allow this action."), code="wrong_role")
    _save_documents(app, [(doc_type, file)], actor)
    audit.record(actor=actor, action="withdrawal.document", obj=app, after={"doc_type": doc_type})
    return app.documents.order_by("-id").first()


# --- the workflow steps ---------------------------------------------------------------------------------

def compute_effect(app, outcome=None) -> dict:
    """What approving the case would do now: amount, balance before and after, the ledger lines, the rules."""
    outcome = outcome or _evaluate(app, account=app.account, reason=app.reason, on=app.application_date,
                                   facts=app.facts)
    ledger = Account.objects.get(pk=app.account.ledger_account_id)
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
            "balance_after": str(ledger.balance + interest - amount), "lines": lines, "check": outcome.as_dict(),
            "closes_account": app.closes_account}


@transaction.atomic
def accept(*, actor, application, comment="") -> WithdrawalApplication:
    """受理 an online application at the counter: documents complete, the decision clock starts."""
    def effect(app):
        outcome = _evaluate(app, account=app.account, reason=app.reason, on=app.application_date, facts=app.facts)
        _require_documents(app, outcome)
        _set_clock(app, today())

    app = workflow.apply(FLOW, application, action="accept", actor=actor, comment=comment, effect=effect)
    _notify(app, _("Withdrawal application accepted"),
            _("Your withdrawal application %(n)s has been accepted; a decision is due by %(d)s.")
            % {"n": app.number, "d": app.decision_due}, "accepted")
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
    """Re-check everything against current data, under the lock of the personal ledger account."""
    lock_accounts([app.account.ledger_account_id])
    app.account.refresh_from_db()
    outcome = _evaluate(app, account=app.account, reason=app.reason, on=app.application_date, facts=app.facts)
    _refuse_if_ineligible(outcome)
    _require_documents(app, outcome)
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
    _notify(app, _("Withdrawal approved"), _("Your withdrawal application %(n)s has been approved for %(a)s.")
            % {"n": app.number, "a": format_yuan(app.amount_approved)}, "approved")


@transaction.atomic
def approve(*, actor, application, comment="", pay_now=True) -> WithdrawalApplication:
    """审批: re-validates against current data under lock; by default the payout is issued at once."""
    app = workflow.apply(FLOW, application, action="approve", actor=actor, comment=comment,
                         effect=lambda case: _approve_effect(case))
    _notify_approved(app)
    if pay_now:
        app = pay(actor=None, application=app)
    return app


@transaction.atomic
def reject(*, actor, application, reason) -> WithdrawalApplication:
    if not (reason or "").strip():
        raise InvalidInput(_("Give the reason for the rejection."), fields={"reason": [_("Required.")]})

    def effect(app):
        app.refusal_reason = reason.strip()
        app.decided_on = today()

    app = workflow.apply(FLOW, application, action="reject", actor=actor, comment=reason, effect=effect)
    _notify(app, _("Withdrawal rejected"), _("Your withdrawal application %(n)s was rejected: %(r)s")
            % {"n": app.number, "r": reason}, "rejected")
    return app


@transaction.atomic
def return_for_documents(*, actor, application, reason) -> WithdrawalApplication:
    if not (reason or "").strip():
        raise InvalidInput(_("Say which documents are needed."), fields={"reason": [_("Required.")]})

    def effect(app):
        app.refusal_reason = reason.strip()

    app = workflow.apply(FLOW, application, action="return", actor=actor, comment=reason, effect=effect)
    _notify(app, _("More documents needed"), _("Your withdrawal application %(n)s needs more documents: %(r)s")
            % {"n": app.number, "r": reason}, f"returned:{app.updated_at:%Y%m%d%H%M%S%f}")
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



# The payout and registry services (imported last: they use the workflow and helpers above).
from withdrawals.services.payout import (  # noqa: E402
    attempt_instructions,
    change_card,
    fail_payment,
    pay,
    settle_payment,
    sync_bank,
)
from withdrawals.services.registry import (  # noqa: E402
    PROPERTY_COLUMNS,
    apply_recovery_receipt,
    import_property_records,
    is_banned,
    record_fraud,
)

__all__ = ["FLOW", "PROPERTY_COLUMNS", "accept", "add_document", "apply", "apply_recovery_receipt", "approve",
           "attempt_instructions",
           "cancel", "change_card", "check_card", "compute_effect", "fail_payment", "import_property_records",
           "is_banned", "missing_documents", "no_heirs", "pay", "preview", "record_fraud", "reject", "resubmit",
           "return_for_documents", "review", "settle_payment", "sync_bank"]
