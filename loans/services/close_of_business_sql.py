"""The SQL of the daily close of business (:mod:`loans.services.close_of_business`): set-based statements over
one id-range chunk of loans; rows travel as JSON record sets (``jsonb_to_recordset``)."""

UNPAID = "(i.principal_paid < i.principal OR i.interest_paid < i.interest)"

MARK_SQL = f"""
UPDATE loans_scheduleinstallment i SET overdue_on = i.due_date + %(grace1)s
  FROM loans_loancontract c
 WHERE c.id = i.contract_id AND c.id BETWEEN %(lo)s AND %(hi)s AND c.status = ANY(%(active)s)
   AND i.due_date < %(cutoff)s AND i.superseded_on IS NULL AND {UNPAID} AND i.overdue_on IS NULL
RETURNING i.contract_id
"""

ROWS_SQL = f"""
SELECT i.id, i.contract_id, i.number, i.due_date, i.principal, i.interest, i.principal_paid, i.interest_paid,
       i.penalty_paid, i.penalty_accrued, i.annual_rate, i.interest_accrued_on
  FROM loans_scheduleinstallment i JOIN loans_loancontract c ON c.id = i.contract_id
 WHERE i.due_date < %(cutoff)s AND i.contract_id BETWEEN %(lo)s AND %(hi)s AND i.superseded_on IS NULL AND {UNPAID}
   AND c.status = ANY(%(active)s)
 ORDER BY i.contract_id, i.number
"""

ACCRUE_SQL = """
UPDATE loans_scheduleinstallment i SET penalty_accrued = t.a
  FROM jsonb_to_recordset(%s::jsonb) AS t(i bigint, a numeric) WHERE i.id = t.i
"""

PAID_SQL = """
UPDATE loans_scheduleinstallment i SET principal_paid = t.p, interest_paid = t.n, penalty_paid = t.f,
       penalty_accrued = t.a
  FROM jsonb_to_recordset(%s::jsonb) AS t(i bigint, p numeric, n numeric, f numeric, a numeric) WHERE i.id = t.i
"""

# the loans of the chunk with something overdue, or something on their 122 sub-account, or an overdue state to
# clear: their sub-accounts and their state before the day
LOANS_SQL = """
SELECT c.id, c.number, c.borrower_id, c.application_id, c.ledger_account_id, c.overdue_account_id,
       COALESCE(n.balance, 0), COALESCE(o.balance, 0),
       s.periods, s.cumulative, s.grade, d.user_id
  FROM loans_loancontract c
  LEFT JOIN ledger_account n ON n.id = c.ledger_account_id
  LEFT JOIN ledger_account o ON o.id = c.overdue_account_id
  LEFT JOIN loans_loanoverduestate s ON s.contract_id = c.id
  JOIN accounts_depositor d ON d.id = c.borrower_id
 WHERE c.id BETWEEN %(lo)s AND %(hi)s AND c.status = ANY(%(active)s)
   AND (c.id = ANY(%(ids)s) OR COALESCE(o.balance, 0) <> 0 OR s.periods > 0)
 ORDER BY c.id
"""

# the fund accounts that may repay a loan: the borrower's, the spouse's, the co-borrowers' (open, something
# available: balance − holds), in that order
FUND_SQL = """
SELECT c.id, fa.ledger_account_id
  FROM loans_loancontract c
  JOIN LATERAL (SELECT c.borrower_id AS depositor_id, 0 AS ord
                UNION ALL
                SELECT p.depositor_id, CASE p.role WHEN 'spouse' THEN 1 ELSE 2 END
                  FROM loans_loanparty p WHERE p.application_id = c.application_id AND p.depositor_id IS NOT NULL) w
       ON true
  JOIN accounts_fundaccount fa ON fa.depositor_id = w.depositor_id AND NOT (fa.status = ANY(%(closed)s))
  JOIN ledger_account a ON a.id = fa.ledger_account_id
 WHERE c.id = ANY(%(ids)s) AND a.balance - a.held > 0
 ORDER BY c.id, w.ord, a.id
"""

STATE_SQL = """
INSERT INTO loans_loanoverduestate (contract_id, as_of, dpd, periods, consecutive, cumulative, principal, interest,
                                    penalty, grade, outstanding)
SELECT t.c, %s, t.d, t.p, t.k, t.u, t.pr, t.i, t.f, t.g, t.o
  FROM jsonb_to_recordset(%s::jsonb)
       AS t(c bigint, d int, p int, k int, u int, pr numeric, i numeric, f numeric, g text, o numeric)
ON CONFLICT (contract_id) DO UPDATE SET as_of = EXCLUDED.as_of, dpd = EXCLUDED.dpd, periods = EXCLUDED.periods,
   consecutive = EXCLUDED.consecutive, cumulative = EXCLUDED.cumulative, principal = EXCLUDED.principal,
   interest = EXCLUDED.interest, penalty = EXCLUDED.penalty, grade = EXCLUDED.grade,
   outstanding = EXCLUDED.outstanding
"""

GRADES_SQL = """
INSERT INTO loans_riskgradechange (contract_id, "on", from_grade, to_grade, dpd)
SELECT t.c, %s, t.f, t.t, t.d FROM jsonb_to_recordset(%s::jsonb) AS t(c bigint, f text, t text, d int)
ON CONFLICT (contract_id, "on") DO UPDATE SET to_grade = EXCLUDED.to_grade, dpd = EXCLUDED.dpd
"""

LOG_SQL = """
INSERT INTO loans_collectionlog (contract_id, "on", kind, amount, text, text_message, key, created_by_id, created_at)
SELECT t.c, %s, t.k, t.a, t.x, t.m, t.key, %s, now()
  FROM jsonb_to_recordset(%s::jsonb) AS t(c bigint, k text, a numeric, x text, m jsonb, key text)
ON CONFLICT (key) DO NOTHING
RETURNING contract_id, kind, key
"""

REMINDERS_SQL = f"""
INSERT INTO loans_collectionlog (contract_id, "on", kind, amount, text, text_message, key, created_by_id, created_at)
SELECT i.contract_id, %(on)s, 'reminder', i.principal + i.interest - i.principal_paid - i.interest_paid,
       replace(%(text)s, '%%(d)s', to_char(i.due_date, 'YYYY-MM-DD')),
       jsonb_build_object('key', %(text_key)s::text,
                          'args', jsonb_build_object('d', to_char(i.due_date, 'YYYY-MM-DD'))),
       'reminder:' || i.id, %(actor)s, now()
  FROM loans_scheduleinstallment i JOIN loans_loancontract c ON c.id = i.contract_id
 WHERE i.due_date = %(due)s AND i.contract_id BETWEEN %(lo)s AND %(hi)s AND i.superseded_on IS NULL AND {UNPAID}
   AND c.status = ANY(%(active)s)
ON CONFLICT (key) DO NOTHING
"""

NOTIFY_SQL = """
INSERT INTO core_notification (user_id, recipient_type_id, recipient_id, channel, address, subject, body,
                               subject_message, body_message, key, created_at, error)
SELECT d.user_id, %(ctype)s, d.id, 'inbox', '', %(subject)s, l.text, %(subject_message)s::jsonb, l.text_message,
       'loan-collection:' || l.key, now(), ''
  FROM loans_collectionlog l
  JOIN loans_loancontract c ON c.id = l.contract_id
  JOIN accounts_depositor d ON d.id = c.borrower_id
 WHERE l.contract_id BETWEEN %(lo)s AND %(hi)s AND l."on" = %(on)s AND l.kind = ANY(%(kinds)s) AND l.key IS NOT NULL
ON CONFLICT (key) DO NOTHING
"""

DEFAULTERS_SQL = """
INSERT INTO loans_defaulterentry (contract_id, listed_on, consecutive, cumulative)
SELECT t.c, %s, t.k, t.u FROM jsonb_to_recordset(%s::jsonb) AS t(c bigint, k int, u int)
 WHERE NOT EXISTS (SELECT 1 FROM loans_defaulterentry e WHERE e.contract_id = t.c AND e.removed_on IS NULL)
RETURNING contract_id
"""
