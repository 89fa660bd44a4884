"""Four-eyes changes of what the ledger's checks accept (read-only in admin): an account's overdraft permission
and a bank account's statement opening balance. One person (finance or a system administrator) requests the
change with a reason; another confirms it, and only then is it applied (or rejects it). The case runs on the
common workflow engine (:mod:`core.workflow`): the request is the 受理 step, the confirmation the 审批 step, so the
engine refuses the requester as confirmer; each step is a CaseTransition and an audit event."""

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import audit, roles, workflow
from core.errors import Forbidden, InvalidInput, StateError
from core.money import FEN, format_yuan, to_decimal
from ledger.models import Account, BankAccount, SettingChange
from ledger.posting import lock_accounts

SETTING_ROLES = (roles.FINANCE, roles.SYSADMIN)
State = SettingChange.State

FLOW = workflow.Workflow(
    name="ledger.setting_change",
    states=dict(State.choices),
    transitions=[
        # requesting is the first step (workflow.start, step 受理)
        workflow.Transition(
            "confirm",
            (State.REQUESTED,),
            State.APPLIED,
            SETTING_ROLES,
            step=workflow.APPROVE,
            label=gettext_lazy("confirm"),
        ),
        workflow.Transition(
            "reject",
            (State.REQUESTED,),
            State.REJECTED,
            SETTING_ROLES,
            step=workflow.APPROVE,
            label=gettext_lazy("reject"),
        ),
    ],
)


def _require_person_with_reason(actor, reason):
    """A settings change of the ledger: a person (finance or a system administrator) who says why."""
    if actor is None or roles.is_system(actor):
        raise Forbidden(_("A member of staff must make this change."), code="person_required")
    roles.require_role(actor, *SETTING_ROLES)
    reason = (reason or "").strip()
    if not reason:
        msg = _("Give the reason for the change.")
        raise InvalidInput(msg, code="reason_required", fields={"reason": [msg]})
    if len(reason) > 200:
        msg = _("The reason may be at most 200 characters long.")
        raise InvalidInput(msg, code="reason_too_long", fields={"reason": [msg]})
    return reason


def _start(change, actor):
    workflow.start(
        FLOW, change, state=State.REQUESTED, actor=actor, action="request", step=workflow.ACCEPT, comment=change.reason
    )
    audit.record(
        actor=actor,
        action=f"{FLOW.name}.request",
        obj=change,
        comment=change.reason,
        after={
            "kind": change.kind,
            "allow_negative": change.allow_negative,
            "opening_balance": change.opening_balance,
            "target": (change.account or change.bank_account).pk,
        },
    )
    return change


@transaction.atomic
def set_overdraft(*, actor, account: Account, allowed: bool, reason) -> SettingChange:
    """Request to allow or forbid a ledger account to go below zero; applied when a second person confirms."""
    reason = _require_person_with_reason(actor, reason)
    change = SettingChange.objects.create(
        kind=SettingChange.Kind.OVERDRAFT, account=account, allow_negative=bool(allowed), reason=reason
    )
    return _start(change, actor)


@transaction.atomic
def change_opening_balance(*, actor, bank_account: BankAccount, opening_balance, reason) -> SettingChange:
    """Request to correct the statement opening balance the reconciliation starts from; applied when a second
    person confirms."""
    reason = _require_person_with_reason(actor, reason)
    try:
        amount = to_decimal(opening_balance)
    except (TypeError, ValueError, ArithmeticError):
        amount = None
    if amount is None or not amount.is_finite() or amount != amount.quantize(FEN) or abs(amount) >= 10**15:
        msg = _("Enter an amount in yuan with at most two decimals.")
        raise InvalidInput(msg, code="bad_amount", fields={"opening_balance": [msg]})
    change = SettingChange.objects.create(
        kind=SettingChange.Kind.OPENING_BALANCE, bank_account=bank_account, opening_balance=amount, reason=reason
    )
    return _start(change, actor)


def _apply_overdraft(change, actor):
    acc = lock_accounts([change.account_id])[change.account_id]
    allowed = change.allow_negative
    if not allowed and acc.balance < 0:
        raise StateError(
            _("Ledger account %(a)s is below zero (%(b)s); it must be brought back to zero first.")
            % {"a": acc.code, "b": format_yuan(acc.balance)},
            code="negative_balance",
        )
    before = acc.allow_negative
    acc.allow_negative = allowed
    acc._change_reason = change.reason[:100]
    acc.save(update_fields=["allow_negative"])
    audit.record(
        actor=actor,
        action="ledger.account.overdraft",
        obj=acc,
        before={"allow_negative": before},
        after={"allow_negative": allowed},
        comment=change.reason,
    )


def _apply_opening_balance(change, actor):
    account = BankAccount.objects.select_for_update().get(pk=change.bank_account_id)
    before = account.opening_balance
    account.opening_balance = change.opening_balance
    account._change_reason = change.reason[:100]
    account.save(update_fields=["opening_balance"])
    audit.record(
        actor=actor,
        action="ledger.bank_account.opening_balance",
        obj=account,
        before={"opening_balance": before},
        after={"opening_balance": change.opening_balance},
        comment=change.reason,
    )


@transaction.atomic
def confirm_setting_change(*, actor, change: SettingChange, comment="") -> SettingChange:
    """The second person confirms: the change is applied now, under the lock of the account it changes."""
    if actor is None or roles.is_system(actor):
        raise Forbidden(_("A member of staff must make this change."), code="person_required")

    def effect(case):
        if case.kind == SettingChange.Kind.OVERDRAFT:
            _apply_overdraft(case, actor)
        else:
            _apply_opening_balance(case, actor)

    return workflow.apply(FLOW, change, action="confirm", actor=actor, comment=comment, effect=effect)


@transaction.atomic
def reject_setting_change(*, actor, change: SettingChange, comment="") -> SettingChange:
    if actor is None or roles.is_system(actor):
        raise Forbidden(_("A member of staff must make this change."), code="person_required")
    return workflow.apply(FLOW, change, action="reject", actor=actor, comment=(comment or "")[:500])
