"""Monthly contribution parts (DOMAIN.md §1.3): base × each ratio, each part rounded half-up separately to the
fen or the yuan (policy ``deposits.rounding``).

The rule has one implementation, the database function ``fund_contribution_part`` (accounts/sql/contributions.sql,
loaded by a migration). Set-based SQL (the remittance INSERT … SELECT) calls it directly; ORM queries use
:func:`part`; Python code asks the database with :func:`monthly_parts` (one pair) or :func:`monthly_parts_many`
(many pairs, one query).
"""

from decimal import Decimal

from django.db import connection
from django.db.models import DecimalField, F, Func, Value

from core.money import MONEY_DIGITS, MONEY_PLACES, ROUNDING_UNITS

FUNCTION = "fund_contribution_part"


def _check(rounding):
    if rounding not in ROUNDING_UNITS:
        raise ValueError(f"Unknown rounding {rounding!r}")
    return rounding


def part(base, ratio, rounding="fen") -> Func:
    """An ORM expression for one part; ``base`` and ``ratio`` are field names or expressions."""
    base = F(base) if isinstance(base, str) else base
    ratio = F(ratio) if isinstance(ratio, str) else ratio
    return Func(
        base,
        ratio,
        Value(_check(rounding)),
        function=FUNCTION,
        output_field=DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES),
    )


def monthly_expression(rounding="fen") -> Func:
    """An ORM expression for a fund account's monthly total (both parts), for list annotations."""
    return part("base", "employee_ratio", rounding) + part("base", "employer_ratio", rounding)


def monthly_parts_many(rows, rounding="fen") -> list[tuple[Decimal, Decimal]]:
    """[(employee part, employer part)] for [(base, employee ratio, employer ratio)], in one query."""
    rows = [(Decimal(b), Decimal(ee), Decimal(er)) for b, ee, er in rows]
    if not rows:
        return []
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT {FUNCTION}(b, ee, %s), {FUNCTION}(b, er, %s)"
            " FROM unnest(%s::numeric[], %s::numeric[], %s::numeric[]) WITH ORDINALITY AS t(b, ee, er, n) ORDER BY n",
            [_check(rounding), rounding, [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]],
        )
        return [(ee, er) for ee, er in cur.fetchall()]


def monthly_parts(base, employee_ratio, employer_ratio, rounding="fen") -> tuple[Decimal, Decimal]:
    """(employee part, employer part) of one base."""
    return monthly_parts_many([(base, employee_ratio, employer_ratio)], rounding)[0]
