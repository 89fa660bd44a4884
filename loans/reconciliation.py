"""What the loan records add to the reconciliation (ledger.reconciliation): each disbursed loan's outstanding
principal in its schedule (the installments in force, principal less principal paid, and what its plan has
beyond the stored rows) equals the balances of its
ledger sub-accounts under 121 and 122 together (0 before disbursement or after a failed one); each repayment's
principal equals its entry's net credit to them; and the loans together equal the sub-accounts of 121 委托贷款 and 122
逾期贷款 (a posting to a loan account no contract owns shows here). Registered when the app is ready."""

from ledger import chart
from ledger.reconciliation import register_record_check

# Each contract's principal outstanding by its schedule: the unpaid principal of its rows in force, plus, while a
# plan is in force (loans.models.SchedulePlan), what the plan has beyond the last row: that row's balance.
SCHEDULED = """
SELECT i.contract_id,
       SUM(i.principal - i.principal_paid)
       + CASE WHEN EXISTS (SELECT 1 FROM loans_scheduleplan p
                            WHERE p.contract_id = i.contract_id AND p.superseded_on IS NULL)
              THEN (array_agg(i.balance ORDER BY i.number DESC))[1] ELSE 0 END AS outstanding
  FROM loans_scheduleinstallment i
 WHERE i.superseded_on IS NULL
 GROUP BY i.contract_id
"""

OUTSTANDING_SQL = f"""
SELECT 'loan ' || c.number, a.code,
       CASE WHEN c.disbursed_on IS NULL THEN 0 ELSE COALESCE(s.outstanding, 0) END AS expected,
       a.balance + COALESCE(o.balance, 0)
  FROM loans_loancontract c
  JOIN ledger_account a ON a.id = c.ledger_account_id
  LEFT JOIN ledger_account o ON o.id = c.overdue_account_id
  LEFT JOIN ({SCHEDULED}) s ON s.contract_id = c.id
 WHERE a.balance + COALESCE(o.balance, 0)
       <> CASE WHEN c.disbursed_on IS NULL THEN 0 ELSE COALESCE(s.outstanding, 0) END
"""

REPAYMENT_SQL = """
SELECT 'loan ' || c.number || ' ' || r.kind || ' #' || r.id::text, a.code, r.principal,
       COALESCE(SUM(CASE WHEN l.side = 'C' THEN l.amount ELSE -l.amount END), 0)
  FROM loans_loanrepayment r
  JOIN loans_loancontract c ON c.id = r.contract_id
  JOIN ledger_account a ON a.id = c.ledger_account_id
  LEFT JOIN ledger_journalline l ON l.entry_id = r.entry_id AND l.account_id IN (a.id, c.overdue_account_id)
 GROUP BY c.number, r.id, a.code
HAVING r.principal <> COALESCE(SUM(CASE WHEN l.side = 'C' THEN l.amount ELSE -l.amount END), 0)
"""


CONTROL_SQL = f"""
WITH loans AS (
    SELECT COALESCE(SUM(s.outstanding), 0) AS outstanding
      FROM ({SCHEDULED}) s JOIN loans_loancontract c ON c.id = s.contract_id
     WHERE c.disbursed_on IS NOT NULL),
ledger AS (
    SELECT COALESCE(SUM(a.balance), 0) AS balance
      FROM ledger_account a JOIN ledger_account p ON p.id = a.parent_id
     WHERE p.code IN ('{chart.ENTRUSTED_LOANS}', '{chart.OVERDUE_LOANS}'))
SELECT 'all loans (121 + 122)', '121', loans.outstanding, ledger.balance
  FROM loans, ledger WHERE loans.outstanding <> ledger.balance
"""


# 131 应收利息 holds the interest of the installments in force fallen due (loans.services.accrual) and the penalty
# interest the close of business accrued on them, not received yet (a write-off takes what is left out of 131).
RECEIVABLE_SQL = f"""
WITH due AS (
    SELECT COALESCE(SUM(CASE WHEN i.interest_accrued_on IS NOT NULL THEN i.interest - i.interest_paid ELSE 0 END
                        + GREATEST(i.penalty_accrued - i.penalty_paid, 0)), 0) AS unpaid
      FROM loans_scheduleinstallment i
     WHERE (i.interest_accrued_on IS NOT NULL OR i.penalty_accrued > 0) AND i.superseded_on IS NULL),
ledger AS (SELECT COALESCE(SUM(a.balance), 0) AS balance FROM ledger_account a
            WHERE a.code = '{chart.INTEREST_RECEIVABLE}')
SELECT 'loan interest receivable', '{chart.INTEREST_RECEIVABLE}', due.unpaid, ledger.balance
  FROM due, ledger WHERE due.unpaid <> ledger.balance
"""


def register():
    register_record_check("loan_outstanding", OUTSTANDING_SQL)
    register_record_check("loan_repayment", REPAYMENT_SQL)
    register_record_check("loan_control", CONTROL_SQL)
    register_record_check("loan_interest_receivable", RECEIVABLE_SQL)
