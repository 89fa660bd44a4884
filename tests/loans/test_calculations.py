"""Loan arithmetic against every worked example of DOMAIN.md §4.3–§4.7 and §5.2, plus properties."""

import datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core import policy
from core.errors import InvalidInput
from loans import calculations as calc
from loans.calculations import EQUAL_INSTALLMENT as EI
from loans.calculations import EQUAL_PRINCIPAL as EP

D = Decimal
day = datetime.date


def defaults(prefix="loans."):
    """The demo center's declared policy (DOMAIN.md §13), as a snapshot would return it on an empty table."""
    return {k: p.default for k, p in policy.load_all().items() if k.startswith(prefix)}


@pytest.fixture(scope="module")
def example_a():
    """DOMAIN.md §4.6 Example A: ¥500,000, 240 months, 2.85 %, equal installment."""
    return calc.schedule(D("500000"), D("0.0285"), 240, EI, first_due=day(2024, 7, 15))


# --- rates ----------------------------------------------------------------------------------------------------


def test_monthly_and_daily_rates():
    assert calc.monthly_rate(D("0.0285")) == D("0.002375")
    assert calc.daily_rate(D("0.0285")) * D("1.5") == D("0.00011875")
    assert calc.period_interest(D("500000"), D("0.0285")) == D("1187.50")
    # 0.026 / 12 is not a finite decimal: the multiplication comes first, the one rounding last
    assert calc.period_interest(D("100000"), D("0.026")) == D("216.67")


def test_rate_key_by_term_and_home():
    assert calc.rate_key(60, False) == "first_le5"
    assert calc.rate_key(61, False) == "first_gt5"
    assert calc.rate_key(360, True) == "second_gt5"
    assert calc.rate_key(12, True) == "second_le5"


def test_annuity_factor_of_the_limit_example():
    """DOMAIN.md §4.3: annuity factor(2.6 %, 276 m) = 207.5694."""
    assert calc.annuity_factor(D("0.026"), 276).quantize(D("0.0001")) == D("207.5694")
    assert calc.annuity_factor(D("0"), 276) == 276


# --- Example A, both methods ------------------------------------------------------------------------------------


def test_example_a_equal_installment(example_a):
    s = example_a
    assert len(s) == 240
    first, second = s[0], s[1]
    assert (first.payment, first.interest, first.principal) == (D("2735.59"), D("1187.50"), D("1548.09"))
    assert (second.payment, second.interest, second.principal) == (D("2735.59"), D("1183.82"), D("1551.77"))
    assert s[35].balance == D("441888.82")
    assert (s[238].payment, s[238].interest, s[238].principal) == (D("2735.59"), D("12.95"), D("2722.64"))
    last = s[239]
    assert (last.payment, last.interest, last.principal, last.balance) == (
        D("2736.75"),
        D("6.48"),
        D("2730.27"),
        D("0.00"),
    )
    assert calc.total_interest(s) == D("156542.76")
    assert calc.total_payment(s) == D("656542.76")
    assert sum(i.principal for i in s) == D("500000.00")


def test_example_a_due_dates(example_a):
    assert [i.due_date for i in example_a[:3]] == [day(2024, 7, 15), day(2024, 8, 15), day(2024, 9, 15)]
    assert example_a[-1].due_date == day(2044, 6, 15)


def test_due_dates_keep_the_day_of_month_after_a_short_month():
    s = calc.schedule(D("12000"), D("0.031"), 3, EI, first_due=day(2026, 1, 31))
    assert [i.due_date for i in s] == [day(2026, 1, 31), day(2026, 2, 28), day(2026, 3, 31)]


def test_example_a_equal_principal():
    s = calc.schedule(D("500000"), D("0.0285"), 240, EP)
    assert (s[0].payment, s[0].principal, s[0].interest) == (D("3270.83"), D("2083.33"), D("1187.50"))
    assert (s[1].payment, s[1].principal, s[1].interest) == (D("3265.88"), D("2083.33"), D("1182.55"))
    assert s[238].payment == D("2093.23")
    assert (s[239].payment, s[239].principal, s[239].interest) == (D("2089.08"), D("2084.13"), D("4.95"))
    assert s[239].balance == D("0.00")
    assert calc.total_interest(s) == D("143093.98")


@pytest.mark.parametrize(
    ("rate", "m60", "m240", "m360"),
    [
        ("0.021", "8785.77", None, None),
        ("0.0235", "8840.65", "2613.13", "1936.83"),
        ("0.026", "8895.74", "2673.94", "2001.70"),
        ("0.0285", "8951.06", "2735.59", "2067.79"),
        ("0.03075", "9001.02", "2791.80", "2128.30"),
        ("0.031", "9006.58", "2798.08", "2135.08"),
        ("0.0325", "9040.00", "2835.98", "2176.03"),
    ],
)
def test_example_b_monthly_payments(rate, m60, m240, m360):
    """DOMAIN.md §4.6 Example B: ¥500,000 equal installment at each rate of the table."""
    for months, expected in ((60, m60), (240, m240), (360, m360)):
        if expected is not None:
            assert calc.equal_installment_payment(D("500000"), D(rate), months) == D(expected)
            assert calc.schedule(D("500000"), D(rate), months)[0].payment == D(expected)


def test_published_center_example():
    """¥800,000, 30 years, 3.25 % → ¥3,481.65 a month."""
    assert calc.equal_installment_payment(D("800000"), D("0.0325"), 360) == D("3481.65")


def test_zero_rate_schedules():
    s = calc.schedule(D("1000.00"), D("0"), 3, EI)
    assert [i.payment for i in s] == [D("333.33"), D("333.33"), D("333.34")]
    assert calc.total_interest(s) == 0
    s = calc.schedule(D("1000.00"), D("0"), 3, EP)
    assert [i.principal for i in s] == [D("333.33"), D("333.33"), D("333.34")]


# --- prepayment (DOMAIN.md §4.7) --------------------------------------------------------------------------------


def test_prepayment_keep_term_lowers_the_payment(example_a):
    result = calc.prepay(example_a, after=36, amount=D("100000"), keep=calc.KEEP_TERM)
    assert result.balance_before == D("441888.82")
    assert result.balance_after == D("341888.82")
    assert result.payment_after == D("2116.53")
    assert result.months_left_after == 204 and result.months_shortened == 0
    s = result.installments
    assert len(s) == 240 and s[:36] == example_a[:36]
    assert s[36].number == 37 and s[36].due_date == example_a[36].due_date
    assert s[36].interest == calc.period_interest(D("341888.82"), D("0.0285")) == D("811.99")
    assert sum(i.principal for i in s) + D("100000") == D("500000.00")
    assert s[-1].balance == D("0.00")
    assert result.interest_saved == calc.total_interest(example_a[36:]) - calc.total_interest(s[36:])


def test_prepayment_keep_payment_shortens_the_term(example_a):
    result = calc.prepay(example_a, after=36, amount=D("100000"), keep=calc.KEEP_PAYMENT)
    assert result.months_left_after == 149
    assert result.months_shortened == 55
    s = result.installments
    assert len(s) == 36 + 149
    assert all(i.payment == D("2735.59") for i in s[36:-1])
    assert s[-1].payment < D("2735.59") and s[-1].balance == D("0.00")
    assert sum(i.principal for i in s) + D("100000") == D("500000.00")
    assert calc.keep_payment_months(D("341888.82"), D("0.0285"), D("2735.59")).quantize(D("0.01")) == D("148.45")


def test_prepayment_equal_principal_both_ways():
    s = calc.schedule(D("120000"), D("0.031"), 120, EP)
    assert s[0].principal == D("1000.00")
    term = calc.prepay(s, after=12, amount=D("54000"), keep=calc.KEEP_TERM, method=EP)
    assert term.balance_after == D("54000.00")
    assert term.installments[12].principal == D("500.00") and len(term.installments) == 120
    pay = calc.prepay(s, after=12, amount=D("54000"), keep=calc.KEEP_PAYMENT, method=EP)
    assert pay.months_left_after == 54 and pay.installments[-1].principal == D("1000.00")
    assert len(pay.installments) == 66
    for r in (term, pay):
        assert sum(i.principal for i in r.installments) + D("54000") == D("120000.00")


def test_prepayment_refusals(example_a):
    with pytest.raises(InvalidInput) as exc:
        calc.prepay(example_a, after=36, amount=D("441888.82"), keep=calc.KEEP_TERM)
    assert "amount" in exc.value.fields
    with pytest.raises(InvalidInput) as exc:
        calc.prepay(example_a, after=240, amount=D("100"), keep=calc.KEEP_TERM)
    assert "after_installment" in exc.value.fields
    with pytest.raises(InvalidInput) as exc:
        calc.prepay(example_a, after=1, amount=D("0.001"), keep=calc.KEEP_TERM)
    assert "amount" in exc.value.fields
    with pytest.raises(InvalidInput) as exc:
        calc.prepay(example_a, after=1, amount=D("100"), keep="both")
    assert "keep" in exc.value.fields
    with pytest.raises(InvalidInput):
        calc.prepay(example_a[1:], after=3, amount=D("100"), keep=calc.KEEP_TERM)


def test_prepayment_before_the_first_installment(example_a):
    result = calc.prepay(example_a, after=0, amount=D("100000"), keep=calc.KEEP_TERM)
    assert result.balance_before == D("500000")
    assert result.installments == calc.schedule(D("400000"), D("0.0285"), 240, first_due=day(2024, 7, 15))


# --- payoff and repricing ----------------------------------------------------------------------------------------


def test_payoff_on_a_date(example_a):
    """Full payoff 10 days after the 36th installment: 441,888.82 + 441,888.82 × 2.85 % × 10 / 360."""
    result = calc.payoff(
        example_a[35].balance,
        D("0.0285"),
        since=example_a[35].due_date,
        on=example_a[35].due_date + datetime.timedelta(days=10),
    )
    assert result.days == 10
    assert result.interest == D("349.83")  # 349.828...
    assert result.total == D("442238.65")
    assert calc.payoff(D("1000"), D("0.03"), since=day(2026, 1, 1), on=day(2026, 1, 1)).total == D("1000.00")
    with pytest.raises(InvalidInput):
        calc.payoff(D("1000"), D("0.03"), since=day(2026, 1, 2), on=day(2026, 1, 1))


def test_repricing_date_rule():
    """DOMAIN.md §4.5: loans disbursed before 2025-05-08 moved to the new rate on 2026-01-01."""
    assert calc.repricing_date(240, day(2024, 7, 1), day(2025, 5, 8)) == day(2026, 1, 1)
    assert calc.repricing_date(12, day(2024, 7, 1), day(2025, 5, 8)) is None
    assert calc.repricing_date(13, day(2024, 7, 1), day(2025, 5, 8)) == day(2026, 1, 1)
    assert calc.repricing_date(240, day(2025, 6, 1), day(2025, 5, 8)) is None


def test_reprice_equal_installment(example_a):
    """Example A (first due 2024-07-15) reprices to 2.60 % on 2026-01-01: 18 installments kept at 2.85 %,
    the remaining 222 re-amortised at 2.60 % (DOMAIN.md §4.5)."""
    new = calc.reprice(example_a, on=day(2026, 1, 1), annual_rate=D("0.026"))
    assert new[:18] == example_a[:18]
    balance = example_a[17].balance
    assert new[18].due_date == day(2026, 1, 15)
    assert new[18].annual_rate == D("0.026")
    assert new[18].payment == calc.equal_installment_payment(balance, D("0.026"), 222)
    assert new[18].interest == calc.period_interest(balance, D("0.026"))
    assert len(new) == 240 and new[-1].balance == 0
    assert sum(i.principal for i in new) == D("500000")
    assert calc.total_interest(new) < calc.total_interest(example_a)


def test_reprice_equal_principal_keeps_principal_parts():
    s = calc.schedule(D("500000"), D("0.0285"), 240, EP, first_due=day(2024, 7, 15))
    new = calc.reprice(s, on=day(2026, 1, 1), annual_rate=D("0.026"), method=EP)
    assert [i.principal for i in new] == [i.principal for i in s]
    assert new[18].interest == calc.period_interest(s[17].balance, D("0.026"))
    assert new[17] == s[17]


# --- retirement and term (DOMAIN.md §4.4) --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("born", "sex", "category", "months"),
    [
        (day(1964, 12, 31), "M", None, 720),  # before the reform: 60
        (day(1965, 1, 1), "M", None, 721),  # January–April 1965: 60 + 1 month
        (day(1965, 4, 30), "M", None, 721),
        (day(1965, 5, 1), "M", None, 722),
        (day(1970, 1, 10), "M", None, 720 + 16),  # 60 months after January 1965: 15 groups of 4 → +16
        (day(1976, 9, 1), "M", None, 756),  # the 36th group: 63
        (day(1981, 1, 15), "M", None, 756),
        (day(1969, 12, 1), "F", "cadre", 660),  # 55
        (day(1970, 1, 1), "F", "cadre", 661),
        (day(1985, 6, 1), "F", "cadre", 696),  # 58
        (day(1974, 12, 1), "F", "worker", 600),  # 50
        (day(1975, 1, 1), "F", "worker", 601),
        (day(1975, 3, 1), "F", "worker", 602),  # +1 month per 2 months of birth
        (day(1984, 11, 1), "F", "worker", 660),  # the 60th group: 55
        (day(1990, 1, 1), "F", "worker", 660),
    ],
)
def test_statutory_retirement_age(born, sex, category, months):
    kwargs = {"female_category": category} if category else {}
    assert calc.retirement_age_months(born, sex, **kwargs) == months


def test_retirement_date_per_person():
    assert calc.retirement_date(day(1965, 1, 20), "M") == day(2025, 2, 20)
    assert calc.retirement_date(day(1981, 1, 15), "M") == day(2044, 1, 15)
    assert calc.retirement_date(day(1975, 2, 28), "F", "worker") == day(2025, 3, 28)


def test_max_term_of_the_limit_example():
    """DOMAIN.md §4.3: a man born in 1981, 45 at application, retires at 63: min(30, 63 + 5 − 45) = 23 years."""
    t = calc.max_term(day(1981, 1, 15), "M", day(2026, 1, 15), max_term_years=30, extra_years=5)
    assert (t.months, t.binding) == (276, "age")
    assert t.retirement == day(2044, 1, 15) and t.latest_maturity == day(2049, 1, 15)
    # a day later the 276th month would end after the latest maturity
    assert calc.max_term(day(1981, 1, 15), "M", day(2026, 1, 16), max_term_years=30, extra_years=5).months == 275


def test_max_term_policy_binds_for_the_young_and_nothing_after_the_limit():
    t = calc.max_term(day(1998, 3, 1), "F", day(2026, 1, 1), max_term_years=30, extra_years=5, female_category="cadre")
    assert (t.months, t.binding) == (360, "policy")
    t = calc.max_term(day(1960, 1, 1), "M", day(2026, 1, 1), max_term_years=30, extra_years=5)
    assert t.months == 0


def test_retirement_refuses_unknown_sex_or_category():
    with pytest.raises(InvalidInput):
        calc.retirement_age_months(day(1980, 1, 1), "X")
    with pytest.raises(InvalidInput):
        calc.retirement_age_months(day(1980, 1, 1), "F", "other")


# --- the loan limit (DOMAIN.md §4.3) ------------------------------------------------------------------------


def limit_example(**changes):
    values = {
        "balances": (D("30000"), D("20000")),
        "monthly_income": D("20000"),
        "other_monthly_debt": D("2000"),
        "price": D("1000000"),
        "second_home": False,
        "loans_used": 0,
        "children": 0,
        "green": False,
        "annual_rate": D("0.026"),
        "months": 276,
    }
    values.update(changes)
    return calc.LimitRequest(**values)


def test_limit_worked_example():
    limit = calc.loan_limit(limit_example(), defaults())
    amounts = {c.key: c.amount for c in limit.components}
    assert amounts == {
        "cap": D("600000.00"),
        "balance": D("750000.00"),
        "capacity": D("1660555.53"),
        "ltv": D("800000.00"),
    }
    assert limit.binding == "cap"
    assert limit.granted == D("600000.00")
    assert "207.5694" in limit.component("capacity").explanation


def test_limit_each_component_can_bind():
    p = defaults()
    assert calc.loan_limit(limit_example(balances=(D("20000"), D("10000"))), p).binding == "balance"
    low = calc.loan_limit(limit_example(balances=(D("20000"), D("10000"))), p)
    assert low.granted == D("450000.00")
    capacity = calc.loan_limit(limit_example(monthly_income=D("6000"), other_monthly_debt=D("1500")), p)
    # (6,000 × 50 % − 1,500) × 207.569441852... = 311,354.16, down to ¥1,000
    assert capacity.binding == "capacity"
    assert capacity.component("capacity").amount == D("311354.16")
    assert capacity.granted == D("311000.00")
    ltv = calc.loan_limit(limit_example(price=D("500000")), p)
    assert (ltv.binding, ltv.granted) == ("ltv", D("400000.00"))
    debt = calc.loan_limit(limit_example(monthly_income=D("3000"), other_monthly_debt=D("2000")), p)
    assert debt.component("capacity").amount == 0 and debt.granted == 0


def test_limit_caps_and_uplifts():
    p = defaults()
    assert calc.loan_limit(limit_example(second_home=True), p).component("cap").amount == D("400000.00")
    second = calc.loan_limit(limit_example(second_home=True), p)
    assert second.component("ltv").amount == D("700000.00")
    assert calc.loan_limit(limit_example(loans_used=1), p).component("cap").amount == D("400000.00")
    assert calc.loan_limit(limit_example(children=2), p).component("cap").amount == D("660000.00")
    assert calc.loan_limit(limit_example(children=3), p).component("cap").amount == D("720000.00")
    assert calc.loan_limit(limit_example(green=True), p).component("cap").amount == D("660000.00")
    # three children (+20 %) and green (+10 %): +30 %, the maximum
    both = calc.loan_limit(limit_example(children=4, green=True, balances=(D("60000"),)), p)
    assert both.uplift == D("0.30") and both.component("cap").amount == D("780000.00")
    assert both.granted == D("780000.00") and both.binding == "cap"
    p_low_max = {**p, "loans.uplift_max": D("0.25")}
    assert calc.loan_limit(limit_example(children=3, green=True), p_low_max).uplift == D("0.25")


def test_limit_shared_ownership_and_conversion():
    p = defaults()
    shared = calc.loan_limit(limit_example(ownership_share=D("0.6")), p)
    assert shared.component("ltv").amount == D("480000.00") and shared.binding == "ltv"
    assert shared.granted == D("480000.00")
    conversion = calc.loan_limit(limit_example(commercial_remaining=D("356789.12")), p)
    assert conversion.binding == "commercial" and conversion.granted == D("356000.00")


def test_limit_equal_principal_capacity_uses_the_first_payment():
    limit = calc.loan_limit(
        limit_example(method=EP, monthly_income=D("6000"), other_monthly_debt=D("1500")), defaults()
    )
    capacity = limit.component("capacity").amount
    # the first payment of that principal fits the room of 1,500.00 a month, a fen more would not
    assert calc.schedule(capacity, D("0.026"), 276, EP)[0].payment <= D("1500.00")
    assert calc.schedule(capacity + D("1.00"), D("0.026"), 276, EP)[0].payment > D("1500.00")


def test_limit_refuses_bad_input():
    p = defaults()
    for bad in (
        {"price": D("-1")},
        {"monthly_income": "abc"},
        {"balances": (D("1.001"),)},
        {"ownership_share": D("0")},
        {"ownership_share": D("1.5")},
        {"months": 0},
        {"annual_rate": D("2")},
        {"children": -1},
        {"method": "balloon"},
        {"price": 1.5},
    ):
        with pytest.raises(InvalidInput):
            calc.loan_limit(limit_example(**bad), p)


# --- penalty interest (DOMAIN.md §5.2) ---------------------------------------------------------------------------


def penalty(days, **kwargs):
    return calc.penalty_interest(D("2735.59"), days, D("0.0285"), **kwargs)


def test_penalty_worked_examples():
    assert penalty(30, mode="contract_multiple", multiplier=D("1.5")) == D("9.75")
    assert penalty(30, mode="fixed_daily", daily_rate=D("0.00021")) == D("17.23")
    assert penalty(30, mode="contract_multiple", multiplier=D("1.5"), grace_days=5) == D("8.12")
    assert penalty(30, mode="fixed_daily", daily_rate=D("0.00021"), grace_days=5) == D("14.36")


def test_penalty_grace_variants():
    # inside the grace period the installment is not overdue: nothing, with or without grace-period interest
    assert penalty(5, grace_days=5) == 0
    assert penalty(5, grace_days=5, grace_interest=True) == 0
    # after it: every day since the due date when grace-period interest is charged
    assert penalty(30, grace_days=5, grace_interest=True) == D("9.75")
    assert penalty(6, grace_days=5) == calc.penalty_interest(D("2735.59"), 1, D("0.0285"))
    assert calc.penalty_days(30, 5, False) == 25 and calc.penalty_days(30, 5, True) == 30
    assert penalty(0) == 0


def test_penalty_fixed_amount_and_multiplier():
    assert penalty(10, mode="fixed_amount", fixed_amount=D("1.50")) == D("15.00")
    assert penalty(10, mode="fixed_amount", fixed_amount=D("1.50"), grace_days=3) == D("10.50")
    # 1.3 × contract rate: 2,735.59 × 0.0285 × 1.3 × 30 / 360 = 8.4464...
    assert penalty(30, multiplier=D("1.3")) == D("8.45")


def test_penalty_is_cumulative_not_daily_rounded():
    """The daily job posts differences of the cumulative rounded totals; their sum is the total exactly."""
    steps = [penalty(d) - penalty(d - 1) for d in range(1, 31)]
    assert sum(steps) == D("9.75")
    assert sum(calc.penalty_interest(D("2735.59"), 1, D("0.0285")) for _ in range(30)) != D("9.75")


def test_penalty_refuses_bad_input():
    for args, kwargs in (
        ((D("-1"), 3, D("0.03")), {}),
        ((D("1"), -1, D("0.03")), {}),
        ((D("1"), 3, D("0.03")), {"mode": "daily"}),
        ((D("1"), 3, D("0.03")), {"multiplier": D("0.5")}),
        ((D("1"), 3, D("0.03")), {"grace_days": 1.5}),
        ((D("1"), 3, D("0.03")), {"mode": "fixed_daily", "daily_rate": D("1")}),
        ((D("1"), True, D("0.03")), {}),
        ((D("NaN"), 3, D("0.03")), {}),
    ):
        with pytest.raises(InvalidInput):
            calc.penalty_interest(*args, **kwargs)


# --- bad input of schedules ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ((D("0"), D("0.03"), 12), "principal"),
        ((D("-100"), D("0.03"), 12), "principal"),
        ((D("100.001"), D("0.03"), 12), "principal"),
        (("1e12", D("0.03"), 12), "principal"),
        (("1e30", D("0.03"), 12), "principal"),
        (("1E+999999", D("0.03"), 12), "principal"),
        (("1e-999999", D("0.03"), 12), "principal"),
        ((D("100000"), "1e30", 12), "annual_rate"),
        ((D("100000"), "1e-30", 12), "annual_rate"),
        (("abc", D("0.03"), 12), "principal"),
        ((100000.0, D("0.03"), 12), "principal"),
        ((D("Infinity"), D("0.03"), 12), "principal"),
        ((D("100000"), D("-0.01"), 12), "annual_rate"),
        ((D("100000"), D("1.5"), 12), "annual_rate"),
        ((D("100000"), D("0.0312345678"), 12), "annual_rate"),
        ((D("100000"), D("0.03"), 0), "months"),
        ((D("100000"), D("0.03"), 481), "months"),
        ((D("100000"), D("0.03"), "12.5"), "months"),
        ((D("100000"), D("0.03"), True), "months"),
        ((D("0.06"), D("0"), 4), "principal"),  # too small to amortise: the third part would repay it all
    ],
)
def test_schedule_refuses_bad_input(args, field):
    with pytest.raises(InvalidInput) as exc:
        calc.schedule(*args, method=EP if args[0] == D("0.06") else EI)
    assert field in exc.value.fields
    assert exc.value.message


# --- properties ------------------------------------------------------------------------------------------------------

amounts = st.decimals(min_value=D("1000.00"), max_value=D("5000000.00"), places=2)
rates = st.decimals(min_value=D("0"), max_value=D("0.10"), places=5)
terms = st.integers(min_value=1, max_value=480)


@settings(max_examples=200, deadline=None)
@given(
    amount=st.decimals(min_value=D("0.01"), max_value=D("5000000.00"), places=2),
    rate=rates,
    months=terms,
    method=st.sampled_from(calc.METHODS),
)
def test_schedule_properties(amount, rate, months, method):
    try:
        s = calc.schedule(amount, rate, months, method)
    except InvalidInput as exc:
        # refused only when the installments would be tiny (under ¥10 a month), never a negative installment
        assert "principal" in exc.fields and amount < months * 10
        return
    assert len(s) == months
    assert [i.number for i in s] == list(range(1, months + 1))
    assert sum(i.principal for i in s) == amount
    assert s[-1].balance == D("0.00")
    balance = amount
    for i in s:
        assert i.interest == calc.period_interest(balance, rate)
        assert i.payment == i.principal + i.interest
        assert i.principal > 0
        balance -= i.principal
        assert i.balance == balance >= 0
    if method == EI:
        regular = calc.equal_installment_payment(amount, rate, months)
        assert all(i.payment == regular for i in s[:-1])
        # the last installment absorbs the rounding of the payment and of each interest (at most a fen a month,
        # compounded) and of its own interest
        growth = 1 + rate / 12
        assert abs(s[-1].payment - regular) <= D("0.01") * sum(growth**k for k in range(months)) + D("0.01")
    else:
        assert all(i.principal == s[0].principal for i in s[:-1])


@settings(max_examples=100, deadline=None)
@given(
    amount=amounts,
    rate=st.decimals(min_value=D("0"), max_value=D("0.03575"), places=5),
    months=st.integers(min_value=12, max_value=360),
)
def test_last_installment_within_a_fen_a_month_at_fund_rates(amount, rate, months):
    """At the rates of the fund loan table (at most 3.575 %) and terms of one to 30 years the last equal
    installment is within one fen per month of the others (the rounding errors of payment and interest do not
    all point the same way; the strict bound is in :func:`test_schedule_properties`)."""
    s = calc.schedule(amount, rate, months, EI)
    assert abs(s[-1].payment - s[0].payment) <= D("0.01") * months


@settings(max_examples=60, deadline=None)
@given(
    amount=amounts,
    rate=rates,
    months=st.integers(min_value=2, max_value=360),
    method=st.sampled_from(calc.METHODS),
    keep=st.sampled_from(calc.KEEPS),
    data=st.data(),
)
def test_prepayment_properties(amount, rate, months, method, keep, data):
    s = calc.schedule(amount, rate, months, method)
    after = data.draw(st.integers(min_value=0, max_value=months - 1))
    balance = s[after - 1].balance if after else amount
    prepaid = data.draw(st.decimals(min_value=D("0.01"), max_value=balance - D("0.01"), places=2))
    try:
        result = calc.prepay(s, after=after, amount=prepaid, keep=keep, method=method)
    except InvalidInput as exc:  # only a remainder too small to spread over the months left
        assert "principal" in exc.fields
        return
    new = result.installments
    assert sum(i.principal for i in new) + prepaid == amount
    assert new[-1].balance == 0 and all(i.balance >= 0 for i in new)
    assert new[:after] == s[:after]
    assert [i.number for i in new] == list(range(1, len(new) + 1))
    assert result.months_left_after <= months - after
    if keep == calc.KEEP_TERM:
        assert len(new) == months
    if keep == calc.KEEP_PAYMENT and method == EI:
        assert all(i.payment == s[after].payment for i in new[after:-1])


def test_refusals_are_in_chinese():
    from django.utils import translation

    with translation.override("zh-hans"), pytest.raises(InvalidInput) as exc:
        calc.schedule(D("-1"), D("0.03"), 12)
    assert exc.value.message == "金额必须大于零。"
    with translation.override("zh-hans"), pytest.raises(InvalidInput) as exc:
        calc.prepay(calc.schedule(D("1000"), D("0.03"), 12), after=1, amount=D("5000"), keep="term")
    assert exc.value.fields["amount"] == ["部分提前还款金额须小于剩余本金 917.81 元；如需全部还清，请办理提前结清。"]


@settings(max_examples=100, deadline=None)
@given(
    amount=st.decimals(min_value=D("0"), max_value=D("1000000.00"), places=2),
    days=st.integers(min_value=0, max_value=2000),
    rate=st.decimals(min_value=D("0.01"), max_value=D("0.05"), places=5),
    grace=st.integers(min_value=0, max_value=31),
    grace_interest=st.booleans(),
    mode=st.sampled_from(calc.PENALTY_MODES),
)
def test_penalty_properties(amount, days, rate, grace, grace_interest, mode):
    """Never negative, never falling from one day to the next, nothing inside the grace period, and exactly the
    unrounded formula rounded once."""
    kwargs = {"mode": mode, "grace_days": grace, "grace_interest": grace_interest, "fixed_amount": D("0.50")}
    today_ = calc.penalty_interest(amount, days, rate, **kwargs)
    assert today_ >= 0
    if days:
        assert calc.penalty_interest(amount, days - 1, rate, **kwargs) <= today_
    charged = calc.penalty_days(days, grace, grace_interest)
    if days <= grace:
        assert today_ == 0 and charged == 0
    exact = {
        "contract_multiple": amount * rate * D("1.5") * charged / 360,
        "fixed_daily": amount * D("0.00021") * charged,
        "fixed_amount": D("0.50") * charged,
    }[mode]
    assert today_ == exact.quantize(D("0.01"), rounding="ROUND_HALF_UP")
