"""What the loan records add to the reconciliation (ledger.reconciliation): each disbursed loan's outstanding
principal in its schedule (the installments in force, principal less principal paid) equals the balance of its
ledger sub-account under 121 (0 before disbursement or after a failed one); each repayment's principal equals
its entry's credit to that sub-account. Registered when the app is ready."""

from ledger.reconciliation import register_record_check

OUTSTANDING_SQL = """
SELECT 'loan ' || c.number, a.code,
       CASE WHEN c.disbursed_on IS NULL THEN 0 ELSE COALESCE(s.outstanding, 0) END AS expected, a.balance
  FROM loans_loancontract c
  JOIN ledger_account a ON a.id = c.ledger_account_id
  LEFT JOIN (SELECT contract_id, SUM(principal - principal_paid) AS outstanding
               FROM loans_scheduleinstallment WHERE superseded_on IS NULL GROUP BY contract_id) s
         ON s.contract_id = c.id
 WHERE a.balance <> CASE WHEN c.disbursed_on IS NULL THEN 0 ELSE COALESCE(s.outstanding, 0) END
"""

REPAYMENT_SQL = """
SELECT 'loan ' || c.number || ' ' || r.kind || ' #' || r.id::text, a.code, r.principal,
       COALESCE(SUM(CASE WHEN l.side = 'C' THEN l.amount ELSE -l.amount END), 0)
  FROM loans_loanrepayment r
  JOIN loans_loancontract c ON c.id = r.contract_id
  JOIN ledger_account a ON a.id = c.ledger_account_id
  LEFT JOIN ledger_journalline l ON l.entry_id = r.entry_id AND l.account_id = a.id
 GROUP BY c.number, r.id, a.code
HAVING r.principal <> COALESCE(SUM(CASE WHEN l.side = 'C' THEN l.amount ELSE -l.amount END), 0)
"""


def register():
    register_record_check("loan_outstanding", OUTSTANDING_SQL)
    register_record_check("loan_repayment", REPAYMENT_SQL)
