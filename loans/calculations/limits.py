"""The loan limit and its explanation (DOMAIN.md §4.3, §13)."""

from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal, localcontext

from django.utils.translation import gettext as _

from core.money import FEN, ZERO, format_yuan, round_down, round_money
from loans.calculations.common import (
    EQUAL_INSTALLMENT,
    PRECISION,
    annuity_factor,
    check_method,
    check_months,
    check_nonnegative,
    check_rate,
    invalid,
    to_number,
)


@dataclass(frozen=True)
class LimitRequest:
    balances: tuple  # fund balances of borrower, spouse and co-borrowers
    monthly_income: Decimal  # of borrower, spouse and co-borrowers together
    other_monthly_debt: Decimal
    price: Decimal
    second_home: bool  # the family owns a home already
    loans_used: int  # fund loans the family has had before (0: this is the first)
    children: int
    green: bool  # green or prefabricated building
    annual_rate: Decimal
    months: int
    method: str = EQUAL_INSTALLMENT
    ownership_share: Decimal = Decimal(1)  # 共有产权房: the buyer's share of the home
    commercial_remaining: Decimal | None = None  # 商转公: the commercial principal still owed
    commercial_amount: Decimal | None = None  # 组合贷: the commercial bank's part on the same home
    commercial_payment: Decimal = ZERO  # 组合贷: the highest monthly payment of the commercial part


@dataclass(frozen=True)
class Component:
    key: str
    label: str
    amount: Decimal
    explanation: str


@dataclass(frozen=True)
class LoanLimit:
    granted: Decimal  # min of the components, rounded down to the policy step
    binding: str  # the key of the smallest component
    components: list = field(default_factory=list)
    uplift: Decimal = ZERO

    def component(self, key) -> Component:
        return next(c for c in self.components if c.key == key)


def _percent(value) -> str:
    return f"{(Decimal(value) * 100).normalize():f}%"


def uplift(p: dict, *, children: int, green: bool) -> Decimal:
    """The total uplift of the city cap: children (two / three or more) and green building, at most the policy
    maximum (DOMAIN.md §13)."""
    total = ZERO
    if children >= 3:
        total += p["loans.uplift_three_children"]
    elif children == 2:
        total += p["loans.uplift_two_children"]
    if green:
        total += p["loans.uplift_green"]
    return min(total, p["loans.uplift_max"])


def loan_limit(req: LimitRequest, p: dict) -> LoanLimit:
    """The highest loan and why (DOMAIN.md §4.3): the smallest of the city cap with its uplifts, the balance
    multiple, the repayment capacity and the loan-to-value amount (and, for 商转公, the commercial principal
    still owed), rounded down to ``loans.amount_rounding``. ``p``: the ``loans.`` policy snapshot.

    Repayment capacity: the largest principal whose highest monthly payment plus the other debt stays within
    ``loans.income_ratio`` of the income: (income × ratio − debt) × the annuity factor for equal installment;
    for equal principal the first payment P/n + P·r is the highest, so (income × ratio − debt) / (1/n + r).

    Combined loan (组合贷, DOMAIN.md §4.3, §4.8): the down payment rule is about the home, so the loan-to-value
    amount bounds the fund part and the commercial part together: the fund part is at most price × share × LTV
    minus the commercial amount; and the commercial part's monthly payment is a debt payment like any other, so
    it counts in the repayment capacity."""
    balances = [check_nonnegative(b, "balances") for b in req.balances]
    income = check_nonnegative(req.monthly_income, "monthly_income")
    debt = check_nonnegative(req.other_monthly_debt, "other_monthly_debt")
    price = check_nonnegative(req.price, "price")
    rate = check_rate(req.annual_rate)
    months = check_months(req.months)
    method = check_method(req.method)
    share = to_number(req.ownership_share, "ownership_share")
    if not 0 < share <= 1:
        raise invalid("ownership_share", _("The ownership share must be more than 0 and at most 1."))
    if req.children < 0 or req.children > 20:
        raise invalid("children", _("The number of children must be between 0 and 20."))
    if req.loans_used < 0:
        raise invalid("loans_used", _("The number of loans used may not be negative."))

    components = []
    if req.loans_used >= 1:
        cap, cap_label = p["loans.cap_second_loan"], _("second fund loan")
    elif req.second_home:
        cap, cap_label = p["loans.cap_second_home"], _("first fund loan for a second home")
    else:
        cap, cap_label = p["loans.cap_first_home"], _("first home and first fund loan")
    up = uplift(p, children=req.children, green=req.green)
    components.append(
        Component(
            "cap",
            _("City cap"),
            round_money(cap * (1 + up)),
            _("Cap for a %(kind)s: %(cap)s × (1 + uplift %(up)s)")
            % {"kind": cap_label, "cap": format_yuan(cap), "up": _percent(up)},
        )
    )

    total_balance = sum(balances, ZERO)
    multiple = p["loans.balance_multiple"]
    components.append(
        Component(
            "balance",
            _("Balance multiple"),
            round_down(total_balance * multiple, FEN),
            _("Fund balances %(b)s × %(m)s") % {"b": format_yuan(total_balance), "m": multiple.normalize()},
        )
    )

    ratio = p["loans.income_ratio"]
    commercial_payment = ZERO
    if req.commercial_amount is not None:
        commercial_payment = check_nonnegative(req.commercial_payment, "commercial_payment")
        debt += commercial_payment
    room = max(income * ratio - debt, ZERO)
    with localcontext() as ctx:
        ctx.prec = PRECISION
        if method == EQUAL_INSTALLMENT:
            factor = annuity_factor(rate, months)
        else:
            factor = 1 / (Decimal(1) / months + rate / 12)
        capacity = round_down(room * factor, FEN)
    components.append(
        Component(
            "capacity",
            _("Repayment capacity"),
            capacity,
            (
                _("(Monthly income %(i)s × %(r)s − other monthly debt %(d)s) × %(f)s (%(n)s months at %(rate)s)")
                if req.commercial_amount is None
                else _(
                    "(Monthly income %(i)s × %(r)s − other monthly debt %(d)s, with the commercial part's "
                    "%(c)s) × %(f)s (%(n)s months at %(rate)s)"
                )
            )
            % {
                "i": format_yuan(income),
                "r": _percent(ratio),
                "d": format_yuan(debt),
                "c": format_yuan(commercial_payment),
                "f": factor.quantize(Decimal("0.0001"), rounding=ROUND_DOWN),
                "n": months,
                "rate": _percent(rate),
            },
        )
    )

    ltv = p["loans.ltv_second_home"] if req.second_home else p["loans.ltv_first_home"]
    if share == 1:
        ltv_text = _("Price %(p)s × loan-to-value %(l)s") % {"p": format_yuan(price), "l": _percent(ltv)}
    else:
        ltv_text = _("Price %(p)s × the buyer's share %(s)s × loan-to-value %(l)s") % {
            "p": format_yuan(price),
            "s": _percent(share),
            "l": _percent(ltv),
        }
    ltv_amount = round_down(price * share * ltv, FEN)
    if req.commercial_amount is not None:
        commercial = check_nonnegative(req.commercial_amount, "commercial_amount")
        ltv_amount = max(ltv_amount - commercial, ZERO)
        ltv_text = _("%(t)s − the commercial part of the combined loan %(c)s") % {
            "t": ltv_text,
            "c": format_yuan(commercial),
        }
    components.append(Component("ltv", _("Loan-to-value"), ltv_amount, ltv_text))

    if req.commercial_remaining is not None:
        remaining = check_nonnegative(req.commercial_remaining, "commercial_remaining")
        components.append(
            Component(
                "commercial",
                _("Commercial principal still owed"),
                remaining,
                _("Commercial-to-fund conversion: at most the commercial loan's remaining principal %(r)s")
                % {"r": format_yuan(remaining)},
            )
        )

    binding = min(components, key=lambda c: c.amount)
    granted = round_down(binding.amount, p["loans.amount_rounding"])
    return LoanLimit(granted, binding.key, components, up)
