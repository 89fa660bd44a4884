"""What the deposits records add to the reconciliation (ledger.reconciliation): every remittance list that was
posted against its entry, account by account (the lines of the list credited to each employee's ledger account,
and no credit to a personal account the list does not name), and interest credits against the accounts their
settlement covered. Registered when the app is ready."""

from ledger.reconciliation import register_record_check

REMITTANCE_SQL = """
WITH expected AS (
    SELECT r.id, r.reference, f.ledger_account_id AS account_id, SUM(rl.amount) AS amount
      FROM deposits_remittancelist r
      JOIN deposits_remittanceline rl ON rl.remittance_id = r.id
      JOIN accounts_fundaccount f ON f.id = rl.account_id
     WHERE r.entry_id IS NOT NULL
     GROUP BY r.id, r.reference, f.ledger_account_id),
posted AS (
    SELECT r.id, r.reference, l.account_id, SUM(CASE WHEN l.side = 'C' THEN l.amount ELSE -l.amount END) AS amount
      FROM deposits_remittancelist r
      JOIN ledger_journalline l ON l.entry_id = r.entry_id
      JOIN ledger_account a ON a.id = l.account_id AND a.role = 'personal'
     WHERE r.entry_id IS NOT NULL
     GROUP BY r.id, r.reference, l.account_id)
SELECT 'remittance ' || COALESCE(e.reference, p.reference), a.code, COALESCE(e.amount, 0), COALESCE(p.amount, 0)
  FROM expected e
  FULL JOIN posted p ON p.id = e.id AND p.account_id = e.account_id
  JOIN ledger_account a ON a.id = COALESCE(e.account_id, p.account_id)
 WHERE COALESCE(e.amount, 0) <> COALESCE(p.amount, 0)
 ORDER BY 1, 2
"""


def register():
    register_record_check("remittance", REMITTANCE_SQL)
    register_record_check("interest_credit", INTEREST_SQL)


# Interest credits: a year-end chunk's entry (key interest:<year>:<lo>-<hi>) credits only fund accounts of its id
# range; a year caught up before a closure (interest:<year>:account:<fund account id>) and a closing-interest entry
# (interest-close:<fund account id>:<date>) only that fund account.
INTEREST_SQL = """
SELECT 'interest ' || e.idempotency_key, a.code, 0, l.amount
  FROM ledger_journalentry e
  JOIN ledger_journalline l ON l.entry_id = e.id AND l.side = 'C'
  JOIN ledger_account a ON a.id = l.account_id AND a.role = 'personal'
  LEFT JOIN accounts_fundaccount f ON f.ledger_account_id = a.id
 WHERE (e.business_type = '09' AND e.idempotency_key ~ '^interest:[0-9]+:[0-9]+-[0-9]+$'
        AND (f.id IS NULL
             OR f.id < split_part(split_part(e.idempotency_key, ':', 3), '-', 1)::bigint
             OR f.id > split_part(split_part(e.idempotency_key, ':', 3), '-', 2)::bigint))
    OR (e.business_type = '09' AND e.idempotency_key ~ '^interest:[0-9]+:account:[0-9]+$'
        AND (f.id IS NULL OR f.id <> split_part(e.idempotency_key, ':', 4)::bigint))
    OR (e.business_type = '98' AND e.idempotency_key ~ '^interest-close:[0-9]+:'
        AND (f.id IS NULL OR f.id <> split_part(e.idempotency_key, ':', 2)::bigint))
 ORDER BY 1, 2
"""
