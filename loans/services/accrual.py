"""Loan interest falling due (利息到期, DOMAIN.md §4.9 business type 06 贷款本息分解): on its due date an installment's
interest not paid yet becomes interest receivable — debit 131 应收利息, credit 401 委托贷款利息收入 — and the
installment is marked (``interest_accrued_on``); its interest received later clears 131
(``loans.services.repayments.interest_lines``), while interest paid before the due date is income of 401 at once.

:func:`accrue_interest` (the daily task ``loans.accrue_interest``, also run before a debit batch is posted) books
every installment of the active loans due on or before the date and not yet accrued: one entry per chunk of
loans, each chunk one transaction that locks its loans in id order as a repayment does, so a payment and the
accrual of the same installment are one after the other and never both count its interest as income. Safe to
run twice: an installment is accrued once. The reconciliation checks that 131 equals the unpaid interest of the
installments accrued (``loans.reconciliation``)."""

import datetime
import uuid

from django.db import connection, transaction
from django.utils.translation import gettext_noop

from core import bounds
from core.business_date import today
from core.translatable import StoredText
from ledger import chart
from ledger.models import Account
from ledger.posting import credit, debit, post
from loans.models import LoanContract

C = LoanContract.Status
ACTIVE = (C.NORMAL, C.OVERDUE)
CHUNK = 5000
BUSINESS_TYPE = "L07"

# the loans with an installment due by the date and not yet accrued (the partial index on due dates of the rows
# not accrued: the rows accrued in the past are never read)
_CANDIDATES_SQL = """
SELECT DISTINCT i.contract_id FROM loans_scheduleinstallment i
  JOIN loans_loancontract c ON c.id = i.contract_id
 WHERE i.interest_accrued_on IS NULL AND i.superseded_on IS NULL AND i.due_date <= %(on)s
   AND c.status = ANY(%(active)s)
 ORDER BY 1
"""

_ACCRUE_SQL = """
UPDATE loans_scheduleinstallment i SET interest_accrued_on = %(on)s
  FROM loans_loancontract c
 WHERE c.id = i.contract_id AND c.id = ANY(%(ids)s) AND c.status = ANY(%(active)s)
   AND i.interest_accrued_on IS NULL AND i.superseded_on IS NULL AND i.due_date <= %(on)s
RETURNING i.interest - i.interest_paid
"""


def accrue_interest(*, actor, on: datetime.date | None = None, chunk_size: int = CHUNK) -> dict:
    """Book the interest of the installments due on or before ``on`` (default: the business date) and not yet
    accrued (see the module's text). Returns {"installments": rows marked, "amount": interest booked to 131}."""
    on = on or today()
    bounds.date(on)
    with connection.cursor() as cur:
        cur.execute(_CANDIDATES_SQL, {"on": on, "active": list(ACTIVE)})
        ids = [row[0] for row in cur.fetchall()]
    out = {"installments": 0, "amount": 0}
    for start in range(0, len(ids), max(int(chunk_size), 1)):
        rows, amount = _accrue_chunk(ids[start : start + chunk_size], on, actor)
        out["installments"] += rows
        out["amount"] += amount
    out["amount"] = str(out["amount"])
    return out


@transaction.atomic
def _accrue_chunk(ids, on, actor):
    list(LoanContract.objects.filter(pk__in=ids).order_by("pk").select_for_update().values_list("pk", flat=True))
    with connection.cursor() as cur:
        cur.execute(_ACCRUE_SQL, {"on": on, "ids": ids, "active": list(ACTIVE)})
        amounts = [row[0] for row in cur.fetchall()]
    total = sum(amounts, 0)
    if total:
        memo = StoredText(gettext_noop("Loan interest due %(d)s"), d=on.isoformat())
        post(
            lines=[
                debit(Account.objects.get(code=chart.INTEREST_RECEIVABLE), total, memo),
                credit(Account.objects.get(code=chart.LOAN_INTEREST_INCOME), total, memo),
            ],
            memo=memo,
            actor=actor,
            # the rows marked and the entry are one transaction: a second run finds nothing to post
            idempotency_key=f"loan-accrual:{on.isoformat()}:{ids[0]}:{uuid.uuid4().hex}",
            business_date=on,
            business_type=BUSINESS_TYPE,
            source="loan-accrual",
        )
    return len(amounts), total
