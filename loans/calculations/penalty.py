"""Penalty interest on overdue installments (DOMAIN.md §5.2): the one function the daily job, the pages and the
tests use."""

from decimal import ROUND_HALF_UP, Decimal, localcontext

from django.utils.translation import gettext as _

from core.money import FEN, ZERO, format_yuan
from loans.calculations.common import (
    MAX_PENALTY_DAYS,
    MAX_PRINCIPAL,
    PRECISION,
    check_nonnegative,
    check_rate,
    invalid,
    to_number,
)

CONTRACT_MULTIPLE, FIXED_DAILY, FIXED_AMOUNT = "contract_multiple", "fixed_daily", "fixed_amount"
PENALTY_MODES = (CONTRACT_MULTIPLE, FIXED_DAILY, FIXED_AMOUNT)


def penalty_days(days: int, grace_days: int, grace_interest: bool) -> int:
    """The days that bear penalty interest ``days`` after the due date: none while inside the grace period (the
    installment is not overdue yet); after it, every day since the due date, or only those after the grace
    period when grace-period interest is waived."""
    if days <= grace_days:
        return 0
    return days if grace_interest else days - grace_days


def penalty_interest(
    overdue_amount,
    days,
    contract_rate,
    *,
    mode=CONTRACT_MULTIPLE,
    multiplier=Decimal("1.5"),
    daily_rate=Decimal("0.00021"),
    fixed_amount=ZERO,
    grace_days=0,
    grace_interest=False,
) -> Decimal:
    """The penalty interest on ``overdue_amount`` (overdue principal + overdue interest) ``days`` days after its
    due date, rounded once half-up to the fen (DOMAIN.md §5.2):

    * ``contract_multiple``: amount × contract rate × multiplier / 360 × days;
    * ``fixed_daily``: amount × daily rate (e.g. 万分之2.1 = 0.00021) × days;
    * ``fixed_amount``: a fixed amount per day × days.

    It is cumulative: the daily job posts the difference between this for d and for d − 1 days, never a daily
    rounding. §5.2: 2,735.59 for 30 days at 2.85 % → 9.75 (× 1.5) / 17.23 (万分之2.1); with 5 grace days and no
    grace-period interest 8.12 / 14.36."""
    amount = to_number(overdue_amount, "overdue_amount")
    if amount < 0 or amount > MAX_PRINCIPAL:
        raise invalid(
            "overdue_amount",
            _("The overdue amount must be between 0 and %(m)s yuan.") % {"m": format_yuan(MAX_PRINCIPAL)},
        )
    for name, value in (("days", days), ("grace_days", grace_days)):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_PENALTY_DAYS:
            raise invalid(
                name, _("The number of days must be a whole number between 0 and %(m)s.") % {"m": MAX_PENALTY_DAYS}
            )
    if not isinstance(mode, str) or mode not in PENALTY_MODES:
        raise invalid("mode", _("Unknown penalty interest mode."))
    charged = penalty_days(days, grace_days, bool(grace_interest))
    with localcontext() as ctx:
        ctx.prec = PRECISION
        if mode == CONTRACT_MULTIPLE:
            rate = check_rate(contract_rate, "contract_rate")
            factor = to_number(multiplier, "multiplier")
            if not 1 <= factor <= 10:
                raise invalid("multiplier", _("The multiplier must be between 1 and 10."))
            exact = amount * rate * factor * charged / 360
        elif mode == FIXED_DAILY:
            rate = to_number(daily_rate, "daily_rate")
            if not 0 <= rate <= Decimal("0.01"):
                raise invalid("daily_rate", _("The daily penalty rate must be between 0 and 0.01."))
            exact = amount * rate * charged
        else:
            exact = check_nonnegative(fixed_amount, "fixed_amount") * charged
        return exact.quantize(FEN, rounding=ROUND_HALF_UP)
