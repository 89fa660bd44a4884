"""The daily overdue classification (DOMAIN.md §5.1): the unpaid principal of installments past their due date
and the grace days moves from the loan's 121 sub-account to its 122 one (正常转逾期本金), and back when it is
no longer overdue; loans with overdue principal are 逾期, the others 正常. One set-based pass: the amounts come
from one SQL aggregate and are posted as one balanced entry through ``ledger.posting``."""

import datetime

from django.db import connection, transaction
from django.utils.translation import gettext as _

from core import audit, policy, roles
from core.business_date import today
from ledger.posting import credit, debit, lines_hash, post
from loans.models import LoanContract

C = LoanContract.Status
ACTIVE = (C.NORMAL, C.OVERDUE)

MOVES_SQL = """
SELECT c.id, c.ledger_account_id, c.overdue_account_id,
       COALESCE(SUM(i.principal - i.principal_paid) FILTER (WHERE i.due_date < %s), 0) - o.balance AS move
  FROM loans_loancontract c
  JOIN ledger_account o ON o.id = c.overdue_account_id
  LEFT JOIN loans_scheduleinstallment i ON i.contract_id = c.id AND i.superseded_on IS NULL
 WHERE c.status = ANY(%s)
 GROUP BY c.id, c.ledger_account_id, c.overdue_account_id, o.balance
"""


@transaction.atomic
def classify_overdue(*, actor, on: datetime.date | None = None) -> dict:
    """Bring every active loan's 122 sub-account to its overdue principal on ``on`` (default: the business
    date) and set 正常 / 逾期. The loans are locked first (a repayment waits, or is waited for). Safe to run
    twice: the second run finds nothing to move and posts nothing."""
    roles.require_role(actor, roles.FINANCE)
    on = on or today()
    grace = policy.get("overdue.grace_days", on)
    list(LoanContract.objects.select_for_update().filter(status__in=ACTIVE).order_by("pk").values_list("pk"))
    with connection.cursor() as cur:
        cur.execute(MOVES_SQL, [on - datetime.timedelta(days=grace), list(ACTIVE)])
        rows = cur.fetchall()
    lines, overdue_ids, normal_ids = [], [], []
    for _contract, normal_account, overdue_account, move in rows:
        if move > 0:
            lines += [debit(overdue_account, move), credit(normal_account, move)]
        elif move < 0:
            lines += [debit(normal_account, -move), credit(overdue_account, -move)]
    entry = None
    if lines:
        entry = post(
            lines=lines,
            memo=_("Overdue principal classification %(d)s") % {"d": on.isoformat()},
            actor=actor,
            idempotency_key=f"loan-overdue:{on.isoformat()}:{lines_hash(lines)[:32]}",
            business_date=on,
            business_type="L05",
            source="loan-overdue",
        )
    with connection.cursor() as cur:  # the status follows the 122 balance just posted
        cur.execute(
            "SELECT c.id, o.balance > 0 FROM loans_loancontract c JOIN ledger_account o ON o.id = c.overdue_account_id"
            " WHERE c.status = ANY(%s)",
            [list(ACTIVE)],
        )
        for contract_id, is_overdue in cur.fetchall():
            (overdue_ids if is_overdue else normal_ids).append(contract_id)
    became = LoanContract.objects.filter(pk__in=overdue_ids).exclude(status=C.OVERDUE).update(status=C.OVERDUE)
    cured = LoanContract.objects.filter(pk__in=normal_ids).exclude(status=C.NORMAL).update(status=C.NORMAL)
    result = {
        "entry": entry.pk if entry else None,
        "moved": len(lines) // 2,
        "overdue": len(overdue_ids),
        "became_overdue": became,
        "cured": cured,
    }
    audit.record(actor=actor, action="loan.classify_overdue", after={"on": on.isoformat(), **result})
    return result
