"""What the withdrawal records add to the reconciliation (ledger.reconciliation), each against its journal
line: every payment order of a case (one per attempt, one per heir) debits the case's fund account by its amount;
a batch payment order (standing withdrawals) debits each of its cases' accounts by the amount approved; the
closing-interest entry of a case credits all its interest to the case's account. Registered when the app is ready."""

from ledger.reconciliation import register_record_check

PAYMENT_SQL = """
SELECT 'withdrawal ' || w.number || ' payment ' || i.reference, a.code, i.amount,
       COALESCE(SUM(CASE WHEN l.side = 'D' THEN l.amount ELSE -l.amount END), 0)
  FROM ledger_bankinstruction i
  JOIN withdrawals_withdrawalapplication w ON i.source = 'withdrawal:' || w.id::text
  JOIN accounts_fundaccount f ON f.id = w.account_id
  JOIN ledger_account a ON a.id = f.ledger_account_id
  LEFT JOIN ledger_journalline l ON l.entry_id = i.entry_id AND l.account_id = a.id
 WHERE i.source LIKE 'withdrawal:%%'
 GROUP BY w.number, i.id, a.code
HAVING i.amount <> COALESCE(SUM(CASE WHEN l.side = 'D' THEN l.amount ELSE -l.amount END), 0)
"""

BATCH_SQL = """
WITH expected AS (
    SELECT i.reference, i.entry_id, f.ledger_account_id AS account_id, SUM(w.amount_approved) AS amount
      FROM withdrawals_withdrawalapplication w
      JOIN ledger_bankinstruction i ON i.id = w.instruction_id AND i.payee_account = 'BATCH'
      JOIN accounts_fundaccount f ON f.id = w.account_id
     GROUP BY i.reference, i.entry_id, f.ledger_account_id)
SELECT 'batch payment ' || e.reference, a.code, e.amount, p.amount
  FROM expected e JOIN ledger_account a ON a.id = e.account_id
 CROSS JOIN LATERAL (SELECT COALESCE(SUM(CASE WHEN l.side = 'D' THEN l.amount ELSE -l.amount END), 0) AS amount
                       FROM ledger_journalline l WHERE l.entry_id = e.entry_id AND l.account_id = e.account_id) p
 WHERE e.amount <> p.amount
"""

CLOSING_INTEREST_SQL = """
SELECT 'withdrawal ' || w.number || ' closing interest', a.code, e.total,
       COALESCE(SUM(CASE WHEN l.side = 'C' THEN l.amount ELSE -l.amount END), 0)
  FROM withdrawals_withdrawalapplication w
  JOIN ledger_journalentry e ON e.id = w.interest_entry_id
  JOIN accounts_fundaccount f ON f.id = w.account_id
  JOIN ledger_account a ON a.id = f.ledger_account_id
  LEFT JOIN ledger_journalline l ON l.entry_id = e.id AND l.account_id = a.id
 GROUP BY w.id, w.number, a.code, e.total
HAVING e.total <> COALESCE(SUM(CASE WHEN l.side = 'C' THEN l.amount ELSE -l.amount END), 0)
"""


def register():
    register_record_check("withdrawal_payment", PAYMENT_SQL)
    register_record_check("withdrawal_batch", BATCH_SQL)
    register_record_check("closing_interest", CLOSING_INTEREST_SQL)
