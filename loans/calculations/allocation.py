"""How a repayment is applied to what is owed: penalty interest, then overdue interest, then overdue principal,
then current interest, then current principal; within each part the oldest installment first."""

from dataclasses import dataclass
from decimal import Decimal

from core.money import ZERO


@dataclass(frozen=True)
class Due:
    """What one installment still owes: overdue (past its due date and the grace days) or current."""

    number: int
    overdue: bool
    penalty: Decimal
    interest: Decimal
    principal: Decimal

    @property
    def total(self) -> Decimal:
        return self.penalty + self.interest + self.principal


@dataclass(frozen=True)
class Part:
    """What a repayment pays of one installment."""

    number: int
    penalty: Decimal = ZERO
    interest: Decimal = ZERO
    principal: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.penalty + self.interest + self.principal

    def as_dict(self) -> dict:
        return {
            "number": self.number,
            "penalty": str(self.penalty),
            "interest": str(self.interest),
            "principal": str(self.principal),
        }


def allocate(amount: Decimal, dues) -> tuple[list[Part], Decimal]:
    """Apply ``amount`` to ``dues`` (in due-date order): the overdue installments' penalty interest, then their
    interest, then their principal, each oldest first; then the current installments one after the other,
    interest before principal (so an installment paid in advance never takes interest before the installment
    due now has its principal). Returns the parts paid per installment (only installments that receive
    something, in installment order) and what is left over."""
    dues = list(dues)
    paid = {d.number: {"penalty": ZERO, "interest": ZERO, "principal": ZERO} for d in dues}
    overdue = [d for d in dues if d.overdue]
    current = [d for d in dues if not d.overdue]
    order = [(d, f) for f in ("penalty", "interest", "principal") for d in overdue]
    order += [(d, f) for d in current for f in ("penalty", "interest", "principal")]
    left = amount
    for due, field in order:
        take = min(left, getattr(due, field))
        if take > 0:
            paid[due.number][field] += take
            left -= take
    parts = [Part(d.number, **paid[d.number]) for d in dues]
    return [p for p in parts if p.total > 0], left
