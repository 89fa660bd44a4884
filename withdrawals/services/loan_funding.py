"""Withdrawals that repay the center's own loans with no bank round trip (DOMAIN.md §3.4 (a) and (c)):
一键还贷 from the portal (:func:`repay_loan_from_fund`) and the set-up of 按月冲还贷 at the counter
(:func:`set_up_loan_offset`; the monthly run is :mod:`withdrawals.services.standing`).

Withdrawals may not import loans: the loan side is reached through settings (``LOAN_FUND_TARGET``: pay a loan
from a fund account; ``LOAN_OFFSET_SOURCE``: the loan's status, its payment and the accounts that may repay it).
This module checks the withdrawal side — the account is open, no fraud ban, the actor is the account's own
depositor (each person confirms their own account), the minimum balance stays — and records the withdrawal
case (reason 06, completed: the money went to the loan, nothing goes to a card) in the same transaction as the
loan's posting, so a refused request writes nothing anywhere."""

import datetime
import uuid

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import FundAccount
from core import audit, policy, roles, workflow
from core.business_date import today
from core.errors import Forbidden, InvalidInput, StateError
from core.money import format_yuan
from core.translatable import StoredText
from withdrawals import rules
from withdrawals.models import FraudBan, Reason, StandingInstruction, WithdrawalApplication
from withdrawals.services import common as svc
from withdrawals.services.flow import FLOW

W = WithdrawalApplication
SI = StandingInstruction
OFFSET_RULE = "loan_offset:center"
FUND_RULE = "loan_fund:center"


def _target(name):
    path = getattr(settings, name, "")
    if not path:
        raise StateError(_("Repaying loans from the fund is not available."), code="not_configured")
    return import_string(path)


def refusals(account, on) -> list[str]:
    """Why ``account`` cannot repay a loan now (the withdrawal side): closed, or a withdrawal ban after fraud."""
    out = []
    if account.is_closed:
        out.append(_("The account is closed."))
    ban = (FraudBan.objects.filter(depositor_id=account.depositor_id, kind=FraudBan.Kind.WITHDRAWAL,
                                   starts_on__lte=on, ends_on__gte=on).order_by("-ends_on").first())
    if ban:
        out.append(_("Withdrawals are banned until %(d)s because of an earlier fraudulent withdrawal.")
                   % {"d": ban.ends_on})
    return out


def _record_case(*, actor, account, amount, contract, channel, on, rule, facts, standing=None, period=None):
    app = W.objects.create(
        number=svc._number(), account=account, depositor=account.depositor, reason=Reason.LOAN_REPAYMENT,
        channel=channel, state=W.State.CLOSED, application_date=on, facts={**facts, "loan_kind": "center",
                                                                           "loan_contract": contract},
        amount_requested=amount, amount_approved=amount, payee_card="", payee_name=contract, accepted_on=on,
        decided_on=on, auto_rule=rule, standing=standing, period=period)
    workflow.start(FLOW, app, state=W.State.APPROVED, actor=actor, step="approve", rule=rule)
    workflow.record(app, workflow=FLOW, action="pay", from_state=W.State.APPROVED, to_state=W.State.CLOSED,
                    actor=actor, comment=StoredText(gettext_noop("Paid to loan %(n)s"), n=contract))
    return app


@transaction.atomic
def repay_loan_from_fund(*, actor, account: FundAccount, contract_number, amount, keep="term") -> WithdrawalApplication:
    """一键还贷: the depositor uses their own fund balance on a loan of the center on which they are the borrower
    or the spouse: what is due now, then a partial prepayment (keep the term or the payment) or the payoff
    (``settings.LOAN_FUND_TARGET``). One transaction: the loan's entry debits the fund account, and the
    withdrawal case (reason 06, completed) records it. Refused, writing nothing: another person's account, a
    closed account, a fraud ban, more than the available balance less the minimum balance (frozen money never
    counts), a loan that is not being repaid, a prepayment below the policy minimum or beyond the yearly count."""
    account = FundAccount.objects.select_related("depositor").get(pk=account.pk)
    if not svc._is_applicant(actor, account):
        raise Forbidden(_("Each person repays from their own fund account only."), code="not_own_account")
    on = today()
    problems = refusals(account, on)
    if problems:
        raise StateError(" ".join(str(p) for p in problems), code="not_eligible")
    keep_balance = policy.get("withdrawals.min_balance", on=on)
    key = f"loan_fund:{account.pk}:{uuid.uuid4().hex}"
    result = _target("LOAN_FUND_TARGET")(actor=actor, contract_number=contract_number, account_id=account.pk,
                                         amount=amount, keep=keep, keep_balance=keep_balance, key=key)
    app = _record_case(actor=actor, account=account, amount=result["amount"], contract=result["contract"],
                       channel=W.Channel.ONLINE, on=on, rule=FUND_RULE,
                       facts={"repayments": result["repayments"], "payoff": result["payoff"], "keep": keep})
    svc._notify(app, StoredText(gettext_noop("Loan repaid from your fund account")),
                StoredText(gettext_noop("%(a)s of your fund balance repaid loan %(n)s."),
                           a=format_yuan(result["amount"]), n=result["contract"]), "loan_fund")
    audit.record(actor=actor, action="withdrawal.loan_fund", obj=app,
                 after={"amount": result["amount"], "contract": result["contract"], "payoff": result["payoff"]})
    return app


@transaction.atomic
def set_up_loan_offset(*, actor, contract_number, accounts, starts_on=None) -> list[StandingInstruction]:
    """按月冲还贷 at the counter: one standing instruction per chosen account (the borrower's and/or the spouse's,
    whose signatures the clerk has), carrying the contract number. Each month the standing run pays what the loan
    owes for the month straight to the loan, the borrower's account first (``settings.LOAN_OFFSET_TARGET``)."""
    if not roles.has_role(actor, roles.CLERK, roles.LOAN_OFFICER):
        raise Forbidden(_("Only a counter clerk or a loan officer can set up a monthly loan offset."),
                        code="wrong_role")
    info = _target("LOAN_OFFSET_SOURCE")(number=contract_number)
    if info is None:
        raise InvalidInput(_("There is no loan contract %(n)s.") % {"n": str(contract_number)[:30]},
                           fields={"contract": [_("Unknown contract.")]}, code="unknown_contract")
    if not info["active"]:
        raise StateError(_("Contract %(n)s is not being repaid.") % {"n": info["contract"]}, code="loan_not_active")
    allowed = set(info["accounts"])
    chosen = sorted({getattr(a, "pk", a) for a in accounts or ()})
    if not chosen:
        raise InvalidInput(_("Choose at least one fund account."), fields={"accounts": [_("Choose an account.")]},
                           code="no_account")
    if any(pk not in allowed for pk in chosen):
        raise InvalidInput(_("Only the borrower's and the spouse's fund accounts can repay this loan."),
                           fields={"accounts": [_("Not an account of the borrower or the spouse.")]},
                           code="not_a_party")
    on = today()
    starts_on = rules.month_start(starts_on or on)
    if not isinstance(starts_on, datetime.date):
        raise InvalidInput(_("Give the first month."), code="bad_date")
    out = []
    for account in FundAccount.objects.select_related("depositor").filter(pk__in=chosen).order_by("pk"):
        problems = refusals(account, on)
        if problems:
            raise StateError(" ".join(str(p) for p in problems), code="not_eligible")
        if SI.objects.filter(account=account, kind=SI.Kind.LOAN_OFFSET, status=SI.Status.ACTIVE).exists():
            raise StateError(_("This account already has an active standing withdrawal of this kind."),
                             code="duplicate_standing")
        instr = SI.objects.create(account=account, kind=SI.Kind.LOAN_OFFSET, monthly_amount=info["payment"],
                                  payee_card="", payee_name=info["contract"], starts_on=starts_on,
                                  loan_contract=info["contract"], facts={"loan_kind": "center"}, created_by=actor)
        audit.record(actor=actor, action="withdrawal.standing.create", obj=instr,
                     after={"kind": SI.Kind.LOAN_OFFSET, "contract": info["contract"], "starts_on": starts_on})
        out.append(instr)
    return out
