"""Interest arithmetic (DOMAIN.md §2): interest years and the daily-product method (积数法).

Pure functions on ``Decimal`` and ``datetime.date``; no ORM: interest years, rate segments, and method B
(:func:`split_interest`, its only implementation: each account's sub-balances depend on the order of its
movements). Method A is computed in SQL only (:mod:`deposits.services.interest`), for the year-end
settlement, the interest before a closure and the breakdown pages alike. A breakdown period says from which
day to which day a balance stood at which rate, its product (积数 = balance × days) and its share of the
interest, so a depositor or an auditor can re-perform it by hand.

Conventions:

* The balance of a day is the end-of-day balance: a movement counts from the day it is booked ("算头"),
  and the period end is an exclusive boundary ("不算尾"), e.g. July 1 of the next year for a full year.
* Method A: interest = Σ product × rate / day basis (360 or 365).
* Method B: the balance carried over from earlier years (上年结转) earns the annual rate for the whole
  year; money credited in the current year earns its product × rate / day basis. A withdrawal reduces the
  current-year sub-balance first and only the excess reduces the carried-over one ("withdrawals are
  entered as negative products against the sub-balance they reduce"). The carried-over part is computed as
  its product × rate / days of the interest year, which is exactly balance × rate for an unchanged balance
  over a whole year, and prorates naturally for a part year, a reduced balance or a rate change.
* The interest is rounded once, half-up to the fen.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")
ZERO = Decimal("0")
METHODS = ("A", "B")  # A in SQL (deposits.services.interest), B here (split_interest)
DAILY, CARRIED, CURRENT = "daily", "carried", "current"


# --- interest years --------------------------------------------------------------------------------

def interest_year(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """(first day, last day) of the interest year containing ``day``: July 1 – June 30 (DOMAIN.md §2.2).

    Month > 6: YYYY-07-01 to (YYYY+1)-06-30; otherwise (YYYY−1)-07-01 to YYYY-06-30.
    """
    first_year = day.year if day.month > 6 else day.year - 1
    return datetime.date(first_year, 7, 1), datetime.date(first_year + 1, 6, 30)


def interest_year_ending(year: int) -> tuple[datetime.date, datetime.date]:
    """(first day, settlement day) of the interest year that ends on June 30 of ``year``."""
    return datetime.date(year - 1, 7, 1), datetime.date(year, 6, 30)


def days_in_interest_year(day: datetime.date) -> int:
    start, last = interest_year(day)
    return (last - start).days + 1


# --- results ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    """A run of days with one balance and one rate. ``end`` is the last day counted (inclusive)."""

    start: datetime.date
    end: datetime.date
    balance: Decimal
    days: int
    rate: Decimal
    divisor: int  # the day basis; for method B's carried-over part, the days of the interest year
    part: str = DAILY  # "daily" (method A), "carried" or "current" (method B)

    @property
    def product(self) -> Decimal:
        return self.balance * self.days

    @property
    def interest(self) -> Decimal:
        """This period's share of the interest, before the one rounding of the total."""
        return self.product * self.rate / self.divisor

    def as_dict(self) -> dict:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "balance": str(self.balance),
                "days": self.days, "rate": str(self.rate), "divisor": self.divisor, "part": self.part,
                "product": str(self.product), "interest": str(self.interest.quantize(Decimal("0.000001")))}


@dataclass(frozen=True)
class InterestResult:
    start: datetime.date  # first day counted
    end: datetime.date  # exclusive boundary (the first day not counted)
    method: str
    basis: int
    opening: Decimal
    closing: Decimal  # balance on the last day counted, before interest
    interest: Decimal  # rounded half-up to the fen
    exact: Decimal  # before rounding
    periods: tuple[Period, ...]
    counted_from: datetime.date | None = None  # the first day counted, when not ``start``

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def product(self) -> Decimal:
        """Σ balance × days over all periods (method B: carried-over plus current-year products)."""
        return sum((p.product for p in self.periods), ZERO)

    def product_of(self, part: str) -> Decimal:
        return sum((p.product for p in self.periods if p.part == part), ZERO)

    @property
    def last_day(self) -> datetime.date:
        return self.end - datetime.timedelta(days=1)

    def as_dict(self) -> dict:
        return {"start": self.start.isoformat(), "end": self.last_day.isoformat(), "method": self.method,
                "basis": self.basis, "opening": str(self.opening), "closing": str(self.closing),
                "product": str(self.product), "interest": str(self.interest),
                "periods": [p.as_dict() for p in self.periods]}


# --- the daily-product method ----------------------------------------------------------------------

def round_fen(value: Decimal) -> Decimal:
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


def rate_on(rates, day: datetime.date) -> Decimal:
    """The rate in force on ``day`` from [(effective_from, rate), ...] (any order)."""
    best = None
    for effective_from, rate in rates:
        if effective_from <= day and (best is None or effective_from > best[0]):
            best = (effective_from, rate)
    if best is None:
        raise ValueError(f"No interest rate is in force on {day.isoformat()}")
    return Decimal(best[1])


def rate_segments(rates, start: datetime.date, end: datetime.date):
    """[(first day, exclusive end, rate), ...] covering [start, end), split where the rate changes."""
    cuts = sorted({start} | {d for d, _ in rates if start < d < end})
    bounds = [*cuts, end]
    return [(a, b, rate_on(rates, a)) for a, b in zip(bounds, bounds[1:], strict=False) if a < b]


def _net_movements(movements, start, end):
    net = defaultdict(Decimal)
    for day, amount in movements:
        if not start <= day < end:
            raise ValueError(f"Movement on {day.isoformat()} is outside the period {start} – {end} (exclusive)")
        net[day] += Decimal(amount)
    return {d: a for d, a in net.items() if a}


def _append(periods, start, end, balance, rate, divisor, part):
    """Add the days [start, end) to ``periods``, extending the last period when nothing changed."""
    days = (end - start).days
    if days <= 0:
        return
    if periods:
        last = periods[-1]
        if last.balance == balance and last.rate == rate and last.end + datetime.timedelta(days=1) == start:
            periods[-1] = Period(last.start, end - datetime.timedelta(days=1), balance, last.days + days, rate,
                                 divisor, part)
            return
    periods.append(Period(start, end - datetime.timedelta(days=1), balance, days, rate, divisor, part))


def split_interest(*, opening, movements, start: datetime.date, end: datetime.date, rates, basis=360,
                   count_from: datetime.date | None = None) -> InterestResult:
    """Method B from ``start`` (counted) to ``end`` (not counted): the only implementation of method B.

    ``opening``: the balance at the start of ``start`` (before its movements), all carried over; ``movements``:
    [(date, signed amount), ...] with start <= date < end (credits positive, debits negative); ``rates``:
    [(effective_from, annual rate), ...]; ``basis``: 360 or 365 days. ``count_from``: the first day counted
    when the days before were already paid (interest posted before a closure); the sub-balances still evolve
    from ``start``. Method A is computed in SQL (:mod:`deposits.services.interest`), nowhere else.
    """
    basis = int(basis)
    if basis <= 0:
        raise ValueError("The day basis must be positive")
    if end < start:
        raise ValueError("The period ends before it starts")
    count_from = min(max(count_from or start, start), end)
    opening = Decimal(opening)
    net = _net_movements(movements, start, end)
    segments = rate_segments(rates, start, end) if end > start else []
    year_days = days_in_interest_year(start)
    cuts = sorted({start, count_from, *net, *(a for a, _b, _r in segments), end})
    seg_index = 0
    parts: dict[str, list[Period]] = {CARRIED: [], CURRENT: []}
    carried, current = opening, ZERO
    balance = opening
    for day, next_day in zip(cuts, cuts[1:], strict=False):
        amount = net.get(day, ZERO)
        balance += amount
        if amount > 0:
            current += amount
        elif amount < 0:
            from_current = min(max(current, ZERO), -amount)
            current -= from_current
            carried -= -amount - from_current
        while segments[seg_index][1] <= day:
            seg_index += 1
        rate = segments[seg_index][2]
        if day >= count_from:
            _append(parts[CARRIED], day, next_day, carried, rate, year_days, CARRIED)
            _append(parts[CURRENT], day, next_day, current, rate, basis, CURRENT)
    periods = parts[CARRIED] + parts[CURRENT]
    by_divisor = defaultdict(Decimal)
    for p in periods:
        by_divisor[p.divisor] += p.product * p.rate
    exact = sum((total / divisor for divisor, total in sorted(by_divisor.items())), ZERO)
    return InterestResult(start=start, end=end, method="B", basis=basis, opening=opening, closing=balance,
                          interest=round_fen(exact), exact=exact, periods=tuple(periods), counted_from=count_from)
