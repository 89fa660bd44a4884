"""Payouts (支付): bank instructions to the depositor's own card (or the heirs' cards), settlement (办结) and
failure (the posting is reversed and the case reopens), closing withdrawals (interest first, then the whole
balance; the account is closed when the bank has paid)."""

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts import services as account_services
from accounts.models import FundAccount
from core import audit, roles, workflow
from core.actors import system_actor
from core.business_date import today
from core.errors import Forbidden, InsufficientFunds, StateError
from core.money import ZERO, format_yuan, round_money, to_decimal
from core.translatable import StoredText
from ledger import chart
from ledger import services as ledger_services
from ledger.models import Account, BankInstruction
from ledger.posting import credit, debit, lock_accounts, post
from withdrawals.models import Reason, WithdrawalApplication
from withdrawals.services.common import _is_applicant, _notify, check_card, no_heirs
from withdrawals.services.court import refuse_court_case
from withdrawals.services.flow import FLOW

W = WithdrawalApplication
S = W.State


def _heirs_split(app, total):
    """[{name, card, amount}] by the heirs' shares, half-up to the fen, the remainder to the last heir."""
    heirs = app.facts.get("heirs") or []
    out, used = [], ZERO
    for i, heir in enumerate(heirs):
        amount = total - used if i == len(heirs) - 1 else round_money(total * to_decimal(str(heir["share"])))
        used += amount
        out.append({"name": heir["name"].strip(), "card": heir["card"], "amount": str(amount)})
    return out


def attempt_instructions(app):
    """The bank instructions of the case's current payment attempt (several for heirs)."""
    key = f"withdrawal:{app.pk}:{app.payments}"
    return BankInstruction.objects.filter(source=f"withdrawal:{app.pk}").filter(
        Q(entry__idempotency_key=key) | Q(entry__idempotency_key__startswith=key + ":")).order_by("pk")


def _pay_effect(app, actor):
    account = FundAccount.objects.select_related("ledger_account").get(pk=app.account_id)
    bank = ledger_services.default_bank_account()
    if app.closes_account:
        from deposits.services.interest import post_closure_interest

        if app.interest_entry_id is None and app.payments == 0:  # a retried payout posts no second interest
            entries = post_closure_interest(account=account, closing_date=today(), actor=actor)
            if entries:  # the years the settlement had not reached yet, then the current part-year
                app.interest_entry = entries[-1]
                app.interest_paid = sum((e.total for e in entries), ZERO)
        ledger = lock_accounts([account.ledger_account_id])[account.ledger_account_id]
        if ledger.held > 0:
            raise StateError(_("Part of the balance is frozen; the account cannot be closed."), code="frozen")
        amount = ledger.balance
        if app.payments == 0:
            app.amount_approved = amount
    else:
        amount = app.amount_approved
    if amount <= 0:
        raise StateError(_("There is nothing to pay."), code="nothing_to_pay")
    app.payments += 1
    purpose = StoredText(gettext_noop("Withdrawal %(n)s %(r)s"), n=app.number, r=Reason(app.reason).label)
    if no_heirs(app):
        _to_value_added(app, account, amount, purpose, actor)
        return
    if app.reason == Reason.DEATH:
        _pay_heirs(app, account, bank, purpose, actor)
        return
    app.instruction = ledger_services.create_payment(
        from_account=account.ledger_account, amount=amount, bank_account=bank, payee_name=app.payee_name,
        payee_account=app.payee_card, payee_bank=app.payee_bank, purpose=purpose, actor=actor,
        idempotency_key=f"withdrawal:{app.pk}:{app.payments}", source=f"withdrawal:{app.pk}",
        business_type="12" if app.closes_account else "11")


def _to_value_added(app, account, amount, purpose, actor):
    """Death with no heir or legatee: the balance becomes value-added income (Regulations Art. 24 para. 3).
    No money leaves the center, so there is no bank instruction."""
    value_added = Account.objects.get(code=chart.VALUE_ADDED)
    post(lines=[debit(account.ledger_account_id, amount), credit(value_added.pk, amount)], memo=purpose,
         actor=actor, idempotency_key=f"withdrawal:{app.pk}:{app.payments}", business_type="12",
         source=f"withdrawal:{app.pk}")
    app.instruction = None


def _pay_heirs(app, account, bank, purpose, actor):
    """One instruction per heir not yet paid (a retry after a failure pays only the heirs still unpaid)."""
    split = app.effect.get("heirs_split") or _heirs_split(app, app.amount_approved)
    app.effect = {**app.effect, "heirs_split": split}
    paid = set(BankInstruction.objects.filter(source=f"withdrawal:{app.pk}", status=BankInstruction.Status.SETTLED)
               .values_list("payee_account", flat=True))
    first = None
    for i, heir in enumerate(split):
        if heir["card"] in paid:
            continue
        instruction = ledger_services.create_payment(
            from_account=account.ledger_account, amount=to_decimal(heir["amount"]), bank_account=bank,
            payee_name=heir["name"], payee_account=heir["card"], purpose=purpose, actor=actor,
            idempotency_key=f"withdrawal:{app.pk}:{app.payments}:{i}", source=f"withdrawal:{app.pk}",
            business_type="12")
        first = first or instruction
    app.instruction = first


def _refused_for_funds(exc) -> bool:
    """The money is not there to pay (a freeze or another withdrawal since the approval): no retry can help."""
    return isinstance(exc, InsufficientFunds) or getattr(exc, "code", "") == "frozen"


@transaction.atomic
def pay(*, actor, application) -> WithdrawalApplication:
    """支付: debit the personal account and queue the bank instruction to the depositor's own card. Holds are
    respected by the posting service (the available balance never goes below the held amount).

    When the posting is refused because the money is not available any more (a judicial freeze, another
    withdrawal since the approval), the case does not stay approved: it ends rejected with the reason, and the
    applicant is told (:func:`refuse_payment`). Other errors are raised and change nothing."""
    try:
        with transaction.atomic():
            app = workflow.apply(FLOW, application, action="pay", actor=actor,
                                 effect=lambda case: _pay_effect(case, actor))
    except (InsufficientFunds, StateError) as exc:
        if not _refused_for_funds(exc):
            raise
        return refuse_payment(actor=actor, application=application, reason=exc.message)
    if no_heirs(app):  # nothing for a bank to pay: completed at once, the account closes
        return settle_payment(application=app, actor=system_actor())
    _notify(app, StoredText(gettext_noop("Withdrawal paid")),
            StoredText(gettext_noop("%(a)s of your withdrawal %(n)s has been sent to your card ending %(c)s."),
                       a=format_yuan(app.amount_approved), n=app.number, c=app.payee_card[-4:]),
            f"paid:{app.payments}")
    return app


@transaction.atomic
def refuse_payment(*, actor, application, reason) -> WithdrawalApplication:
    """An approved case whose payment cannot be made: rejected with the reason (nothing was posted), and the
    applicant is notified. A new application may be made when the money is available again."""
    text = StoredText(gettext_noop("The payment was refused: %(r)s"), r=reason)

    def effect(case):
        case.refusal_reason = text
        case.decided_on = today()

    app = workflow.apply(FLOW, application, action="payment_refused", actor=actor, comment=text, effect=effect)
    _notify(app, StoredText(gettext_noop("Withdrawal rejected")),
            StoredText(gettext_noop("Your withdrawal application %(n)s was rejected: %(r)s"), n=app.number, r=text),
            "payment_refused")
    return app


@transaction.atomic
def settle_payment(*, application, bank_reference=None, actor) -> WithdrawalApplication:
    """The bank paid (办结). A closing withdrawal closes the account (status 05) now."""
    app = W.objects.select_related("instruction").get(pk=application.pk)
    refuse_court_case(app)
    for instruction in attempt_instructions(app).filter(status=BankInstruction.Status.PENDING):
        ledger_services.settle_instruction(instruction=instruction,
                                           bank_reference=bank_reference or f"BANK{instruction.pk:010d}",
                                           actor=actor)

    def effect(case):
        if case.closes_account:
            account_services.close_account(actor=actor, account=case.account,
                                           status=FundAccount.Status.CLOSED_WITHDRAWN,
                                           reason=_("Closing withdrawal %(n)s") % {"n": case.number})

    return workflow.apply(FLOW, app, action="settle", actor=actor, effect=effect)


@transaction.atomic
def fail_payment(*, application, reason, actor) -> WithdrawalApplication:
    """The bank refused: the posting is reversed (the balance is exactly what it was) and the case reopens
    (back to approved) so it can be paid again, e.g. to a corrected card."""
    app = W.objects.select_related("instruction").get(pk=application.pk)
    refuse_court_case(app)
    for instruction in attempt_instructions(app).filter(status=BankInstruction.Status.PENDING):
        ledger_services.fail_instruction(instruction=instruction, reason=reason, actor=actor)
    app = workflow.apply(FLOW, app, action="payment_failed", actor=actor, comment=reason)
    _notify(app, StoredText(gettext_noop("Withdrawal payment failed")),
            StoredText(gettext_noop("The bank could not pay withdrawal %(n)s: %(r)s"), n=app.number, r=reason),
            f"failed:{app.payments}")
    return app


@transaction.atomic
def change_card(*, actor, application, payee_card, payee_name) -> WithdrawalApplication:
    app = W.objects.select_for_update().select_related("depositor").get(pk=application.pk)
    if app.state != S.APPROVED:
        raise StateError(_("The card can only be changed before payment."), code="invalid_state")
    if not (_is_applicant(actor, app.account) or roles.has_role(actor, roles.CLERK)):
        raise Forbidden(_("Your role does not allow this action."), code="wrong_role")
    app.payee_card = check_card(card=payee_card, name=payee_name, depositor=app.depositor)
    app.payee_name = payee_name.strip()
    app.save(update_fields=["payee_card", "payee_name", "updated_at"])
    audit.record(actor=actor, action="withdrawal.change_card", obj=app, after={"card": app.payee_card[-4:]})
    return app


def sync_bank(*, actor) -> dict:
    """Move paid cases whose instruction the bank settled or failed (e.g. by ``simulate_bank``)."""
    done = {"settled": 0, "failed": 0}
    # Cases paid by their own instruction (batches of standing withdrawals: withdrawals.services.standing.sync_bank),
    # including a standing month's case paid again on its own after the bank returned it.
    # Court deductions move with their judicial request (withdrawals.services.court), never here.
    for app in W.objects.filter(state=S.PAID).exclude(instruction__payee_account=ledger_services.BATCH_PAYEE).exclude(
            reason=Reason.COURT_DEDUCTION):
        statuses = dict(attempt_instructions(app).values_list("status", "failure_reason"))
        if not statuses or BankInstruction.Status.PENDING in statuses:
            continue
        if BankInstruction.Status.FAILED in statuses:
            fail_payment(application=app, reason=statuses[BankInstruction.Status.FAILED], actor=actor)
            done["failed"] += 1
        else:
            settle_payment(application=app, actor=actor)
            done["settled"] += 1
    return done
