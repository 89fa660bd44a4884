"""Repaying the center's own loans from housing fund balances (DOMAIN.md §3.4, §4.7), the mortgage release after
the payoff and the borrower's prepayment requests from their own money.

* **按月冲还贷** (monthly offset): :func:`offset_installments` pays what a loan owes for the month (overdue
  installments first, then the month's installment) from the fund accounts of the borrower and the spouse, with no
  bank round trip: one entry per loan debits the fund account(s) and credits the loan, through the one allocation
  path of :func:`loans.services.repayments.apply_installments`.
* **一键还贷** (one-step repayment from the fund): :func:`pay_from_fund` uses a fund balance to pay what is due
  now, then a partial prepayment (keep the term or the payment) or the payoff when the money is enough
  (:func:`plan_payment` says which, and :func:`fund_preview` shows it before the borrower confirms).

The seam with withdrawals: withdrawals and loans may not import each other. The monthly offset is a standing
withdrawal (``withdrawals.StandingInstruction`` of kind loan offset carrying the contract number): the standing
run calls :func:`offset_installments` through ``settings.LOAN_OFFSET_TARGET`` inside its chunk's transaction and
records the month's withdrawal cases from what it returns; 一键还贷 is a withdrawal service
(``withdrawals.services.loan_funding``) that checks the withdrawal side (account, fraud ban, minimum balance),
calls :func:`pay_from_fund` through ``settings.LOAN_FUND_TARGET`` and records the withdrawal in the same
transaction. The loans side checks the loan side: the contract is being repaid, the account is the borrower's or
the spouse's, the available balance (balance − frozen money − the minimum balance) is never exceeded.

Locks: the contract row first, then the fund ledger accounts in primary-key order (the order of
:mod:`loans.services.repayments`); the posting service locks them again (a no-op) and re-checks the available
balance under the lock.
"""

import copy
import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import FundAccount
from core import audit, policy, roles
from core.business_date import today
from core.errors import Forbidden, InsufficientFunds, InvalidInput, StateError
from core.money import ZERO, format_yuan, to_decimal
from ledger.models import Account
from loans import calculations as calc
from loans.models import LoanContract, LoanParty, LoanRepayment, PrepaymentRequest
from loans.services import repayments as rp

C = LoanContract.Status
FUND = LoanRepayment.Source.FUND
KEEPS = ("term", "payment")


def _bad(field_name, message, code=None):
    return InvalidInput(message, code=code, fields={field_name: [message]})


def month_end(month: datetime.date) -> datetime.date:
    first = month.replace(day=1)
    nxt = (first + datetime.timedelta(days=32)).replace(day=1)
    return nxt - datetime.timedelta(days=1)


def money(value, name="amount") -> Decimal:
    """A positive amount in yuan with at most two decimals, or a refusal on ``name``."""
    try:
        amount = to_decimal(value)
    except (ValueError, TypeError, ArithmeticError):
        amount = None
    if amount is None or not amount.is_finite() or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise _bad(name, _("Give an amount greater than zero with at most two decimals."), "bad_amount")
    if amount >= Decimal("1e15"):
        raise _bad(name, _("The amount is too large."), "bad_amount")
    return amount


# --- who may pay a loan from which fund account ---------------------------------------------------------------


def fund_depositors(contract) -> dict:
    """{depositor id: "borrower" | "spouse"}: the people whose fund accounts may repay ``contract`` (the
    borrower and the spouse, when the spouse deposits with this center)."""
    out = {contract.borrower_id: "borrower"}
    spouse = (
        LoanParty.objects.filter(application_id=contract.application_id, role=LoanParty.Role.SPOUSE)
        .exclude(depositor=None)
        .values_list("depositor_id", flat=True)
        .first()
    )
    if spouse and spouse not in out:
        out[spouse] = "spouse"
    return out


def fund_accounts(contract) -> list[FundAccount]:
    """The open fund accounts of the borrower and the spouse, the borrower's first."""
    people = fund_depositors(contract)
    accounts = FundAccount.objects.filter(depositor_id__in=list(people)).exclude(status__in=FundAccount.CLOSED_STATUSES)
    return sorted(accounts.select_related("depositor"), key=lambda a: (people[a.depositor_id] != "borrower", a.pk))


def _lock_contract(number) -> LoanContract:
    c = (
        LoanContract.objects.select_for_update(of=("self",))
        .select_related("ledger_account")
        .filter(number=str(number)[:30])
        .first()
    )
    if c is None:
        raise _bad("contract", _("There is no loan contract %(n)s.") % {"n": str(number)[:30]}, "unknown_contract")
    if c.status not in rp.ACTIVE:
        raise StateError(
            _("Contract %(n)s is %(s)s; it takes no repayment.") % {"n": c.number, "s": c.get_status_display()},
            code="loan_not_active",
        )
    return c


def _lock_available(ledger_ids, keep_balance) -> dict:
    """Lock the ledger accounts in primary-key order; {id: balance − frozen − the minimum balance, at least 0}."""
    rows = Account.objects.select_for_update().filter(pk__in=sorted(set(ledger_ids))).order_by("pk")
    return {a.pk: max(a.balance - a.held - keep_balance, ZERO) for a in rows}


def _draw(order, available, amount) -> list:
    """[(ledger id, amount)] taking ``amount`` from the accounts in ``order`` (the borrower's first), each at
    most its available balance; ``available`` is lowered by what is taken."""
    out, left = [], amount
    for ledger_id in order:
        take = min(available.get(ledger_id, ZERO), left)
        if take > 0:
            out.append((ledger_id, take))
            available[ledger_id] -= take
            left -= take
    if left > 0:  # the caller checked the total; never more than the available balance
        raise InsufficientFunds(_("The fund balance available is not enough."), code="insufficient_funds")
    return out


# --- what a payment from the fund does -------------------------------------------------------------------------


@dataclass
class Plan:
    """What ``amount`` from the fund does on a loan now: ``due`` of the installments due (overdue first), then a
    partial prepayment of ``prepay`` (keeping the term or the payment) or the payoff (``payoff``: the quote)."""

    amount: Decimal
    due: Decimal
    due_total: Decimal
    owed: list
    prepay: Decimal = ZERO
    payoff: object = None
    result: object = None  # loans.calculations.Prepayment of the partial prepayment
    rows_after: list = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return self.due + self.prepay + (self.payoff.total if self.payoff is not None else ZERO)


def _due_now(rows, on) -> list:
    """The unpaid installments due on or before ``on`` (overdue or in their grace days), and the next one when it
    is partly paid (a prepayment needs it settled first)."""
    owed = rp.dues(None, on=on, rows=rows)
    by_number = {r.number: r for r in rows}
    out = []
    for d in owed:
        row = by_number[d.number]
        if row.due_date <= on or row.principal_paid or row.interest_paid:
            out.append(d)
    return out


def _rows_after(rows, owed, amount):
    """Copies of ``rows`` as they would be after ``amount`` is allocated to ``owed``."""
    after = [copy.copy(r) for r in rows]
    by_number = {r.number: r for r in after}
    parts, _left = calc.allocate(amount, owed)
    for part in parts:
        row = by_number[part.number]
        row.principal_paid += part.principal
        row.interest_paid += part.interest
        row.penalty_paid += part.penalty
    return after


def plan_payment(c, *, rows, amount, keep, on) -> Plan:
    """What paying ``amount`` from the fund does now (the rules of 一键还贷): the installments due first (overdue
    ones before, penalty → interest → principal); what is left pays the loan off when it is enough (only the payoff
    amount is taken) or else is a partial prepayment within the policy minimum and yearly count. Refusals are
    :class:`core.errors.InvalidInput` on ``amount`` or ``keep``."""
    owed = _due_now(rows, on)
    due_total = sum((d.total for d in owed), ZERO)
    due = min(amount, due_total)
    plan = Plan(amount=amount, due=due, due_total=due_total, owed=owed)
    plan.rows_after = _rows_after(rows, owed, due) if due else rows
    rest = amount - due
    if rest <= 0:
        return plan
    quote = rp.payoff_quote(contract=c, on=on, rows=plan.rows_after)
    if rest >= quote.total:
        plan.payoff = quote
        return plan
    if keep not in KEEPS:
        raise _bad("keep", _("Choose whether to keep the term or keep the payment."), "bad_keep")
    rp.check_prepayment(c, amount=rest, on=on)
    _after, plan.result = rp.prepayment_result(c, rows=plan.rows_after, amount=rest, keep=keep)
    plan.prepay = rest
    return plan


def fund_preview(*, contract, usable, amount=None, keep="term", on=None) -> dict:
    """What the 一键还贷 page shows before the borrower confirms: the money usable (``usable``: the account's
    available balance less the minimum balance, from withdrawals), what is due now, the payoff amount after it,
    the most that can be used, and for ``amount`` (default: that most) what it pays — the installments due, then
    a prepayment with both results (keep the term: the new payment; keep the payment: the new number of months),
    or the payoff — or why it cannot."""
    on = on or today()
    rows = rp.open_rows(contract)
    owed = _due_now(rows, on)
    due_total = sum((d.total for d in owed), ZERO)
    try:
        quote = rp.payoff_quote(
            contract=contract, on=on, rows=_rows_after(rows, owed, due_total) if due_total else rows
        )
    except InvalidInput:  # no principal left to pay off
        quote = None
    most = min(usable, due_total + (quote.total if quote is not None else ZERO))
    out = {
        "usable": usable,
        "due_total": due_total,
        "overdue_total": sum((d.total for d in owed if d.overdue), ZERO),
        "payoff_total": quote.total if quote is not None else ZERO,
        "payoff": quote,
        "most": most,
        "minimum": policy.get("loans.prepay_min_amount", on),
        "prepayments_left": max(policy.get("loans.prepay_per_year", on) - rp.prepayments_in_year(contract, on.year), 0),
        "amount": amount if amount is not None else most,
        "plans": {},
        "error": "",
    }
    if out["amount"] <= 0:
        out["error"] = _("No fund balance can be used now.")
        return out
    if out["amount"] > usable:
        out["error"] = _("%(a)s is more than the %(u)s that can be used.") % {
            "a": format_yuan(out["amount"]),
            "u": format_yuan(usable),
        }
        return out
    for mode in KEEPS:
        try:
            out["plans"][mode] = plan_payment(contract, rows=rows, amount=out["amount"], keep=mode, on=on)
        except InvalidInput as exc:
            out["error"] = exc.message
            out["plans"] = {}
            break
    return out


# --- 一键还贷 ---------------------------------------------------------------------------------------------------


@transaction.atomic
def pay_from_fund(*, actor, contract_number, account_id, amount, keep, keep_balance, key) -> dict:
    """Use ``amount`` of fund account ``account_id`` (the borrower's or the spouse's) on the loan now, as
    :func:`plan_payment` says: the installments due, then a partial prepayment or the payoff. Called through
    ``settings.LOAN_FUND_TARGET`` by the withdrawal service that records the withdrawal in the same transaction
    (and has checked the actor is the account's own depositor). ``keep_balance``: the minimum balance that must
    stay. Returns {"contract", "amount" (taken from the account), "repayments": [ids], "payoff": bool}."""
    on = today()
    amount = money(amount)
    c = _lock_contract(contract_number)
    account = FundAccount.objects.filter(pk=account_id).first()
    if account is None or account.depositor_id not in fund_depositors(c):
        raise Forbidden(_("Only the borrower's or the spouse's fund account can repay this loan."), code="not_a_party")
    available = _lock_available([account.ledger_account_id], keep_balance)
    usable = available.get(account.ledger_account_id, ZERO)
    if amount > usable:
        raise InsufficientFunds(
            _(
                "%(a)s is more than the %(u)s of the fund balance that can be used (frozen money and the minimum "
                "balance stay in the account)."
            )
            % {"a": format_yuan(amount), "u": format_yuan(usable)},
            code="above_available",
            fields={"amount": [_("Not enough available balance.")]},
        )
    rows = rp.open_rows(c)
    plan = plan_payment(c, rows=rows, amount=amount, keep=keep, on=on)
    order = [account.ledger_account_id]
    done = []
    if plan.due:
        done.append(
            rp.apply_installments(
                c,
                rows=rows,
                owed=plan.owed,
                amount=plan.due,
                sources=_draw(order, available, plan.due),
                key=f"{key}:due",
                actor=actor,
                on=on,
                source=FUND,
            )
        )
    if plan.payoff is not None:
        quote = rp.payoff_quote(contract=c, on=on)
        done.append(
            rp.apply_payoff(
                c,
                quote=quote,
                sources=_draw(order, available, quote.total),
                key=f"{key}:payoff",
                actor=actor,
                on=on,
                source=FUND,
            )
        )
    elif plan.prepay:
        done.append(
            rp.apply_prepayment(
                c,
                rows=rp.open_rows(c),
                amount=plan.prepay,
                keep=keep,
                sources=_draw(order, available, plan.prepay),
                key=f"{key}:prepay",
                actor=actor,
                on=on,
                source=FUND,
            )
        )
    total = sum((r.amount for r in done), ZERO)
    return {
        "contract": c.number,
        "amount": total,
        "repayments": [r.pk for r in done],
        "payoff": plan.payoff is not None,
    }


# --- 按月冲还贷 -------------------------------------------------------------------------------------------------


def offset_installments(*, month, items, keep_balance, actor) -> dict:
    """The monthly offset of one chunk of standing instructions (called by the standing run through
    ``settings.LOAN_OFFSET_TARGET``, inside the chunk's transaction). ``items``: [{"instruction", "contract"
    (number), "account" (fund account id), "ledger" (its ledger account id)}]. For each loan: what it owes through
    the end of ``month`` (overdue first), taken from its accounts of the chunk (the borrower's first), each at
    most its available balance less ``keep_balance``; ONE entry per loan debits those fund accounts and credits
    the loan through :func:`loans.services.repayments.apply_installments`.

    Returns {"paid": {instruction: (amount, repayment id)}, "skipped": {instruction: reason}, "stopped":
    {instruction: reason}} (stopped: the loan is no longer being repaid, so the instruction ends)."""
    out = {"paid": {}, "skipped": {}, "stopped": {}}
    if not items:
        return out
    on = today()
    until = month_end(month)
    numbers = sorted({str(i["contract"])[:30] for i in items})
    contracts = list(
        LoanContract.objects.select_for_update(of=("self",))
        .select_related("ledger_account")
        .filter(number__in=numbers)
        .order_by("pk")
    )
    by_number = {c.number: c for c in contracts}
    available = _lock_available([i["ledger"] for i in items], keep_balance)
    owners = dict(FundAccount.objects.filter(pk__in=[i["account"] for i in items]).values_list("pk", "depositor_id"))
    for c in contracts:
        mine = [i for i in items if i["contract"] == c.number]
        if c.status not in rp.ACTIVE:
            for i in mine:
                out["stopped"][i["instruction"]] = _("The loan %(n)s is %(s)s.") % {
                    "n": c.number,
                    "s": c.get_status_display(),
                }
            continue
        people = fund_depositors(c)
        usable = []
        for i in mine:
            if people.get(owners.get(i["account"])) is None:
                out["stopped"][i["instruction"]] = _("The account is not the borrower's or the spouse's.")
            else:
                usable.append(i)
        usable.sort(key=lambda i: (people[owners[i["account"]]] != "borrower", i["ledger"]))
        rows = rp.open_rows(c)
        dated = {r.number: r.due_date for r in rows}
        owed = [d for d in rp.dues(c, on=on, rows=rows) if dated[d.number] <= until]
        due = sum((d.total for d in owed), ZERO)
        if not usable:
            continue
        if due == 0:
            for i in usable:
                out["skipped"][i["instruction"]] = _("Nothing is due on the loan this month.")
            continue
        takes, left = [], due
        for i in usable:
            take = min(available.get(i["ledger"], ZERO), left)
            takes.append((i, take))
            left -= take
        paid = due - left
        if paid <= 0:
            for i in usable:
                out["skipped"][i["instruction"]] = _("The available balance is not enough.")
            continue
        for i, take in takes:
            available[i["ledger"]] -= take
        repayment = rp.apply_installments(
            c,
            rows=rows,
            owed=owed,
            amount=paid,
            sources=[(i["ledger"], t) for i, t in takes if t > 0],
            key=f"offset:{month:%Y-%m}:{c.pk}:" + "-".join(str(i["instruction"]) for i in usable),
            actor=actor,
            on=on,
            source=FUND,
        )
        for i, take in takes:
            if take > 0:
                out["paid"][i["instruction"]] = (take, repayment.pk)
            else:
                out["skipped"][i["instruction"]] = _("The available balance is not enough.")
    for i in items:
        if str(i["contract"])[:30] not in by_number:
            out["stopped"][i["instruction"]] = _("There is no loan contract %(n)s.") % {"n": str(i["contract"])[:30]}
    return out


# --- payoff: the mortgage release ------------------------------------------------------------------------------


@transaction.atomic
def record_mortgage_release(*, actor, contract, released_on, number) -> LoanContract:
    """The mortgage released at the real-estate registry after the payoff (抵押注销): the date and the
    registry's number on the contract. Only a loan officer, only on a paid-off loan, once."""
    roles.require_role(actor, roles.LOAN_OFFICER)
    c = LoanContract.objects.select_for_update(of=("self",)).get(pk=contract.pk)
    if c.status != C.PAID_OFF:
        raise StateError(_("The mortgage is released only after the loan is paid off."), code="not_paid_off")
    if c.mortgage_released_on is not None:
        raise StateError(_("The mortgage release is already recorded."), code="already_released")
    number = (number or "").strip()
    if not number or len(number) > 60:
        raise _bad("number", _("Give the release number of the real-estate registry (at most 60 characters)."))
    if not isinstance(released_on, datetime.date) or released_on < c.closed_on or released_on > today():
        raise _bad("released_on", _("The release date is between the payoff and today."), "bad_date")
    c.mortgage_released_on, c.mortgage_release_number = released_on, number
    c.save(update_fields=["mortgage_released_on", "mortgage_release_number", "updated_at"])
    audit.record(
        actor=actor, action="loan.mortgage_release", obj=c, after={"released_on": released_on, "number": number}
    )
    return c


# --- prepayment requests from own money ----------------------------------------------------------------------


@transaction.atomic
def request_prepayment(*, actor, contract, mode, amount=None, keep="") -> PrepaymentRequest:
    """The borrower (or the spouse) asks to prepay from their own money: a partial prepayment of ``amount``
    keeping the term or the payment, or the payoff. Checked now against the policy (minimum, yearly count,
    less than the balance); checked again when the money arrives."""
    on = today()
    c = _lock_contract(contract.number)
    if not (roles.has_role(actor, roles.DEPOSITOR) and actor.pk in _party_users(c)):
        raise Forbidden(_("Only the borrower or the spouse can ask for a prepayment."), code="not_a_party")
    if PrepaymentRequest.objects.filter(contract=c, state=PrepaymentRequest.State.REQUESTED).exists():
        raise StateError(_("This loan already has a prepayment request waiting for the money."), code="duplicate")
    if mode == PrepaymentRequest.Mode.PAYOFF:
        amount, keep = None, ""
    elif mode == PrepaymentRequest.Mode.PARTIAL:
        amount = money(amount)
        if keep not in KEEPS:
            raise _bad("keep", _("Choose whether to keep the term or keep the payment."), "bad_keep")
        rows = rp.open_rows(c)
        rp.check_prepayment(c, amount=amount, on=on)
        rp.prepayment_result(c, rows=rows, amount=amount, keep=keep)  # less than the balance
    else:
        raise _bad("mode", _("Choose a partial prepayment or the payoff."), "bad_mode")
    req = PrepaymentRequest.objects.create(
        contract=c, mode=mode, amount=amount, keep=keep, requested_on=on, requested_by=actor
    )
    audit.record(
        actor=actor,
        action="loan.prepayment_request",
        obj=c,
        after={"mode": mode, "amount": str(amount or ""), "keep": keep},
    )
    return req


def _party_users(c) -> set:
    users = set(
        LoanParty.objects.filter(application_id=c.application_id)
        .exclude(depositor__user=None)
        .values_list("depositor__user_id", flat=True)
    )
    if c.borrower.user_id:
        users.add(c.borrower.user_id)
    return users


@transaction.atomic
def complete_prepayment_request(*, actor, request, line) -> PrepaymentRequest:
    """Finance records the money of a prepayment request received (an incoming bank line: a transfer, or cash
    paid in at the bank) and applies it: a partial prepayment (:func:`loans.services.repayments.prepay`) or the
    payoff (:func:`loans.services.repayments.pay_off`)."""
    req = PrepaymentRequest.objects.select_for_update().select_related("contract").get(pk=request.pk)
    if req.state != PrepaymentRequest.State.REQUESTED:
        raise StateError(_("This request is already closed."), code="request_closed")
    if req.mode == PrepaymentRequest.Mode.PAYOFF:
        repayment = rp.pay_off(actor=actor, contract=req.contract, line=line)
    else:
        if line.amount != req.amount:
            raise _bad(
                "line",
                _("The money received (%(a)s) is not the amount requested (%(r)s).")
                % {"a": format_yuan(line.amount), "r": format_yuan(req.amount)},
                "amount_differs",
            )
        repayment = rp.prepay(actor=actor, contract=req.contract, line=line, keep=req.keep)
    req.state, req.repayment, req.closed_on, req.closed_by = (
        PrepaymentRequest.State.COMPLETED,
        repayment,
        today(),
        actor,
    )
    req.save(update_fields=["state", "repayment", "closed_on", "closed_by"])
    return req


@transaction.atomic
def cancel_prepayment_request(*, actor, request, reason="") -> PrepaymentRequest:
    req = PrepaymentRequest.objects.select_for_update().select_related("contract").get(pk=request.pk)
    if not (roles.has_role(actor, *rp.PAYMENT_ROLES) or actor.pk in _party_users(req.contract)):
        raise Forbidden(_("Your role does not allow this action."), code="wrong_role")
    if req.state != PrepaymentRequest.State.REQUESTED:
        raise StateError(_("This request is already closed."), code="request_closed")
    req.state, req.closed_on, req.closed_by = PrepaymentRequest.State.CANCELLED, today(), actor
    req.comment = (reason or "")[:200]
    req.save(update_fields=["state", "closed_on", "closed_by", "comment"])
    return req
