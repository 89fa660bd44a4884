"""Applying for a withdrawal: the preview, the application (counter or online, approval by rule) and its documents."""

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import FundAccount
from core import audit, policy, roles, workflow
from core.actors import system_actor
from core.business_date import today
from core.errors import ApplicationError, Forbidden, InvalidInput, StateError
from core.money import format_yuan
from core.translatable import StoredText
from ledger.models import Account
from withdrawals import rules
from withdrawals.models import Reason, WithdrawalApplication, WithdrawalDocument
from withdrawals.services.common import (
    _check_amount,
    _check_heirs,
    _evaluate,
    _is_applicant,
    _money,
    _notify,
    _number,
    _refuse_if_ineligible,
    _require_documents,
    _save_documents,
    _set_clock,
    check_card,
    check_documents,
    check_record,
    record_evidence,
)
from withdrawals.services.flow import FLOW, S, W
from withdrawals.services.payout import pay
from withdrawals.services.steps import _approve_effect, _notify_approved


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
        if not roles.has_role(actor, roles.CLERK):
            raise Forbidden(_("Only a counter clerk or the depositor can submit a withdrawal application."),
                            code="wrong_role")
    if reason not in Reason.values:
        raise InvalidInput(_("Unknown withdrawal reason."), fields={"reason": [_("Unknown reason.")]})
    account = FundAccount.objects.select_related("depositor", "depositor__spouse").get(pk=account.pk)
    depositor = account.depositor
    checked = check_documents(documents, on=today())
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
        evidence=record_evidence(outcome),
        payee_card=card, payee_name=(payee_name or "").strip(), payee_bank=payee_bank,
        effect={"check": check_record(outcome, lambda: _evaluate(None, account=account, reason=reason, on=on,
                                                                 facts=facts))})
    _save_documents(app, checked, actor)
    _require_documents(app, outcome)
    if online:
        workflow.start(FLOW, app, state=S.SUBMITTED, actor=actor, action="submit", comment=comment)
    else:
        _set_clock(app, on)
        workflow.start(FLOW, app, state=S.ACCEPTED, actor=actor, action="accept", step=workflow.ACCEPT,
                       comment=comment)
    audit.record(actor=actor, action="withdrawal.apply", obj=app,
                 after={"reason": reason, "amount": amount, "channel": app.channel})
    _notify(app, StoredText(gettext_noop("Withdrawal application received")),
            StoredText(gettext_noop("Your withdrawal application %(n)s for %(a)s has been received."),
                       n=app.number, a=format_yuan(amount)), "received")
    if online:
        app = _try_auto_approve(app, outcome)
    return app


def _try_auto_approve(app, outcome):
    reasons = policy.get("withdrawals.auto_approve_reasons", on=app.application_date)
    limit = policy.get("withdrawals.auto_approve_max", on=app.application_date)
    if not (outcome.auto_approvable and app.reason in reasons and app.amount_requested <= limit):
        return app
    rule_name = f"auto:{app.reason}:{type(rules.rule_for(app.reason, app.application_date)).__name__}"
    app = workflow.apply(FLOW, app, action="auto_approve", actor=system_actor(), rule=rule_name,
                         comment=StoredText(gettext_noop("Approved by rule: every data check passed.")),
                         effect=lambda case: _approve_effect(case, rule_name=rule_name))
    _notify_approved(app)
    try:
        with transaction.atomic():
            return pay(actor=system_actor(), application=app)
    except ApplicationError:  # e.g. the center's bank account: the case stays approved for finance to pay
        return W.objects.get(pk=app.pk)


@transaction.atomic
def add_document(*, actor, application, doc_type, file) -> WithdrawalDocument:
    app = W.objects.select_for_update().get(pk=application.pk)
    if app.state not in (S.SUBMITTED, S.ACCEPTED, S.RETURNED):
        raise StateError(_("Documents can only be added before review."), code="invalid_state")
    if not (_is_applicant(actor, app.account) or roles.has_role(actor, roles.CLERK)):
        raise Forbidden(_("Your role does not allow this action."), code="wrong_role")
    checked = check_documents([(doc_type, file)], on=today(), already=app.documents.count())
    _save_documents(app, checked, actor)
    audit.record(actor=actor, action="withdrawal.document", obj=app, after={"doc_type": doc_type})
    return app.documents.order_by("-id").first()
