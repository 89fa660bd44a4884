"""Amortization schedules, prepayment, payoff and repricing (DOMAIN.md §4.5–§4.7)."""

import calendar
import datetime
import functools
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext

from django.utils.translation import gettext as _

from core.errors import InvalidInput
from core.money import FEN, ZERO, format_yuan, round_money
from loans.calculations.common import (
    EQUAL_INSTALLMENT,
    EQUAL_PRINCIPAL,
    KEEP_TERM,
    KEEPS,
    MAX_MONTHS,
    PRECISION,
    check_amount,
    check_method,
    check_months,
    check_rate,
    equal_installment_payment,
    invalid,
)


@dataclass(frozen=True, init=False)
class Installment:
    number: int
    due_date: datetime.date | None
    principal: Decimal
    interest: Decimal
    payment: Decimal
    balance: Decimal  # the principal remaining after this installment
    annual_rate: Decimal

    def __init__(self, number, due_date, principal, interest, payment, balance, annual_rate):
        # one assignment instead of the seven ``object.__setattr__`` calls of a generated frozen ``__init__``:
        # a schedule makes hundreds of these
        object.__setattr__(
            self,
            "__dict__",
            {
                "number": number,
                "due_date": due_date,
                "principal": principal,
                "interest": interest,
                "payment": payment,
                "balance": balance,
                "annual_rate": annual_rate,
            },
        )

    def as_dict(self) -> dict:
        return {
            "number": self.number,
            "due_date": self.due_date.isoformat() if self.due_date else None,
            "principal": str(self.principal),
            "interest": str(self.interest),
            "payment": str(self.payment),
            "balance": str(self.balance),
            "annual_rate": str(self.annual_rate),
        }


_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def due_date(first_due: datetime.date | None, number: int) -> datetime.date | None:
    """The due date of installment ``number``: the first due date plus whole months, on the same day of the
    month or the month's last day (31 Jan → 28/29 Feb → 31 Mar). Plain month arithmetic rather than
    ``relativedelta`` (same result, a tenth of the time)."""
    if not first_due:
        return None
    months = first_due.month + number - 2  # months since January of the first due date's year
    year, month = first_due.year + months // 12, months % 12 + 1
    day = first_due.day
    if day > 28:
        last = 29 if month == 2 and calendar.isleap(year) else _MONTH_DAYS[month - 1]
        day = min(day, last)
    return datetime.date(year, month, day)


@functools.lru_cache(maxsize=4096)
def due_dates(first_due: datetime.date) -> tuple:
    """The due dates of installments 1 … MAX_MONTHS of a schedule whose first installment is due on
    ``first_due`` (``due_dates(d)[n - 1] == due_date(d, n)``), computed once per first due date: a batch of
    schedules shares a few thousand of them."""
    return tuple(due_date(first_due, n) for n in range(1, MAX_MONTHS + 1))


def _too_small():
    return invalid("principal", _("The amount is too small for this number of months."))


def fen(amount: Decimal) -> int:
    """An amount of money with at most two places (as the checks return it) in whole fen."""
    return int(amount.scaleb(2))


_EXACT = Context(prec=PRECISION)  # yuan(): never the caller's context (whose precision could be lower)


def yuan(fen_amount: int) -> Decimal:
    """Whole fen as a Decimal amount with two places (``yuan(123) == Decimal("1.23")``), exactly."""
    return _EXACT.multiply(FEN, fen_amount)


@dataclass(frozen=True)
class FenSchedule:
    """The installments of a schedule in whole fen: what :func:`amortise` computes. ``principals[k]`` and
    ``interests[k]`` belong to installment ``first_number + k``; the balance after it is ``balance`` less the
    principals up to it. :func:`schedule`, :func:`prepay` and :func:`reprice` turn it into
    :class:`Installment` objects; ``loans.services.schedules.write_schedules`` writes it to the database as
    it is."""

    balance: int  # the principal before the first of these installments
    annual_rate: Decimal
    first_number: int
    principals: list
    interests: list

    def installments(self, first_due: datetime.date | None) -> list[Installment]:
        """As :class:`Installment` objects (Decimals), dated from ``first_due``, the due date of installment 1."""
        dates = due_dates(first_due) if first_due else (None,) * MAX_MONTHS
        balance, number, rate, out = self.balance, self.first_number, self.annual_rate, []
        append, times, unit = out.append, _EXACT.multiply, FEN
        for principal, interest in zip(self.principals, self.interests, strict=True):
            balance -= principal
            append(
                Installment(
                    number,
                    dates[number - 1],
                    times(unit, principal),  # yuan(), inline
                    times(unit, interest),
                    times(unit, principal + interest),
                    times(unit, balance),
                    rate,
                )
            )
            number += 1
        return out


def amortise(
    balance: Decimal,
    annual_rate: Decimal,
    method: str,
    *,
    months: int,
    level: Decimal,
    first_number: int = 1,
    exact: bool = True,
) -> FenSchedule:
    """Installments ``first_number``, ``first_number + 1``, ... repaying ``balance``: THE amortization of every
    schedule, prepayment and repricing (DOMAIN.md §4.6).

    ``level`` is the payment (equal installment) or the principal part (equal principal) of every installment
    but the last. With ``exact`` the schedule has exactly ``months`` installments, the last absorbing the
    rounding; otherwise (keep the payment after a prepayment) it ends as soon as the level repays the balance,
    at the latest after ``months`` installments (whose last absorbs what rounding left).

    The arithmetic is in whole fen on Python integers, exactly what :func:`common.period_interest` computes
    with Decimals: the rate is a finite decimal, so annual / 12 = num / (12 · den) exactly, and the interest
    of a month in fen is round_half_up(B · num / (12 · den)) = ⌊(2 · B · num + 12 · den) / (24 · den)⌋ for
    B ≥ 0 (B in fen). Decimals only at the boundary (:meth:`FenSchedule.installments`)."""
    remaining = fen(balance)
    num, den = annual_rate.as_integer_ratio()
    add = 12 * den
    mul, div = 2 * num, 2 * add
    equal_installment = method == EQUAL_INSTALLMENT
    level = fen(level)
    principals, interests = [], []
    add_principal, add_interest = principals.append, interests.append
    for left in range(months - 1, -1, -1):
        interest = (remaining * mul + add) // div
        principal = level - interest if equal_installment else level
        if not left or (not exact and principal >= remaining):
            add_principal(remaining)
            add_interest(interest)
            break
        if principal >= remaining or principal <= 0:
            raise _too_small()
        remaining -= principal
        add_principal(principal)
        add_interest(interest)
    return FenSchedule(fen(balance), annual_rate, first_number, principals, interests)


def _level(balance: Decimal, annual_rate: Decimal, method: str, months: int) -> Decimal:
    """The payment (equal installment) or principal part (equal principal) that repays ``balance`` in
    ``months``."""
    if method == EQUAL_INSTALLMENT:
        return equal_installment_payment(balance, annual_rate, months)
    return round_money(balance / months)


def schedule_fen(principal, annual_rate, months, method=EQUAL_INSTALLMENT) -> FenSchedule:
    """The full amortization schedule of a loan (DOMAIN.md §4.6) in whole fen, installments numbered from 1,
    the input checked as :func:`schedule` checks it."""
    principal = check_amount(principal)
    annual_rate = check_rate(annual_rate)
    months = check_months(months)
    method = check_method(method)
    level = _level(principal, annual_rate, method, months)
    return amortise(principal, annual_rate, method, months=months, level=level)


def schedule(principal, annual_rate, months, method=EQUAL_INSTALLMENT, *, first_due=None) -> list[Installment]:
    """The full amortization schedule of a loan (DOMAIN.md §4.6), installments numbered from 1. ``first_due``:
    the due date of the first installment (``None``: no dates, as in the public calculator)."""
    return schedule_fen(principal, annual_rate, months, method).installments(first_due)


def total_interest(installments) -> Decimal:
    return sum((i.interest for i in installments), ZERO)


def total_payment(installments) -> Decimal:
    return sum((i.payment for i in installments), ZERO)


def _whole(installments):
    """A schedule as :func:`schedule` made it (installments numbered from 1), as a list."""
    installments = list(installments)
    if not installments or installments[0].number != 1:
        raise invalid("installments", _("The whole schedule is needed, from its first installment."))
    return installments


def _tail(
    installments, after: int, balance: Decimal, annual_rate: Decimal, method: str, keep: str, level_before: Decimal
) -> list[Installment]:
    """Re-amortise ``balance`` from installment ``after + 1``: over the months left (keep the term) or with
    the same payment / principal part as before (keep the payment)."""
    months_left = installments[-1].number - after
    anchor = installments[0].due_date  # the first due date, from which every due date follows
    if keep == KEEP_TERM:
        level, exact = _level(balance, annual_rate, method, months_left), True
    else:
        level, exact = level_before, False
    tail = amortise(balance, annual_rate, method, months=months_left, level=level, first_number=after + 1, exact=exact)
    return tail.installments(anchor)


def _regular_level(installment: Installment, method: str) -> Decimal:
    return installment.payment if method == EQUAL_INSTALLMENT else installment.principal


@dataclass(frozen=True)
class Prepayment:
    """A partial prepayment made with installment ``after`` (DOMAIN.md §4.7)."""

    installments: list  # the whole schedule: installments 1..after unchanged, then the re-amortised ones
    amount: Decimal
    balance_before: Decimal
    balance_after: Decimal
    payment_before: Decimal  # the next regular payment before and after
    payment_after: Decimal
    months_left_before: int
    months_left_after: int
    interest_saved: Decimal

    @property
    def months_shortened(self) -> int:
        return self.months_left_before - self.months_left_after


def prepay(installments, *, after: int, amount, keep: str, annual_rate=None, method=EQUAL_INSTALLMENT) -> Prepayment:
    """Pay ``amount`` of principal early together with installment ``after`` (0: before the first), then
    re-amortise the rest: keep the term and lower the payment, or keep the payment and shorten the term.

    ``annual_rate``: the rate in force for the rest (default: the rate of the next installment). A prepayment
    of the whole balance is a payoff (:func:`payoff`), not a partial prepayment."""
    installments = _whole(installments)
    method = check_method(method)
    if not isinstance(keep, str) or keep not in KEEPS:
        raise invalid("keep", _("Choose whether to keep the term or keep the payment."))
    if isinstance(after, bool) or not isinstance(after, int) or not 0 <= after < installments[-1].number:
        raise invalid(
            "after_installment",
            _("The prepayment must come after an installment of the schedule and before its last one."),
        )
    kept = [i for i in installments if i.number <= after]
    upcoming = [i for i in installments if i.number > after]
    balance = kept[-1].balance if kept else upcoming[0].balance + upcoming[0].principal
    amount = check_amount(amount, "amount")
    if amount >= balance:
        raise invalid(
            "amount",
            _(
                "The prepayment must be less than the remaining principal of %(b)s yuan; "
                "to repay everything, pay the loan off."
            )
            % {"b": format_yuan(balance)},
        )
    rate = check_rate(annual_rate if annual_rate is not None else upcoming[0].annual_rate)
    level = _regular_level(upcoming[0], method)
    tail = _tail(installments, after, balance - amount, rate, method, keep, level)
    return Prepayment(
        kept + tail,
        amount,
        balance,
        balance - amount,
        upcoming[0].payment,
        tail[0].payment,
        len(upcoming),
        len(tail),
        total_interest(upcoming) - total_interest(tail),
    )


@dataclass(frozen=True)
class Payoff:
    principal: Decimal
    interest: Decimal
    days: int

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest


def payoff(balance, annual_rate, *, since: datetime.date, on: datetime.date) -> Payoff:
    """Full payoff on ``on`` (提前结清): the remaining principal plus its interest by days at the daily rate
    since ``since`` (the last due date paid, or the disbursement): round(B × annual × days / 360, 2)."""
    balance = check_amount(balance, "balance")
    annual_rate = check_rate(annual_rate)
    if on < since:
        raise invalid("on", _("The payoff date may not be before %(d)s.") % {"d": since.isoformat()})
    days = (on - since).days
    with localcontext() as ctx:
        ctx.prec = PRECISION
        interest = (balance * annual_rate * days / 360).quantize(FEN, rounding=ROUND_HALF_UP)
    return Payoff(balance, interest, days)


def repricing_date(term_months: int, disbursed_on: datetime.date, rate_from: datetime.date) -> datetime.date | None:
    """When a new rate in force from ``rate_from`` reaches a contract (DOMAIN.md §4.5): a term of one year or
    less keeps its contract rate; a longer one takes the new rate from January 1 of the following year. A
    rate that was already in force at disbursement is the contract rate: ``None``."""
    if term_months <= 12 or rate_from <= disbursed_on:
        return None
    return datetime.date(rate_from.year + 1, 1, 1)


def reprice_rest(balance, annual_rate, method, *, months: int, first_number: int, principal_part=None) -> FenSchedule:
    """Installments ``first_number`` … ``first_number + months − 1`` repaying ``balance`` at a new
    ``annual_rate``, keeping the term (DOMAIN.md §4.5): equal installment with a new payment, equal principal with
    the same regular principal part ``principal_part`` (the last installment takes the remainder)."""
    balance = check_amount(balance, "balance")
    annual_rate = check_rate(annual_rate)
    method = check_method(method)
    months = check_months(months)
    if method == EQUAL_PRINCIPAL and months > 1:
        level = check_amount(principal_part, "principal_part")
    else:
        level = _level(balance, annual_rate, method, months)
    return amortise(balance, annual_rate, method, months=months, level=level, first_number=first_number)


def reprice(installments, *, on: datetime.date, annual_rate, method=EQUAL_INSTALLMENT) -> list[Installment]:
    """Re-amortise a dated schedule at ``annual_rate`` from the first installment due after ``on`` (January 1):
    the installments due before are kept; the rest keep the term (:func:`reprice_rest`)."""
    installments = _whole(installments)
    annual_rate = check_rate(annual_rate)
    method = check_method(method)
    if installments[0].due_date is None:
        raise invalid("on", _("Only a schedule with due dates can be repriced."))
    kept = [i for i in installments if i.due_date <= on]
    if len(kept) == len(installments):
        return list(installments)
    upcoming = installments[len(kept)]
    rest = reprice_rest(
        upcoming.balance + upcoming.principal,
        annual_rate,
        method,
        months=installments[-1].number - len(kept),
        first_number=upcoming.number,
        principal_part=upcoming.principal,
    )
    return kept + rest.installments(installments[0].due_date)


def keep_payment_months(balance, annual_rate, payment) -> Decimal:
    """The closed form of the term a payment repays (DOMAIN.md §4.7): n = −ln(1 − B·r/M) / ln(1 + r), not
    rounded, for display; the schedule itself comes from :func:`prepay`."""
    with localcontext() as ctx:
        ctx.prec = PRECISION
        r = Decimal(annual_rate) / 12
        if r == 0:
            return Decimal(balance) / Decimal(payment)
        ratio = 1 - Decimal(balance) * r / Decimal(payment)
        if ratio <= 0:
            raise invalid("payment", _("The payment does not cover the interest."))
        return -ratio.ln() / (1 + r).ln()


MAX_PREPAYMENTS = 24


@dataclass(frozen=True)
class Simulation:
    installments: list
    prepaid: Decimal  # the principal prepaid in all

    @property
    def total_interest(self) -> Decimal:
        return total_interest(self.installments)

    @property
    def total_payment(self) -> Decimal:
        """Everything the borrower pays: every installment and every prepayment."""
        return total_payment(self.installments) + self.prepaid


def simulate(principal, annual_rate, months, method=EQUAL_INSTALLMENT, prepayments=()) -> Simulation:
    """The loan calculator: a schedule with partial prepayments applied in order. ``prepayments``: mappings with
    ``after_installment``, ``amount`` and ``keep`` (``term`` or ``payment``), each after a later installment
    than the one before. A refusal names the field, e.g. ``prepayments[1].amount``."""
    installments = schedule(principal, annual_rate, months, method)
    if not isinstance(prepayments, list | tuple):
        raise invalid("prepayments", _("The prepayments must be a list."))
    if len(prepayments) > MAX_PREPAYMENTS:
        raise invalid("prepayments", _("At most %(n)d prepayments.") % {"n": MAX_PREPAYMENTS})
    prepaid, last_after = ZERO, -1
    for index, item in enumerate(prepayments):
        if not isinstance(item, dict):
            raise invalid(f"prepayments[{index}]", _("Each prepayment needs after_installment, amount and keep."))
        after = item.get("after_installment")
        if isinstance(after, int) and not isinstance(after, bool) and after <= last_after:
            raise invalid(
                f"prepayments[{index}].after_installment",
                _("Each prepayment must come after a later installment than the one before."),
            )
        try:
            result = prepay(installments, after=after, amount=item.get("amount"), keep=item.get("keep"), method=method)
        except InvalidInput as exc:
            fields = {f"prepayments[{index}].{name}": messages for name, messages in exc.fields.items()}
            raise InvalidInput(exc.message, code=exc.code, fields=fields) from None
        installments, prepaid, last_after = result.installments, prepaid + result.amount, after
    return Simulation(installments, prepaid)
