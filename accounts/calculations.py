"""Pure arithmetic for accounts (no ORM)."""

from decimal import Decimal

from core.money import round_money


def monthly_parts(base, employee_ratio, employer_ratio, rounding="fen"):
    """(employee part, employer part), each rounded separately (DOMAIN.md §1.3)."""
    base = Decimal(base)
    return round_money(base * Decimal(employee_ratio), rounding), round_money(base * Decimal(employer_ratio), rounding)


def clamp_base(wage, floor, cap):
    """The base used for a previous-year monthly wage: at least the floor, at most the cap."""
    wage = Decimal(wage)
    return max(Decimal(floor), min(Decimal(cap), wage)).quantize(Decimal("0.01"))
