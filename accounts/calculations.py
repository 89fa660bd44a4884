"""Pure arithmetic for accounts (no ORM). The monthly contribution parts are computed by the database:
:mod:`accounts.contributions`."""

from decimal import Decimal


def clamp_base(wage, floor, cap):
    """The base used for a previous-year monthly wage: at least the floor, at most the cap."""
    wage = Decimal(wage)
    return max(Decimal(floor), min(Decimal(cap), wage)).quantize(Decimal("0.01"))
