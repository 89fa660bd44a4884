"""Money helpers. Money is Decimal with two places; rounding happens once, where the rules say."""

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import models

MONEY_DIGITS = 18
MONEY_PLACES = 2
RATE_DIGITS = 12
RATE_PLACES = 8

FEN = Decimal("0.01")
YUAN = Decimal("1")
ZERO = Decimal("0.00")

ROUNDING_UNITS = {"fen": FEN, "yuan": YUAN}


def to_decimal(value) -> Decimal:
    """Convert a str/int/Decimal to Decimal. Floats are refused: they are not exact."""
    if isinstance(value, float):
        raise TypeError("Money must not be a float")
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"Not a number: {value!r}") from exc


def round_money(value, unit: str = "fen") -> Decimal:
    """Round half-up to the fen (default) or to the yuan, keeping two places."""
    q = ROUNDING_UNITS[unit]
    return to_decimal(value).quantize(q, rounding=ROUND_HALF_UP).quantize(FEN)


def round_down(value, step) -> Decimal:
    """Round down to a multiple of ``step`` (e.g. loan amounts down to 1,000 yuan)."""
    step = to_decimal(step)
    return ((to_decimal(value) / step).to_integral_value(rounding=ROUND_DOWN) * step).quantize(FEN)


def format_yuan(value) -> str:
    """12345.6 -> '12,345.60'."""
    return f"{to_decimal(value).quantize(FEN, rounding=ROUND_HALF_UP):,.2f}"


def MoneyField(*args, **kwargs):  # noqa: N802 - reads like a field class
    kwargs.setdefault("max_digits", MONEY_DIGITS)
    kwargs.setdefault("decimal_places", MONEY_PLACES)
    return models.DecimalField(*args, **kwargs)


def RateField(*args, **kwargs):  # noqa: N802
    kwargs.setdefault("max_digits", RATE_DIGITS)
    kwargs.setdefault("decimal_places", RATE_PLACES)
    return models.DecimalField(*args, **kwargs)
