"""Reads of the loans app that other modules need.

:func:`verified_repayments` is the seam through which withdrawals learn what a depositor actually repaid on the
center's own loans (DOMAIN.md §3.4: a yearly repayment withdrawal ≤ principal and interest repaid). Withdrawals
may not import loans (the two sit side by side in the layers), so ``fund_center.settings`` names this function in
``LOAN_REPAYMENT_SOURCE`` and ``withdrawals.selectors.verified_loan_repayments`` calls it.
"""

from decimal import Decimal


def verified_repayments(*, viewer, depositor, since, until) -> Decimal | None:
    """Principal and interest the depositor repaid on the center's loans from ``since`` to ``until``, as the
    center's own loan records show, or ``None`` when the center holds no such record.

    The loans module has no loan records yet, so this returns ``None`` and every loan-repayment withdrawal goes
    to a reviewer. When loans arrive: read the repayments of the depositor's contracts (as borrower or co-borrower)
    visible to ``viewer`` and return their sum."""
    return None
