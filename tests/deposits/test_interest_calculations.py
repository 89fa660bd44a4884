"""The daily-product method against the worked examples of DOMAIN.md §2.3 and §2.4, plus properties."""

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


def example(method="A", basis=360, end=END):
    return calc.daily_product_interest(opening=D("50000"), movements=domain_movements(end), start=START, end=end,
                                       rates=RATES, method=method, basis=basis)


def test_interest_year_bounds():
    assert calc.interest_year(datetime.date(2025, 7, 1)) == (datetime.date(2025, 7, 1), datetime.date(2026, 6, 30))
    assert calc.interest_year(datetime.date(2026, 6, 30)) == (datetime.date(2025, 7, 1), datetime.date(2026, 6, 30))
    assert calc.interest_year(datetime.date(2025, 12, 31)) == (datetime.date(2025, 7, 1),
                                                               datetime.date(2026, 6, 30))
    assert calc.interest_year(datetime.date(2026, 1, 1)) == (datetime.date(2025, 7, 1), datetime.date(2026, 6, 30))
    assert calc.interest_year_ending(2026) == (datetime.date(2025, 7, 1), datetime.date(2026, 6, 30))
    assert calc.days_in_interest_year(datetime.date(2025, 9, 1)) == 365
    assert calc.days_in_interest_year(datetime.date(2023, 9, 1)) == 366  # includes 2024-02-29


def test_domain_method_a_360():
    result = example()
    assert result.product == D("21682000")
    assert result.interest == D("903.42")
    assert result.closing == D("64000")
    assert result.closing + result.interest == D("64903.42")
    assert result.days == 365


def test_domain_method_a_365():
    assert example(basis=365).interest == D("891.04")


def test_domain_method_b():
    result = example(method="B")
    assert result.product_of(calc.CARRIED) == D("50000") * 365
    assert result.product_of(calc.CURRENT) == D("3432000")
    assert result.interest == D("893.00")
    carried = [p for p in result.periods if p.part == calc.CARRIED]
    assert len(carried) == 1 and carried[0].interest == D("750.00")
    current = sum((p.interest for p in result.periods if p.part == calc.CURRENT), D(0))
    assert current.quantize(D("0.01")) == D("143.00")


def test_domain_closing_on_2026_01_20():
    result = example(end=datetime.date(2026, 1, 20))
    assert result.last_day == datetime.date(2026, 1, 19)
    assert result.product == D("11576000")
    assert result.interest == D("482.33")
    assert result.closing + result.interest == D("64482.33")


def test_breakdown_can_be_re_performed():
    result = example()
    assert result.periods[0].start == START and result.periods[-1].end == datetime.date(2026, 6, 30)
    assert sum(p.days for p in result.periods) == 365
    for a, b in zip(result.periods, result.periods[1:], strict=False):
        assert b.start == a.end + datetime.timedelta(days=1)
        assert a.balance != b.balance or a.rate != b.rate  # split only where something changes
    first = result.periods[0]
    assert (first.start, first.end, first.balance, first.days, first.product) == (
        START, datetime.date(2025, 7, 9), D("50000"), 9, D("450000"))
    withdrawal = next(p for p in result.periods if p.start == datetime.date(2026, 3, 15))
    assert withdrawal.balance == D("58000") and withdrawal.days == 26
    assert sum(p.product for p in result.periods) == D("21682000")
    assert sum(p.interest for p in result.periods).quantize(D("0.01"), ROUND_HALF_UP) == D("903.42")
    assert result.as_dict()["periods"][0]["product"] == "450000"


def test_rate_change_mid_year():
    rates = [*RATES, (datetime.date(2026, 1, 1), D("0.02"))]
    result = calc.daily_product_interest(opening=D("50000"), movements=domain_movements(), start=START, end=END,
                                         rates=rates)
    before = [p for p in result.periods if p.end < datetime.date(2026, 1, 1)]
    after = [p for p in result.periods if p.start >= datetime.date(2026, 1, 1)]
    assert len(before) + len(after) == len(result.periods)  # a period is cut at the change
    assert {p.rate for p in before} == {D("0.015")} and {p.rate for p in after} == {D("0.02")}
    # by hand: 2025-07-01..2025-12-31 at 1.5 %, 2026-01-01..2026-06-30 at 2 %
    product_2025 = sum(p.product for p in before)
    product_2026 = sum(p.product for p in after)
    assert product_2025 + product_2026 == D("21682000")
    expected = ((product_2025 * D("0.015") + product_2026 * D("0.02")) / 360).quantize(D("0.01"), ROUND_HALF_UP)
    assert result.interest == expected
    # a change on the first day of the deposit month leaves a period boundary there even without a movement
    assert any(p.start == datetime.date(2026, 1, 1) for p in result.periods)


def test_movement_on_the_last_day_counts_one_day_and_outside_is_refused():
    last = datetime.date(2026, 6, 30)
    result = calc.daily_product_interest(opening=D("0"), movements=[(last, D("3600"))], start=START, end=END,
                                         rates=RATES)
    assert result.product == D("3600") and result.interest == D("0.15")
    with pytest.raises(ValueError):
        calc.daily_product_interest(opening=D("0"), movements=[(END, D("1"))], start=START, end=END, rates=RATES)
    with pytest.raises(ValueError):
        calc.daily_product_interest(opening=D("0"), movements=[], start=START, end=END,
                                    rates=[(datetime.date(2026, 1, 1), D("0.015"))])  # no rate on 2025-07-01


def test_empty_period_has_no_interest():
    result = calc.daily_product_interest(opening=D("100"), movements=[], start=START, end=START, rates=RATES)
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
@given(balance=money, r=rate, days=st.integers(1, 366), basis=st.sampled_from([360, 365]), year=years)
def test_constant_balance(balance, r, days, basis, year):
    start = datetime.date(year - 1, 7, 1)
    result = calc.daily_product_interest(opening=balance, movements=[], start=start,
                                         end=start + datetime.timedelta(days=days), rates=[(start, r)], basis=basis)
    assert result.product == balance * days
    assert result.interest == (balance * r * days / basis).quantize(D("0.01"), ROUND_HALF_UP)
    assert len(result.periods) == 1


@settings(max_examples=200, deadline=None)
@given(data=scenario())
def test_product_is_the_sum_of_each_movement_times_its_days(data):
    opening, movements, start, end, rates = data
    result = calc.daily_product_interest(opening=opening, movements=movements, start=start, end=end, rates=rates)
    assert result.product == opening * (end - start).days + sum(
        (a * (end - d).days for d, a in movements), D(0))
    # the set-based SQL formula: opening × W(start) + Σ amount × W(day)
    weighted = opening * calc.rate_weight(rates, start, end, start) + sum(
        (a * calc.rate_weight(rates, start, end, d) for d, a in movements), D(0))
    assert sum((p.product * p.rate for p in result.periods), D(0)) == weighted
    assert result.interest == (weighted / 360).quantize(D("0.01"), ROUND_HALF_UP)


@settings(max_examples=200, deadline=None)
@given(data=scenario(), cut=st.integers(0, 400), method=st.sampled_from(["A", "B"]))
def test_splitting_the_period_never_changes_the_product(data, cut, method):
    opening, movements, start, end, rates = data
    middle = start + datetime.timedelta(days=cut % ((end - start).days + 1))
    whole = calc.daily_product_interest(opening=opening, movements=movements, start=start, end=end, rates=rates,
                                        method=method)
    first = calc.daily_product_interest(opening=opening, movements=[m for m in movements if m[0] < middle],
                                        start=start, end=middle, rates=rates)
    second = calc.daily_product_interest(opening=first.closing, movements=[m for m in movements if m[0] >= middle],
                                         start=middle, end=end, rates=rates)
    assert first.product + second.product == whole.product
    assert whole.closing == second.closing
    if method == "A":
        assert sum((p.product * p.rate for p in first.periods + second.periods), D(0)) == sum(
            (p.product * p.rate for p in whole.periods), D(0))


@settings(max_examples=200, deadline=None)
@given(data=scenario(), method=st.sampled_from(["A", "B"]))
def test_periods_cover_every_day_once(data, method):
    opening, movements, start, end, rates = data
    result = calc.daily_product_interest(opening=opening, movements=movements, start=start, end=end, rates=rates,
                                         method=method)
    parts = [calc.DAILY] if method == "A" else [calc.CARRIED, calc.CURRENT]
    for part in parts:
        periods = [p for p in result.periods if p.part == part]
        assert periods[0].start == start and periods[-1].end == end - datetime.timedelta(days=1)
        assert sum(p.days for p in periods) == (end - start).days
        for a, b in zip(periods, periods[1:], strict=False):
            assert b.start == a.end + datetime.timedelta(days=1)


@settings(max_examples=200, deadline=None)
@given(data=scenario())
def test_method_b_splits_the_same_product(data):
    opening, movements, start, end, rates = data
    a = calc.daily_product_interest(opening=opening, movements=movements, start=start, end=end, rates=rates)
    b = calc.daily_product_interest(opening=opening, movements=movements, start=start, end=end, rates=rates,
                                    method="B")
    assert b.product_of(calc.CARRIED) + b.product_of(calc.CURRENT) == a.product


@settings(max_examples=100, deadline=None)
@given(carried=money, deposits=st.lists(st.tuples(st.integers(0, 364), money), max_size=12), r=rate,
       basis=st.sampled_from([360, 365]))
def test_method_b_without_withdrawals(carried, deposits, r, basis):
    start, end = START, END
    movements = [(start + datetime.timedelta(days=d), a) for d, a in deposits]
    result = calc.daily_product_interest(opening=carried, movements=movements, start=start, end=end,
                                         rates=[(start, r)], method="B", basis=basis)
    current = sum((a * (end - d).days for d, a in movements), D(0))
    assert result.product_of(calc.CURRENT) == current
    assert result.interest == (carried * r + current * r / basis).quantize(D("0.01"), ROUND_HALF_UP)
