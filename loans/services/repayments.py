"""Money received on a loan (DOMAIN.md §4.7, §4.9, §5): installment repayments allocated penalty → overdue
interest → overdue principal → current interest → current principal (:func:`loans.calculations.allocate`),
partial prepayments that re-amortise the rest of the schedule (:func:`loans.calculations.prepay`), and the
payoff (:func:`loans.calculations.payoff`).

Each service locks the contract row first, so two payments on one loan are applied one after the other and never
twice to the same installment; the money comes from a bank statement line (locked, and booked by the same
entry) and is posted through ``ledger.posting``: debit the bank, credit the loan's sub-account (principal), 131 or
401 (interest) and 403 (penalty interest). Interest falls due with its installment: the daily accrual
(``loans.services.accrual``) books it to 131 应收利息 against 401, and the payment of an installment's interest
then clears 131; interest paid before its installment falls due is income of 401 at once. Penalty interest alike:
the close of business accrues it day by day to 131 against 403, and its payment clears 131 (:func:`penalty_lines`)."""

import dataclasses
import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core import audit, policy, roles
from core.business_date import today
from core.errors import InvalidInput, StateError
from core.money import ZERO, format_yuan
from core.translatable import StoredText
from ledger import chart
from ledger import services as ledger_services
from ledger.models import Account
from ledger.posting import credit, debit, post
from loans import calculations as calc
from loans.models import LoanContract, LoanRepayment, ScheduleInstallment
from loans.services.schedules import BATCH, replace_rest, store_planned, supersede_plans

C = LoanContract.Status
ACTIVE = (C.NORMAL, C.OVERDUE)
PAYMENT_ROLES = (roles.FINANCE,)


def _bad(field, message, code=None):
    return InvalidInput(message, code=code, fields={field: [message]})


def _lock(contract) -> LoanContract:
    c = LoanContract.objects.select_for_update(of=("self",)).select_related("ledger_account").get(pk=contract.pk)
    if c.status not in ACTIVE:
        raise StateError(
            _("Contract %(n)s is %(s)s; it takes no repayment.") % {"n": c.number, "s": c.get_status_display()},
            code="loan_not_active",
        )
    return c


def open_rows(contract) -> list[ScheduleInstallment]:
    """The whole schedule in force, in order: the stored rows, then the plan's installments beyond them
    (:meth:`loans.models.ScheduleInstallmentQuerySet.in_force_of`)."""
    return ScheduleInstallment.objects.in_force_of(contract.pk)


def _unpaid(row):
    return row.principal - row.principal_paid, row.interest - row.interest_paid


def penalty_so_far(row, days, settings) -> Decimal:
    """The penalty interest of installment ``row`` ``days`` days after its due date, by the one function
    :func:`loans.calculations.penalty_interest` on its unpaid principal and interest, with the ``overdue.`` policy
    ``settings``. The daily close of business accrues it (never less than what was paid), a repayment collects it
    less what was paid."""
    principal, interest = _unpaid(row)
    return calc.penalty_interest(
        principal + interest,
        min(days, calc.common.MAX_PENALTY_DAYS),
        row.annual_rate,
        mode=settings["overdue.penalty_mode"],
        multiplier=settings["overdue.penalty_multiplier"],
        daily_rate=settings["overdue.penalty_daily_rate"],
        fixed_amount=settings.get("overdue.penalty_fixed_amount", ZERO),
        grace_days=settings["overdue.grace_days"],
        grace_interest=settings["overdue.penalty_grace_interest"],
    )


def _penalty(row, days, settings) -> Decimal:
    return max(penalty_so_far(row, days, settings) - row.penalty_paid, ZERO)


def dues(contract, *, on: datetime.date, rows=None, settings=None) -> list:
    """What the loan owes on ``on``, per installment (:class:`loans.calculations.Due`): every unpaid installment
    due on or before ``on`` (overdue once past the grace days, then with its penalty interest so far, less the
    penalty already paid) and the next installment not yet due (it may be paid in advance). ``settings``: the
    ``overdue.`` policy snapshot on ``on``, when a batch already read it."""
    settings = settings or policy.snapshot("overdue.", on=on)
    out, upcoming = [], False
    for row in rows if rows is not None else open_rows(contract):
        principal, interest = _unpaid(row)
        if principal == 0 and interest == 0:
            continue
        if row.due_date > on:
            if upcoming:
                break
            upcoming = True
        days = (on - row.due_date).days
        overdue = days > settings["overdue.grace_days"]
        penalty = _penalty(row, days, settings) if overdue else ZERO
        out.append(calc.Due(row.number, overdue, penalty, interest, principal))
    return out


def amount_due(*, contract, on=None) -> dict:
    """What a page shows before a repayment: {"dues": [...], "total": ..., "overdue": ...}."""
    items = dues(contract, on=on or today())
    return {
        "dues": items,
        "total": sum((d.total for d in items), ZERO),
        "overdue": sum((d.total for d in items if d.overdue), ZERO),
    }


def _receipt(line, actor):
    line = ledger_services.lock_receipt(line, actor=actor)
    return line, line.bank_account.ledger_account_id


def overdue_principal(rows, on, grace_days) -> Decimal:
    """The unpaid principal of the installments past their due date and the grace days on ``on``: what the
    loan's 122 sub-account holds (DOMAIN.md §5.1, 正常转逾期本金)."""
    return sum((r.principal - r.principal_paid for r in rows if (on - r.due_date).days > grace_days), ZERO)


def loan_lines(c, *, principal, overdue_after, memo="", held=None) -> list:
    """The lines on the loan's two sub-accounts for ``principal`` repaid, leaving ``overdue_after`` on the 122
    one (overdue principal) and the rest on the 121 one: principal repaid of an overdue installment comes out of
    122, and an installment that fell overdue since the last classification moves there now. ``held``: the 122
    balance, when a batch read it already (under the lock)."""
    if held is None:
        held = Account.objects.get(pk=c.overdue_account_id).balance if c.overdue_account_id else ZERO
    from_overdue = held - overdue_after if c.overdue_account_id else ZERO
    out = []
    for account_id, amount in ((c.ledger_account_id, principal - from_overdue), (c.overdue_account_id, from_overdue)):
        if amount > 0:
            out.append(credit(account_id, amount, memo))
        elif amount < 0:
            out.append(debit(account_id, -amount, memo))
    return out


def interest_lines(interest, receivable, memo) -> list:
    """The credits for ``interest`` received, of which ``receivable`` is the interest of installments already due
    and booked to 131 应收利息 (``loans.services.accrual``): that part clears 131, the rest (interest paid before
    its installment fell due) is income of 401 at once."""
    out = []
    if receivable:
        out.append(credit(Account.objects.get(code=chart.INTEREST_RECEIVABLE), receivable, memo))
    if interest - receivable:
        out.append(credit(Account.objects.get(code=chart.LOAN_INTEREST_INCOME), interest - receivable, memo))
    return out


def penalty_lines(penalty, receivable, memo) -> list:
    """The lines for ``penalty`` interest received, of which ``receivable`` was accrued by the close of business
    and stands in 131 应收利息 (``loans.services.close_of_business``): that part clears 131, the rest is income of
    403 at once. The rest may be negative: an installment settled with less penalty than was accrued (its unpaid
    amount fell after a partial payment) takes the accrual it will never receive back out of 403."""
    out = []
    if receivable:
        out.append(credit(Account.objects.get(code=chart.INTEREST_RECEIVABLE), receivable, memo))
    income = penalty - receivable
    if income > 0:
        out.append(credit(Account.objects.get(code=chart.PENALTY_INCOME), income, memo))
    elif income < 0:
        out.append(debit(Account.objects.get(code=chart.PENALTY_INCOME), -income, memo))
    return out


def _post(
    c,
    *,
    sources,
    principal,
    interest,
    penalty,
    overdue_after,
    memo,
    key,
    business_type,
    actor,
    on,
    receivable=ZERO,
    penalty_receivable=ZERO,
):
    """One entry: debit each source of the money (the bank account that received it, or the fund accounts it is
    drawn from: ``[(ledger account id, amount)]``, adding up to the total), credit the loan, 131 (``receivable``:
    the interest of installments due and accrued; ``penalty_receivable``: the penalty interest accrued) and 401
    (the rest of the interest), and 403 (the rest of the penalty interest)."""
    total = principal + interest + penalty
    if sum((amount for _account, amount in sources), ZERO) != total:
        raise _bad("amount", _("The money drawn does not add up to the amount applied."), "sources_total")
    lines = [debit(account_id, amount, memo) for account_id, amount in sources if amount > 0]
    lines += loan_lines(c, principal=principal, overdue_after=overdue_after, memo=memo)
    lines += interest_lines(interest, receivable, memo)
    lines += penalty_lines(penalty, penalty_receivable, memo)
    return post(
        lines=lines,
        memo=memo,
        actor=actor,
        idempotency_key=key,
        business_date=on,
        business_type=business_type,
        source=f"loan:{c.pk}",
    )


def close_loan_accounts(c, actor):
    for account in (c.ledger_account, c.overdue_account):
        if account is not None:
            ledger_services.close_account(account=account, actor=actor)


def status_from(rows, on, settings=None) -> str:
    """The status of an active loan whose installments in force are ``rows`` (after a repayment): 已结清 when every
    installment is paid, 逾期 while something is overdue, else 正常. ``rows`` may be the first part of the schedule
    (a batch reads a few installments): the loan is paid off only when the last of them leaves no principal."""
    last = max(rows, key=lambda r: r.number, default=None)
    if (last is None or last.balance == 0) and all(
        r.principal_paid == r.principal and r.interest_paid == r.interest for r in rows
    ):
        return C.PAID_OFF
    if any(d.overdue for d in dues(None, on=on, rows=rows, settings=settings)):
        return C.OVERDUE
    return C.NORMAL


@dataclasses.dataclass
class Applied:
    """An amount applied to a loan's dues (:func:`apply_to_rows`): the parts per installment, their totals, the
    installment rows changed (in memory; the caller stores them) and whether anything paid was overdue."""

    parts: list
    changed: list
    principal: Decimal
    interest: Decimal
    penalty: Decimal
    overdue: bool
    left: Decimal
    receivable: Decimal = ZERO  # the part of ``interest`` of installments whose interest was accrued (131)
    penalty_receivable: Decimal = ZERO  # what leaves 131 of the penalty interest accrued (see apply_to_rows)


def apply_to_rows(amount, owed, rows) -> Applied:
    """Allocate ``amount`` over ``owed`` (:func:`dues`) in the order of :func:`loans.calculations.allocate` and add
    the parts to the paid amounts of ``rows`` (the installments in force). The one allocation of a repayment:
    :func:`repay` (one bank line), the debit run (loans.services.debits, a batch) and the deductions of the close
    of business all go through it.

    The penalty interest the close of business accrued (``penalty_accrued``, booked to 131) and not paid yet is
    what 131 holds of the row's penalty: the row's accrual becomes at least what is now paid (a payment between
    two closes of business pays the days since the last one, income at once), or exactly what is paid once the
    installment is settled (nothing is left to receive). ``penalty_receivable`` is what leaves 131 thereby."""
    parts, left = calc.allocate(amount, owed)
    by_number = {r.number: r for r in rows}
    changed, receivable, penalty_receivable = [], ZERO, ZERO
    for part in parts:
        row = by_number[part.number]
        if getattr(row, "interest_accrued_on", None) is not None:
            receivable += part.interest
        accrued = max(row.penalty_accrued, row.penalty_paid)
        held = accrued - row.penalty_paid  # in 131 before
        row.principal_paid += part.principal
        row.interest_paid += part.interest
        row.penalty_paid += part.penalty
        settled = row.principal_paid == row.principal and row.interest_paid == row.interest
        row.penalty_accrued = row.penalty_paid if settled else max(accrued, row.penalty_paid)
        penalty_receivable += held - (row.penalty_accrued - row.penalty_paid)
        changed.append(row)
    return Applied(
        parts=parts,
        changed=changed,
        principal=sum((p.principal for p in parts), ZERO),
        interest=sum((p.interest for p in parts), ZERO),
        penalty=sum((p.penalty for p in parts), ZERO),
        overdue=any(d.overdue for d in owed),
        left=left,
        receivable=receivable,
        penalty_receivable=penalty_receivable,
    )


def _status_after(c, on, actor):
    """正常 / 逾期 from what is still overdue; 已结清 when every installment is paid."""
    c.status = status_from(open_rows(c), on)
    if c.status == C.PAID_OFF:
        c.closed_on = on
    c.save(update_fields=["status", "closed_on", "updated_at"])
    if c.status == C.PAID_OFF:
        close_loan_accounts(c, actor)


@transaction.atomic
def repay(*, actor, contract: LoanContract, line) -> LoanRepayment:
    """Apply the money of an incoming bank statement line to the loan's installments due (and the next one not
    yet due), in the order of :func:`loans.calculations.allocate`. More than is due is refused (a prepayment is
    its own service); so is a repayment on a loan that is not being repaid."""
    roles.require_role(actor, *PAYMENT_ROLES)
    on = today()
    c = _lock(contract)
    line, bank_account_id = _receipt(line, actor)
    rows = open_rows(c)
    owed = dues(c, on=on, rows=rows)
    total = sum((d.total for d in owed), ZERO)
    if total == 0:
        raise _bad("amount", _("Nothing is due on this loan now; use a prepayment instead."), "nothing_due")
    if line.amount > total:
        raise _bad(
            "amount",
            _("%(a)s is more than the %(t)s due now; pay what is due, and the rest as a prepayment.")
            % {"a": format_yuan(line.amount), "t": format_yuan(total)},
            "more_than_due",
        )
    repayment = apply_installments(
        c,
        rows=rows,
        owed=owed,
        amount=line.amount,
        sources=[(bank_account_id, line.amount)],
        key=f"loan:{c.pk}:line:{line.pk}",
        actor=actor,
        on=on,
        statement_line=line,
    )
    ledger_services.mark_booked(line, repayment.entry)
    return repayment


def apply_installments(
    c, *, rows, owed, amount, sources, key, actor, on, statement_line=None, source=LoanRepayment.Source.BANK
) -> LoanRepayment:
    """The one allocation path of a repayment, for a contract locked by the caller: ``amount`` (at most the
    total of ``owed``, :func:`dues` of ``rows`` on ``on``) is allocated by :func:`loans.calculations.allocate`,
    the installments updated in one ``bulk_update``, the money posted from ``sources`` (the bank account that
    received it, or the fund accounts it is drawn from) and the contract's state set from what is still due."""
    applied = apply_to_rows(amount, owed, rows)
    store_planned(rows, max((r.number for r in applied.changed), default=0))
    ScheduleInstallment.objects.bulk_update(
        applied.changed, ["principal_paid", "interest_paid", "penalty_paid", "penalty_accrued"], batch_size=BATCH
    )
    parts, principal, interest, penalty = applied.parts, applied.principal, applied.interest, applied.penalty
    overdue = applied.overdue
    grace = policy.get("overdue.grace_days", on)
    fund = source == LoanRepayment.Source.FUND
    entry = _post(
        c,
        sources=sources,
        principal=principal,
        interest=interest,
        receivable=applied.receivable,
        penalty_receivable=applied.penalty_receivable,
        penalty=penalty,
        overdue_after=overdue_principal(rows, on, grace),
        memo=StoredText(gettext_noop("Loan repayment from fund accounts %(n)s") if fund
                        else gettext_noop("Loan repayment %(n)s"), n=c.number),
        key=key,
        business_type="L05" if fund else ("L04" if overdue else "L02"),
        actor=actor,
        on=on,
    )
    repayment = LoanRepayment.objects.create(
        contract=c,
        kind=LoanRepayment.Kind.INSTALLMENT,
        source=source,
        paid_on=on,
        amount=amount,
        principal=principal,
        interest=interest,
        penalty=penalty,
        allocation=[p.as_dict() for p in parts],
        entry=entry,
        statement_line=statement_line,
        created_by=actor,
    )
    _status_after(c, on, actor)
    audit.record(
        actor=actor,
        action="loan.repay",
        obj=c,
        after={
            "amount": str(amount),
            "principal": str(principal),
            "interest": str(interest),
            "penalty": str(penalty),
            "source": source,
            "line": statement_line.bank_reference if statement_line is not None else "",
        },
    )
    return repayment


def _settled_prefix(rows, on):
    """For a prepayment or payoff: nothing due may be unpaid, and the next installment not partly paid. Returns
    the number of the last installment paid (0: none)."""
    if any(r.due_date <= on and any(_unpaid(r)) for r in rows):
        raise StateError(_("Pay the installments due first."), code="installments_due")
    after = 0
    for row in rows:
        if any(_unpaid(row)):
            break
        after = row.number
    if any(r.principal_paid or r.interest_paid for r in rows if r.number > after):
        raise StateError(
            _("The next installment is partly paid; pay it in full first."), code="installment_partly_paid"
        )
    return after


def _as_installments(rows):
    return [
        calc.Installment(r.number, r.due_date, r.principal, r.interest, r.payment, r.balance, r.annual_rate)
        for r in rows
    ]


@transaction.atomic
def prepay(*, actor, contract: LoanContract, line, keep) -> LoanRepayment:
    """A partial prepayment (部分提前还款) of the bank line's amount, then the rest of the schedule re-amortised by
    :func:`loans.calculations.prepay`, keeping the term (lower payment) or the payment (shorter term). The old
    unpaid installments stay as history (superseded today), the new ones are stored as a new plan and its rows
    up to the horizon (:func:`loans.services.schedules.replace_rest`).
    Refused: below the policy minimum, more prepayments this year than the policy allows, the whole balance
    or more (that is a payoff), or installments due and unpaid."""
    roles.require_role(actor, *PAYMENT_ROLES)
    on = today()
    c = _lock(contract)
    line, bank_account_id = _receipt(line, actor)
    rows = open_rows(c)
    repayment = apply_prepayment(
        c,
        rows=rows,
        amount=line.amount,
        keep=keep,
        sources=[(bank_account_id, line.amount)],
        key=f"loan:{c.pk}:line:{line.pk}",
        actor=actor,
        on=on,
        statement_line=line,
    )
    ledger_services.mark_booked(line, repayment.entry)
    return repayment


def check_prepayment(c, *, amount, on):
    """The policy limits of a partial prepayment on ``on``: at least ``loans.prepay_min_amount``, at most
    ``loans.prepay_per_year`` prepayments in the calendar year."""
    minimum = policy.get("loans.prepay_min_amount", on)
    if amount < minimum:
        raise _bad("amount", _("A prepayment is at least %(m)s.") % {"m": format_yuan(minimum)}, "below_minimum")
    per_year = policy.get("loans.prepay_per_year", on)
    if prepayments_in_year(c, on.year) >= per_year:
        raise _bad(
            "amount",
            _("This loan has had its %(n)d prepayments of %(y)d already.") % {"n": per_year, "y": on.year},
            "prepayment_count",
        )


def prepayments_in_year(c, year) -> int:
    return LoanRepayment.objects.filter(contract=c, kind=LoanRepayment.Kind.PREPAYMENT, paid_on__year=year).count()


def prepayment_result(c, *, rows, amount, keep):
    """(last installment paid, :func:`loans.calculations.prepay` result) of prepaying ``amount`` now, keeping
    the term or the payment; the schedule's unpaid rest re-amortised from the balance owed now."""
    after = 0
    for row in rows:
        if any(_unpaid(row)):
            break
        after = row.number
    installments = _as_installments(rows)
    if after:  # the balance after the last installment paid is what is owed now (an earlier prepayment lowered it)
        owed = sum((r.principal for r in rows if r.number > after), ZERO)
        installments[after - 1] = dataclasses.replace(installments[after - 1], balance=owed)
    return after, calc.prepay(installments, after=after, amount=amount, keep=keep, method=c.method)


def apply_prepayment(
    c, *, rows, amount, keep, sources, key, actor, on, statement_line=None, source=LoanRepayment.Source.BANK
) -> LoanRepayment:
    """The one prepayment path, for a contract locked by the caller: the checks (nothing due unpaid, the policy
    minimum and yearly count), the re-amortised schedule stored, the money posted from ``sources``."""
    _settled_prefix(rows, on)
    check_prepayment(c, amount=amount, on=on)
    after, result = prepayment_result(c, rows=rows, amount=amount, keep=keep)
    replace_rest(c, [i for i in result.installments if i.number > after], on=on)
    fund = source == LoanRepayment.Source.FUND
    entry = _post(
        c,
        sources=sources,
        principal=amount,
        interest=ZERO,
        penalty=ZERO,
        overdue_after=ZERO,
        memo=StoredText(gettext_noop("Loan prepayment from fund accounts %(n)s") if fund
                        else gettext_noop("Loan prepayment %(n)s"), n=c.number),
        key=key,
        business_type="L05" if fund else "L03",
        actor=actor,
        on=on,
    )
    repayment = LoanRepayment.objects.create(
        contract=c,
        kind=LoanRepayment.Kind.PREPAYMENT,
        source=source,
        paid_on=on,
        amount=amount,
        principal=amount,
        keep=keep,
        allocation=[
            {
                "after_installment": after,
                "payment_after": str(result.payment_after),
                "months_left_after": result.months_left_after,
                "interest_saved": str(result.interest_saved),
            }
        ],
        entry=entry,
        statement_line=statement_line,
        created_by=actor,
    )
    audit.record(
        actor=actor,
        action="loan.prepay",
        obj=c,
        after={
            "amount": str(amount),
            "keep": keep,
            "source": source,
            "payment_after": str(result.payment_after),
            "months_left": result.months_left_after,
        },
    )
    return repayment


def payoff_quote(*, contract, on=None, rows=None) -> "calc.Payoff":
    """The payoff amount on ``on`` (default: the business date): the principal outstanding plus its interest by
    days since the last installment paid (or the disbursement), by :func:`loans.calculations.payoff`. ``rows``:
    the installments in force as they would be (a preview), instead of those stored."""
    on = on or today()
    if contract.disbursed_on is None:
        raise StateError(_("The loan has not been disbursed."), code="not_disbursed")
    rows = open_rows(contract) if rows is None else rows
    paid = [r for r in rows if r.principal_paid == r.principal and r.interest_paid == r.interest]
    since = paid[-1].due_date if paid else contract.disbursed_on
    rest = [r for r in rows if r not in paid]
    balance = sum((r.principal - r.principal_paid for r in rest), ZERO)
    rate = rest[0].annual_rate if rest else contract.annual_rate
    return calc.payoff(balance, rate, since=since, on=on)


@transaction.atomic
def pay_off(*, actor, contract: LoanContract, line) -> LoanRepayment:
    """Full payoff (提前结清) with a bank line of exactly the payoff amount (:func:`payoff_quote`): the principal
    to the loan's sub-account, the interest to 401; the unpaid installments are superseded (kept as history), the
    loan is 已结清 and its ledger sub-account closed."""
    roles.require_role(actor, *PAYMENT_ROLES)
    on = today()
    c = _lock(contract)
    line, bank_account_id = _receipt(line, actor)
    rows = open_rows(c)
    _settled_prefix(rows, on)
    quote = payoff_quote(contract=c, on=on)
    if line.amount != quote.total:
        raise _bad(
            "amount",
            _("The payoff amount on %(d)s is %(t)s (principal %(p)s, interest %(i)s); the payment is %(a)s.")
            % {
                "d": on.isoformat(),
                "t": format_yuan(quote.total),
                "p": format_yuan(quote.principal),
                "i": format_yuan(quote.interest),
                "a": format_yuan(line.amount),
            },
            "payoff_amount",
        )
    repayment = apply_payoff(
        c,
        quote=quote,
        sources=[(bank_account_id, line.amount)],
        key=f"loan:{c.pk}:line:{line.pk}",
        actor=actor,
        on=on,
        statement_line=line,
    )
    ledger_services.mark_booked(line, repayment.entry)
    return repayment


def apply_payoff(c, *, quote, sources, key, actor, on, statement_line=None, source=LoanRepayment.Source.BANK):
    """The one payoff path, for a contract locked by the caller with nothing due unpaid: ``quote`` posted from
    ``sources``, the unpaid installments superseded, the loan 已结清 and its ledger sub-accounts closed."""
    fund = source == LoanRepayment.Source.FUND
    entry = _post(
        c,
        sources=sources,
        principal=quote.principal,
        interest=quote.interest,
        penalty=ZERO,
        overdue_after=ZERO,
        memo=StoredText(gettext_noop("Loan payoff from fund accounts %(n)s") if fund
                        else gettext_noop("Loan payoff %(n)s"), n=c.number),
        key=key,
        business_type="L05" if fund else "L06",
        actor=actor,
        on=on,
    )
    ScheduleInstallment.objects.filter(contract=c, superseded_on__isnull=True).exclude(
        principal_paid=F("principal"), interest_paid=F("interest")
    ).update(superseded_on=on)
    supersede_plans([c.pk], on)
    repayment = LoanRepayment.objects.create(
        contract=c,
        kind=LoanRepayment.Kind.PAYOFF,
        source=source,
        paid_on=on,
        amount=quote.total,
        principal=quote.principal,
        interest=quote.interest,
        allocation=[{"since": str(on - datetime.timedelta(days=quote.days)), "days": quote.days}],
        entry=entry,
        statement_line=statement_line,
        created_by=actor,
    )
    c.status, c.closed_on = C.PAID_OFF, on
    c.save(update_fields=["status", "closed_on", "updated_at"])
    close_loan_accounts(c, actor)
    audit.record(
        actor=actor,
        action="loan.pay_off",
        obj=c,
        after={
            "principal": str(quote.principal),
            "interest": str(quote.interest),
            "days": quote.days,
            "source": source,
        },
    )
    return repayment
