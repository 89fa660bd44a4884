"""Input checks, rates and the closed formulas every other loan calculation builds on (DOMAIN.md §4.5, §4.6)."""

from decimal import ROUND_DOWN, ROUND_HALF_UP, Context, Decimal, InvalidOperation, localcontext

from django.utils.translation import gettext as _

from core.errors import InvalidInput
from core.money import FEN, format_yuan

EQUAL_INSTALLMENT = "equal_installment"
EQUAL_PRINCIPAL = "equal_principal"
METHODS = (EQUAL_INSTALLMENT, EQUAL_PRINCIPAL)
KEEP_TERM = "term"  # after a partial prepayment: keep the term, lower the payment (减少月供)
KEEP_PAYMENT = "payment"  # keep the payment, shorten the term (缩短年限)
KEEPS = (KEEP_TERM, KEEP_PAYMENT)

MAX_MONTHS = 480  # the longest schedule any input may ask for (40 years; the policy allows at most 30)
MAX_PRINCIPAL = Decimal("100000000.00")  # ¥100 million: far above any fund loan, bounds every input
MAX_RATE_PLACES = 8  # as stored (core.money.RATE_PLACES)
MAX_PENALTY_DAYS = 36600  # a hundred years: bounds the arithmetic

PRECISION = 40  # significant digits for the intermediate results (powers of 1 + r over 480 months)
_INTEREST_CONTEXT = Context(prec=PRECISION, rounding=ROUND_HALF_UP)  # period_interest; never modified


# --- input checks ----------------------------------------------------------------------------------------


def to_number(value, field_name) -> Decimal:
    """A ``Decimal`` from a Decimal, an int or text; anything else (a float, a missing value, text that is not
    a finite number) is refused with a message for the field."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise invalid(field_name, _("This field is required."))
    if isinstance(value, float) or isinstance(value, bool):
        raise InvalidInput(
            _("Give the number as text or a decimal, not a floating-point value."),
            fields={field_name: [_("Not an exact number.")]},
        )
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        number = None
    if number is None or not number.is_finite():
        message = _("%(v)s is not a number.") % {"v": str(value)[:40]}
        raise InvalidInput(message, fields={field_name: [message]})
    return number


def invalid(field_name, message):
    return InvalidInput(message, fields={field_name: [message]})


def check_amount(value, field_name="principal", *, maximum=MAX_PRINCIPAL) -> Decimal:
    """A positive amount of money with at most two decimals, at most ``maximum``."""
    amount = to_number(value, field_name)
    if amount <= 0:
        raise invalid(field_name, _("The amount must be greater than zero."))
    if amount > maximum:  # before quantize: 1e30 has no two-decimal form in the context's precision
        raise invalid(field_name, _("The amount may be at most %(m)s yuan.") % {"m": format_yuan(maximum)})
    if amount != amount.quantize(FEN, rounding=ROUND_DOWN):
        raise invalid(field_name, _("The amount may have at most two decimal places."))
    return amount.quantize(FEN)


def check_months(value, field_name="months") -> int:
    if isinstance(value, bool) or not isinstance(value, int | str | Decimal):
        raise invalid(field_name, _("The number of months must be a whole number."))
    try:
        months = int(str(value).strip())
    except ValueError:
        raise invalid(field_name, _("The number of months must be a whole number.")) from None
    if not 1 <= months <= MAX_MONTHS:
        raise invalid(field_name, _("The number of months must be between 1 and %(m)s.") % {"m": MAX_MONTHS})
    return months


def check_rate(value, field_name="annual_rate") -> Decimal:
    rate = to_number(value, field_name)
    if not 0 <= rate <= 1:
        raise invalid(field_name, _("The annual rate must be a fraction between 0 and 1, e.g. 0.031."))
    if rate != rate.quantize(Decimal(1).scaleb(-MAX_RATE_PLACES), rounding=ROUND_DOWN):
        raise invalid(field_name, _("The annual rate may have at most %(n)s decimal places.") % {"n": MAX_RATE_PLACES})
    return rate


def check_method(value, field_name="method") -> str:
    if not isinstance(value, str) or value not in METHODS:
        raise invalid(field_name, _("The repayment method must be equal installment or equal principal."))
    return value


# --- rates ---------------------------------------------------------------------------------------------


def monthly_rate(annual_rate) -> Decimal:
    """annual / 12 (DOMAIN.md §4.5), to 40 significant digits: only for display and closed formulas;
    the interest of a month is :func:`period_interest`."""
    with localcontext() as ctx:
        ctx.prec = PRECISION
        return Decimal(annual_rate) / 12


def daily_rate(annual_rate) -> Decimal:
    """annual / 360 (DOMAIN.md §4.5)."""
    with localcontext() as ctx:
        ctx.prec = PRECISION
        return Decimal(annual_rate) / 360


def period_interest(balance, annual_rate) -> Decimal:
    """The interest of one monthly period on ``balance``: round(balance × annual / 12, 2) half-up."""
    ctx = _INTEREST_CONTEXT  # the context's own methods: no localcontext() per installment of a schedule
    return ctx.divide(ctx.multiply(Decimal(balance), Decimal(annual_rate)), 12).quantize(FEN, context=ctx)


def rate_key(months: int, second: bool) -> str:
    """The rate table bucket of DOMAIN.md §4.5 (policy ``loans.rate.<key>``): first or second home (or second
    use of a fund loan), term up to five years or longer."""
    return f"{'second' if second else 'first'}_{'le5' if months <= 60 else 'gt5'}"


def annuity_factor(annual_rate, months: int) -> Decimal:
    """Σ_{k=1..n} (1+r)^−k = (1 − (1+r)^−n) / r, the principal one yuan of monthly payment repays
    (DOMAIN.md §4.3: 207.5694 at 2.6 % over 276 months); n when the rate is 0. Not rounded."""
    with localcontext() as ctx:
        ctx.prec = PRECISION
        r = Decimal(annual_rate) / 12
        if r == 0:
            return Decimal(months)
        return (1 - (1 + r) ** -months) / r


def equal_installment_payment(principal, annual_rate, months: int) -> Decimal:
    """M = P·r·(1+r)^n / ((1+r)^n − 1) rounded half-up to the fen (P / n at rate 0)."""
    with localcontext() as ctx:
        ctx.prec = PRECISION
        principal = Decimal(principal)
        r = Decimal(annual_rate) / 12
        if r == 0:
            exact = principal / months
        else:
            growth = (1 + r) ** months
            exact = principal * r * growth / (growth - 1)
        return exact.quantize(FEN, rounding=ROUND_HALF_UP)


def check_nonnegative(value, field_name) -> Decimal:
    number = to_number(value, field_name)
    if number < 0:
        raise invalid(field_name, _("The amount may not be negative."))
    if number > MAX_PRINCIPAL:
        raise invalid(field_name, _("The amount may be at most %(m)s yuan.") % {"m": format_yuan(MAX_PRINCIPAL)})
    if number != number.quantize(FEN, rounding=ROUND_DOWN):
        raise invalid(field_name, _("The amount may have at most two decimal places."))
    return number.quantize(FEN)
