"""Method B (the only Python interest computation) against the worked example of DOMAIN.md §2.3, plus
properties; the interest years. Method A is computed in SQL: its worked examples (903.42, 891.04, 482.33) are
tests in tests/deposits/test_interest.py."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deposits import calculations as calc

D = Decimal
RATES = [(datetime.date(2000, 1, 1), D("0.0135")), (datetime.date(2016, 2, 21), D("0.015"))]
START, END = datetime.date(2025, 7, 1), datetime.date(2026, 7, 1)


def domain_movements(until=END):
    """§2.3: ¥2,000 on the 10th of every month, ¥10,000 withdrawn on 2026-03-15."""
    deposits = [(datetime.date(2025 if m >= 7 else 2026, m, 10), D("2000")) for m in (7, 8, 9, 10, 11, 12, 1, 2, 3,
                                                                                       4, 5, 6)]
    return [(d, a) for d, a in [*deposits, (datetime.date(2026, 3, 15), D("-10000"))] if d < until]


def example(basis=360, end=END, count_from=None):
    return calc.split_interest(opening=D("50000"), movements=domain_movements(end), start=START, end=end,
                               rates=RATES, basis=basis, count_from=count_from)


def test_interest_year_bounds():
    assert calc.interest_year(datetime.date(2025, 7, 1)) == (datetime.date(2025, 7, 1), datetime.date(2026, 6, 30))
    assert calc.interest_year(datetime.date(2026, 6, 30)) == (datetime.date(2025, 7, 1), datetime.date(2026, 6, 30))
    assert calc.interest_year(datetime.date(2025, 12, 31)) == (datetime.date(2025, 7, 1),
                                                               datetime.date(2026, 6, 30))
    assert calc.interest_year(datetime.date(2026, 1, 1)) == (datetime.date(2025, 7, 1), datetime.date(2026, 6, 30))
    assert calc.interest_year_ending(2026) == (datetime.date(2025, 7, 1), datetime.date(2026, 6, 30))
    assert calc.days_in_interest_year(datetime.date(2025, 9, 1)) == 365
    assert calc.days_in_interest_year(datetime.date(2023, 9, 1)) == 366  # includes 2024-02-29


def test_domain_method_b():
    result = example()
    assert result.method == "B" and result.closing == D("64000")
    assert result.product_of(calc.CARRIED) == D("50000") * 365
    assert result.product_of(calc.CURRENT) == D("3432000")
    assert result.interest == D("893.00")
    carried = [p for p in result.periods if p.part == calc.CARRIED]
    assert len(carried) == 1 and carried[0].interest == D("750.00")
    current = sum((p.interest for p in result.periods if p.part == calc.CURRENT), D(0))
    assert current.quantize(D("0.01")) == D("143.00")


def test_method_b_after_a_closing_interest_counts_only_the_later_days():
    middle = datetime.date(2026, 1, 20)
    later = example(count_from=middle)
    assert later.counted_from == middle
    assert all(p.start >= middle for p in later.periods)
    assert sum(p.days for p in later.periods if p.part == calc.CARRIED) == (END - middle).days
    first = example(end=middle)
    assert first.product_of(calc.CARRIED) + later.product_of(calc.CARRIED) == example().product_of(calc.CARRIED)
    assert first.product_of(calc.CURRENT) + later.product_of(calc.CURRENT) == example().product_of(calc.CURRENT)


def test_movements_outside_the_period_are_refused():
    with pytest.raises(ValueError):
        calc.split_interest(opening=D("0"), movements=[(END, D("1"))], start=START, end=END, rates=RATES)
    with pytest.raises(ValueError):
        calc.split_interest(opening=D("0"), movements=[], start=START, end=END,
                            rates=[(datetime.date(2026, 1, 1), D("0.015"))])  # no rate on 2025-07-01


def test_empty_period_has_no_interest():
    result = calc.split_interest(opening=D("100"), movements=[], start=START, end=START, rates=RATES)
    assert result.interest == D("0.00") and result.periods == ()


# --- properties ------------------------------------------------------------------------------------

money = st.decimals(min_value=D("0"), max_value=D("2000000"), places=2, allow_nan=False, allow_infinity=False)
signed_money = st.decimals(min_value=D("-5000"), max_value=D("5000"), places=2, allow_nan=False,
                           allow_infinity=False)
rate = st.decimals(min_value=D("0"), max_value=D("0.05"), places=4, allow_nan=False, allow_infinity=False)
years = st.integers(min_value=2010, max_value=2035)


@st.composite
def scenario(draw):
    year = draw(years)
    start, last = calc.interest_year_ending(year)
    days = (last - start).days + 1
    end = start + datetime.timedelta(days=draw(st.integers(min_value=1, max_value=days)))
    span = (end - start).days
    movements = draw(st.lists(st.tuples(st.integers(0, span - 1), signed_money), max_size=12))
    changes = draw(st.lists(st.tuples(st.integers(1, days - 1), rate), max_size=3))
    rates = [(start - datetime.timedelta(days=30), draw(rate))]
    rates += [(start + datetime.timedelta(days=d), r) for d, r in changes]
    return (draw(money), [(start + datetime.timedelta(days=d), a) for d, a in movements], start, end, rates)


@settings(max_examples=200, deadline=None)
@given(data=scenario())
def test_method_b_splits_the_daily_product(data):
    opening, movements, start, end, rates = data
    b = calc.split_interest(opening=opening, movements=movements, start=start, end=end, rates=rates)
    assert b.product_of(calc.CARRIED) + b.product_of(calc.CURRENT) == opening * (end - start).days + sum(
        (a * (end - d).days for d, a in movements), D(0))


@settings(max_examples=200, deadline=None)
@given(data=scenario())
def test_periods_cover_every_day_once(data):
    opening, movements, start, end, rates = data
    result = calc.split_interest(opening=opening, movements=movements, start=start, end=end, rates=rates)
    for part in (calc.CARRIED, calc.CURRENT):
        periods = [p for p in result.periods if p.part == part]
        assert periods[0].start == start and periods[-1].end == end - datetime.timedelta(days=1)
        assert sum(p.days for p in periods) == (end - start).days
        for a, b in zip(periods, periods[1:], strict=False):
            assert b.start == a.end + datetime.timedelta(days=1)


@settings(max_examples=100, deadline=None)
@given(carried=money, deposits=st.lists(st.tuples(st.integers(0, 364), money), max_size=12), r=rate,
       basis=st.sampled_from([360, 365]))
def test_method_b_without_withdrawals(carried, deposits, r, basis):
    start, end = START, END
    movements = [(start + datetime.timedelta(days=d), a) for d, a in deposits]
    result = calc.split_interest(opening=carried, movements=movements, start=start, end=end, rates=[(start, r)],
                                 basis=basis)
    current = sum((a * (end - d).days for d, a in movements), D(0))
    assert result.product_of(calc.CURRENT) == current
    assert result.interest == (carried * r + current * r / basis).quantize(D("0.01"), ROUND_HALF_UP)
