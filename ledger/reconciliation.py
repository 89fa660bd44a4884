"""Three-ledger reconciliation (三账平衡): detail ledger vs general ledger, books vs bank, trial balance.

The general ledger balance of a subject is computed from the journal lines; the detail ledger is the
cached balance of each sub-account; the bank side comes from the imported statement lines. Every
difference is listed.
"""

from decimal import Decimal

from django.db import connection, transaction

from core import audit, roles
from core.business_date import today
from ledger import chart
from ledger.models import Account, ReconciliationRun

MAX_LISTED = 50


def _q(sql, params=()):
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def _dec(v):
    return Decimal(v or 0).quantize(Decimal("0.01"))


def _signed_sum_sql(where):
    return (
        "SELECT COALESCE(SUM(CASE WHEN (l.side = 'D') = a.debit_normal "
        "THEN l.amount ELSE -l.amount END), 0) FROM ledger_journalline l "
        f"JOIN ledger_account a ON a.id = l.account_id WHERE {where}"
    )


def check_trial_balance():
    (debits, credits), = _q("SELECT COALESCE(SUM(CASE WHEN side='D' THEN amount END),0), "
                            "COALESCE(SUM(CASE WHEN side='C' THEN amount END),0) FROM ledger_journalline")
    (dr_bal, cr_bal), = _q(
        "SELECT COALESCE(SUM(CASE WHEN debit_normal THEN balance END),0), "
        "COALESCE(SUM(CASE WHEN NOT debit_normal THEN balance END),0) FROM ledger_account")
    debits, credits, dr_bal, cr_bal = map(_dec, (debits, credits, dr_bal, cr_bal))
    differences = []
    if debits != credits:
        differences.append({"item": "journal lines", "debits": str(debits), "credits": str(credits)})
    if dr_bal != cr_bal:
        differences.append({"item": "account balances", "debit_normal": str(dr_bal), "credit_normal": str(cr_bal)})
    return {"name": "trial_balance", "title": "试算平衡", "left": str(debits), "right": str(credits),
            "ok": not differences, "differences": differences}


def check_cached_balances():
    """Every account's cached balance equals the sum of its lines (detail ledger integrity)."""
    rows = _q(
        "SELECT a.code, a.balance, COALESCE(s.total, 0) FROM ledger_account a LEFT JOIN ("
        " SELECT l.account_id, SUM(CASE WHEN (l.side = 'D') = a2.debit_normal"
        "  THEN l.amount ELSE -l.amount END) AS total FROM ledger_journalline l"
        "  JOIN ledger_account a2 ON a2.id = l.account_id GROUP BY l.account_id) s ON s.account_id = a.id "
        "WHERE ROUND(a.balance, 2) <> ROUND(COALESCE(s.total, 0), 2) ORDER BY a.code"
    )
    diffs = [{"account": code, "cached": str(_dec(bal)), "from_lines": str(_dec(tot))}
             for code, bal, tot in rows[:MAX_LISTED]]
    return {"name": "account_balances", "title": "分户账余额与明细一致", "left": str(len(rows)), "right": "0",
            "ok": not rows, "differences": diffs, "count": len(rows)}


def check_fund_control():
    """Σ personal balances + suspense (cached, detail ledger) vs the 住房公积金 subject (general ledger)."""
    (personal,), = _q("SELECT COALESCE(SUM(a.balance),0) FROM ledger_account a JOIN ledger_account p "
                      "ON p.id = a.parent_id WHERE p.code = %s AND a.role = 'personal'", [chart.HOUSING_FUND])
    (suspense,), = _q("SELECT COALESCE(SUM(a.balance),0) FROM ledger_account a JOIN ledger_account p "
                      "ON p.id = a.parent_id WHERE p.code = %s AND a.role = 'suspense'", [chart.HOUSING_FUND])
    (general,), = _q(_signed_sum_sql("a.parent_id = (SELECT id FROM ledger_account WHERE code = %s)"),
                     [chart.HOUSING_FUND])
    personal, suspense, general = _dec(personal), _dec(suspense), _dec(general)
    ok = personal + suspense == general
    return {"name": "fund_control", "title": "个人分户账+暂收未分摊 = 住房公积金总账",
            "left": str(personal + suspense), "right": str(general), "personal": str(personal),
            "suspense": str(suspense), "ok": ok,
            "differences": [] if ok else [{"difference": str(personal + suspense - general)}]}


def check_entries():
    """Every journal entry balances on its own, and still has the lines and the total it was posted with."""
    rows = _q(
        "SELECT e.id, e.memo, COALESCE(s.debits, 0), COALESCE(s.credits, 0), e.total, COALESCE(s.n, 0), e.line_count "
        "FROM ledger_journalentry e LEFT JOIN ("
        " SELECT entry_id, SUM(amount) FILTER (WHERE side = 'D') AS debits,"
        "  SUM(amount) FILTER (WHERE side = 'C') AS credits, COUNT(*) AS n"
        " FROM ledger_journalline GROUP BY entry_id) s ON s.entry_id = e.id "
        "WHERE COALESCE(s.debits, 0) <> COALESCE(s.credits, 0) OR COALESCE(s.debits, 0) <> e.total"
        " OR COALESCE(s.n, 0) <> e.line_count "
        "UNION ALL "  # lines of an entry that does not exist (a deferred foreign key cannot be relied upon)
        "SELECT l.entry_id, '', SUM(l.amount) FILTER (WHERE l.side = 'D'), SUM(l.amount) FILTER (WHERE l.side = 'C'),"
        " 0, COUNT(*), 0 FROM ledger_journalline l WHERE NOT EXISTS ("
        " SELECT 1 FROM ledger_journalentry e WHERE e.id = l.entry_id) GROUP BY l.entry_id "
        "ORDER BY 1")
    diffs = [{"entry": eid, "memo": memo, "debits": str(_dec(d)), "credits": str(_dec(c)),
              "difference": str(_dec(d) - _dec(c)), "posted_total": str(_dec(total)), "lines": n,
              "posted_lines": count}
             for eid, memo, d, c, total, n, count in rows[:MAX_LISTED]]
    return {"name": "entries", "title": "每张凭证借贷平衡", "left": str(len(rows)), "right": "0", "ok": not rows,
            "differences": diffs, "count": len(rows)}


# Checks that business records agree with the ledger, registered by the apps that hold the records (deposits:
# remittance lists; withdrawals: payments and closing interest), since the ledger knows nothing of them. Each is
# (name, SQL): the SQL returns one row per disagreement: (record, ledger account code, amount on the record,
# amount in the ledger); it is set-based (joins and aggregates, no row-by-row work).
RECORD_CHECKS: dict[str, str] = {}


def register_record_check(name: str, sql: str):
    RECORD_CHECKS[name] = sql


register_record_check("statement_line", (
    # A booked incoming bank line (no payment order behind it) against its entry's line on the bank's account.
    "SELECT 'statement line ' || b.bank_reference, a.code, b.amount,"
    " COALESCE(SUM(l.amount) FILTER (WHERE l.side = 'D'), 0) - COALESCE(SUM(l.amount) FILTER (WHERE l.side = 'C'), 0)"
    " FROM ledger_bankstatementline b JOIN ledger_bankaccount ba ON ba.id = b.bank_account_id"
    " JOIN ledger_account a ON a.id = ba.ledger_account_id"
    " LEFT JOIN ledger_journalline l ON l.entry_id = b.entry_id AND l.account_id = a.id"
    " WHERE b.entry_id IS NOT NULL AND b.instruction_id IS NULL AND b.direction = 'C'"
    " GROUP BY b.id, a.code HAVING b.amount <> COALESCE(SUM(l.amount) FILTER (WHERE l.side = 'D'), 0)"
    " - COALESCE(SUM(l.amount) FILTER (WHERE l.side = 'C'), 0)"))
register_record_check("bank_instruction", (
    # A payment order against its entry's credit to the bank's account.
    "SELECT 'payment ' || i.reference, a.code, i.amount,"
    " COALESCE(SUM(l.amount) FILTER (WHERE l.side = 'C'), 0) - COALESCE(SUM(l.amount) FILTER (WHERE l.side = 'D'), 0)"
    " FROM ledger_bankinstruction i JOIN ledger_bankaccount ba ON ba.id = i.bank_account_id"
    " JOIN ledger_account a ON a.id = ba.ledger_account_id"
    " LEFT JOIN ledger_journalline l ON l.entry_id = i.entry_id AND l.account_id = a.id"
    " GROUP BY i.id, a.code HAVING i.amount <> COALESCE(SUM(l.amount) FILTER (WHERE l.side = 'C'), 0)"
    " - COALESCE(SUM(l.amount) FILTER (WHERE l.side = 'D'), 0)"))


def check_records():
    """Each business record that moved money against its journal line: same account, same amount."""
    rows = []
    for name, sql in RECORD_CHECKS.items():
        rows += [(name, *row) for row in _q(sql)]
    diffs = [{"kind": kind, "record": record, "account": code, "record_amount": str(_dec(expected)),
              "ledger_amount": str(_dec(actual)), "difference": str(_dec(actual) - _dec(expected))}
             for kind, record, code, expected, actual in rows[:MAX_LISTED]]
    return {"name": "records", "title": "业务记录与总账一致", "left": str(len(rows)), "right": "0", "ok": not rows,
            "differences": diffs, "count": len(rows)}


# Per bank account: the bank's own balance (the closing balance of its latest statement import, or the opening
# balance before any) and the lines after that import (payments the bank confirmed since, which the next
# statement covers); the receipts not booked yet; the payment orders not yet through the bank; the books.
BANK_SQL = """
SELECT ba.id, ba.number, a.code, ba.opening_balance, st.id, st.closing_balance,
       COALESCE((SELECT SUM(CASE WHEN b.direction = 'C' THEN b.amount ELSE -b.amount END)
                   FROM ledger_bankstatementline b
                  WHERE b.bank_account_id = ba.id AND b.id > COALESCE(st.last_line_id, 0)), 0),
       COALESCE((SELECT SUM(b.amount) FROM ledger_bankstatementline b
                  WHERE b.bank_account_id = ba.id AND b.match_status = 'unmatched' AND b.direction = 'C'), 0),
       COALESCE((SELECT SUM(i.amount) FROM ledger_bankinstruction i
                  WHERE i.bank_account_id = ba.id AND i.status = 'pending'), 0),
       a.balance,
       COALESCE((SELECT SUM(CASE WHEN l.side = 'D' THEN l.amount ELSE -l.amount END)
                   FROM ledger_journalline l WHERE l.account_id = a.id), 0)
  FROM ledger_bankaccount ba
  JOIN ledger_account a ON a.id = ba.ledger_account_id
  LEFT JOIN LATERAL (SELECT s.id, s.closing_balance, s.last_line_id FROM ledger_bankstatement s
                      WHERE s.bank_account_id = ba.id ORDER BY s.id DESC LIMIT 1) st ON true
 ORDER BY ba.id
"""

# Each statement import: the bank's closing balance minus the previous one (or the opening balance) against the
# lines between them. A line changed after it was imported shows here, under its statement.
STATEMENT_SQL = """
SELECT s.id, ba.number, a.code, s.closing_balance - s.prev_closing,
       COALESCE((SELECT SUM(CASE WHEN b.direction = 'C' THEN b.amount ELSE -b.amount END)
                   FROM ledger_bankstatementline b
                  WHERE b.bank_account_id = s.bank_account_id AND b.id > s.prev_last AND b.id <= s.last_line_id), 0)
  FROM (SELECT st.*, COALESCE(LAG(st.closing_balance) OVER w, bk.opening_balance) AS prev_closing,
               COALESCE(LAG(st.last_line_id) OVER w, 0) AS prev_last
          FROM ledger_bankstatement st JOIN ledger_bankaccount bk ON bk.id = st.bank_account_id
        WINDOW w AS (PARTITION BY st.bank_account_id ORDER BY st.id)) s
  JOIN ledger_bankaccount ba ON ba.id = s.bank_account_id
  JOIN ledger_account a ON a.id = ba.ledger_account_id
 ORDER BY s.id
"""


def check_banks():
    """Each bank account: the bank's own closing balance against the books, adjusted for items in transit
    (余额调节表), and each statement import's lines against the bank's closing balances."""
    results, differences = [], []
    for (_pk, number, code, opening, statement_id, closing, after, unbooked_in, in_transit_out, book,
         from_lines) in _q(BANK_SQL):
        bank_balance = _dec(opening if statement_id is None else closing) + _dec(after)
        book, unbooked_in, in_transit_out = _dec(book), _dec(unbooked_in), _dec(in_transit_out)
        # bank − payments not yet through the bank = books + receipts not yet booked
        adjusted_bank = bank_balance - in_transit_out
        adjusted_book = book + unbooked_in
        agree = adjusted_bank == adjusted_book and _dec(from_lines) == book
        results.append({"bank_account": number, "statement": str(bank_balance), "book": str(book),
                        "payments_in_transit": str(in_transit_out), "receipts_not_booked": str(unbooked_in),
                        "adjusted_bank": str(adjusted_bank), "adjusted_book": str(adjusted_book), "ok": agree,
                        "last_statement": statement_id})
        if not agree:
            differences.append({"record": f"bank account {number}", "account": code,
                                "difference": str(adjusted_book - adjusted_bank)})
    for statement_id, number, code, change, lines in _q(STATEMENT_SQL):
        if _dec(change) != _dec(lines):
            differences.append({"record": f"statement #{statement_id} of {number}", "account": code,
                                "bank_change": str(_dec(change)), "lines": str(_dec(lines)),
                                "difference": str(_dec(lines) - _dec(change))})
    return {"name": "bank", "title": "银行存款账实相符", "ok": not differences, "accounts": results,
            "differences": differences[:MAX_LISTED], "count": len(differences)}


INTEREST_BUSINESS_TYPES = ("09", "98")  # 年终结息, 销户结息


def check_interest():
    """Interest credited to personal accounts (business types 09 and 98, net of reversals) equals the balance
    of 住房公积金利息支出 (DOMAIN.md §9.2)."""
    (posted,), = _q(
        "SELECT COALESCE(SUM(CASE WHEN l.side = 'C' THEN l.amount ELSE -l.amount END), 0) "
        "FROM ledger_journalline l JOIN ledger_journalentry e ON e.id = l.entry_id "
        "JOIN ledger_account a ON a.id = l.account_id "
        "WHERE e.business_type IN (%s, %s) AND a.role = 'personal'", list(INTEREST_BUSINESS_TYPES))
    expense = Account.objects.filter(code=chart.FUND_INTEREST_EXPENSE).values_list("balance", flat=True).first()
    posted, expense = _dec(posted), _dec(expense)
    ok = posted == expense
    return {"name": "interest", "title": "个人账户结息 = 住房公积金利息支出", "left": str(posted),
            "right": str(expense), "ok": ok, "differences": [] if ok else [{"difference": str(posted - expense)}]}


# --- ageing of suspense money and items in transit ----------------------------------------------------------------

AGE_BUCKETS = (("0-30", 0, 30), ("31-90", 31, 90), ("90+", 91, None))  # days: ≤ 30, 31–90, > 90
MAX_AGED_ITEMS = 200

# Suspense money by the credits it still holds (first in, first out: what was allocated took the oldest money,
# so a balance is made of the latest credits); receipts on a bank statement not booked yet; payment orders the
# bank has not paid yet. Each item: kind, record, ledger account, date, amount still open.
AGEING_SQL = """
WITH credits AS (
    SELECT a.id AS account_id, a.code, a.balance, l.id, e.id AS entry_id, l.business_date, l.amount, e.memo,
           SUM(l.amount) OVER (PARTITION BY a.id ORDER BY l.business_date DESC, l.id DESC) AS newer
      FROM ledger_account a
      JOIN ledger_journalline l ON l.account_id = a.id AND l.side = 'C'
      JOIN ledger_journalentry e ON e.id = l.entry_id
     WHERE a.role = 'suspense' AND a.balance > 0)
SELECT 'suspense', 'entry #' || c.entry_id || ' ' || c.memo, c.code, c.business_date,
       LEAST(c.amount, c.balance - (c.newer - c.amount))
  FROM credits c WHERE c.newer - c.amount < c.balance
UNION ALL
SELECT 'receipt', 'statement line ' || b.bank_reference, a.code, b.value_date, b.amount
  FROM ledger_bankstatementline b JOIN ledger_bankaccount ba ON ba.id = b.bank_account_id
  JOIN ledger_account a ON a.id = ba.ledger_account_id
 WHERE b.match_status = 'unmatched' AND b.direction = 'C'
UNION ALL
SELECT 'payment', 'payment ' || i.reference, a.code, i.created_on, i.amount
  FROM ledger_bankinstruction i JOIN ledger_bankaccount ba ON ba.id = i.bank_account_id
  JOIN ledger_account a ON a.id = ba.ledger_account_id
 WHERE i.status = 'pending'
"""

AGEING_KINDS = {"suspense": "暂收未分摊", "receipt": "银行已收、账未记", "payment": "账已付、银行未付"}


def bucket_of(days: int) -> str:
    for name, low, high in AGE_BUCKETS:
        if days >= low and (high is None or days <= high):
            return name
    return AGE_BUCKETS[0][0]  # dated after the business date


def ageing(as_of=None) -> dict:
    """Suspense money and items in transit by age (≤ 30 days, 31–90, > 90) on ``as_of`` (the business date):
    totals per kind and bucket, and the items, oldest first (at most MAX_AGED_ITEMS listed). The buckets are
    summed in SQL; only the listed items come back as rows."""
    as_of = as_of or today()
    bucket_sql = ("CASE WHEN %s::date - d <= 30 THEN '0-30' WHEN %s::date - d <= 90 THEN '31-90' ELSE '90+' END")
    totals = {kind: {name: "0.00" for name, _lo, _hi in AGE_BUCKETS} for kind in AGEING_KINDS}
    counts = {kind: 0 for kind in AGEING_KINDS}
    for kind, bucket, amount, n in _q(
            f"SELECT kind, {bucket_sql}, SUM(amount), COUNT(*) FROM ({AGEING_SQL}) AS t(kind, record, code, d, amount)"
            " GROUP BY 1, 2", [as_of, as_of]):
        totals[kind][bucket] = str(_dec(amount))
        counts[kind] += n
    items = [{"kind": kind, "record": record, "account": code, "date": str(d), "age_days": (as_of - d).days,
              "bucket": bucket_of((as_of - d).days), "amount": str(_dec(amount))}
             for kind, record, code, d, amount in _q(
                 f"SELECT * FROM ({AGEING_SQL}) AS t(kind, record, code, d, amount) ORDER BY d, kind, record "
                 f"LIMIT {MAX_AGED_ITEMS}")]
    return {"as_of": str(as_of), "totals": totals, "counts": counts, "items": items,
            "more": max(0, sum(counts.values()) - len(items))}


# The checks of a run, in order (by name, so each is looked up when it runs).
CHECKS = ("check_trial_balance", "check_entries", "check_cached_balances", "check_records", "check_fund_control",
          "check_banks", "check_interest")
# The steps of a run: each check, then the ageing (a background run shows them as its progress).
STEPS = len(CHECKS) + 1


def run_step(step: int):
    """Step ``step`` (1..STEPS) of a run: a check's result, or the ageing for the last one."""
    return globals()[CHECKS[step - 1]]() if step <= len(CHECKS) else ageing()


def assemble(outputs: list) -> dict:
    """The report from the outputs of the steps, in order."""
    checks = outputs[:len(CHECKS)]
    return {"business_date": str(today()), "ok": all(c["ok"] for c in checks), "checks": checks,
            "ageing": outputs[len(CHECKS)]}


def ordered_ageing(aged):
    """A stored ageing with each kind's buckets in the order of AGE_BUCKETS (a JSON column keeps its keys in its own
    order, so a page iterating them would put amounts under the wrong column); ``None`` stays ``None``."""
    if not aged:
        return aged
    totals = {kind: {name: buckets.get(name, "0.00") for name, _lo, _hi in AGE_BUCKETS}
              for kind, buckets in (aged.get("totals") or {}).items()}
    return {**aged, "totals": totals}


def run_checks():
    return assemble([run_step(step) for step in range(1, STEPS + 1)])


# Who may run the reconciliation (a write: it stores a run): finance, or the system (the nightly job, the command).
RECONCILE_ROLES = (roles.FINANCE,)


def reconcile(*, actor, save=True):
    """Run every check and, with ``save``, store the run. Finance or the system actor only (auditors read runs)."""
    roles.require_role(actor, *RECONCILE_ROLES)
    report = run_checks()
    if save:
        with transaction.atomic():
            store(report, actor=actor)
    return report


def store(report, *, actor) -> ReconciliationRun:
    """Save a run's report (in the caller's transaction) with its audit event."""
    run = ReconciliationRun.objects.create(business_date=today(), ok=report["ok"], report=report)
    audit.record(actor=actor, action="ledger.reconcile", obj=run, after={"ok": report["ok"]})
    return run


def format_report(report) -> str:
    lines = [f"三账平衡检查 / Three-ledger reconciliation, business date {report['business_date']}"]
    for check in report["checks"]:
        status = "OK" if check["ok"] else "DIFFERENCE"
        if check["name"] == "bank":
            lines.append(f"[{status}] {check['title']}")
            for acc in check["accounts"]:
                lines.append(
                    f"    {acc['bank_account']}: statement {acc['statement']} - in transit "
                    f"{acc['payments_in_transit']} = {acc['adjusted_bank']}; books {acc['book']} + not booked "
                    f"{acc['receipts_not_booked']} = {acc['adjusted_book']} {'OK' if acc['ok'] else 'DIFFERENCE'}")
        else:
            lines.append(f"[{status}] {check['title']}: {check['left']} vs {check['right']}")
            for diff in check["differences"]:
                lines.append(f"    {diff}")
            if check.get("count", 0) > MAX_LISTED:
                lines.append(f"    ... {check['count'] - MAX_LISTED} more")
    aged = report.get("ageing")
    if aged:
        lines.append(f"Ageing on {aged['as_of']} (days {' / '.join(n for n, _lo, _hi in AGE_BUCKETS)}):")
        for kind, title in AGEING_KINDS.items():
            lines.append(f"    {title} {kind}: " + " / ".join(aged["totals"][kind].values()))
        for item in aged["items"][:10]:
            lines.append(f"    {item['date']} {item['age_days']}d {item['kind']} {item['record']} {item['account']} "
                         f"{item['amount']}")
    lines.append("ALL AGREE" if report["ok"] else "DIFFERENCES FOUND")
    return "\n".join(lines)
