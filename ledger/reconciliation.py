"""Three-ledger reconciliation (三账平衡): detail ledger vs general ledger, books vs bank, trial balance.

The general ledger balance of a subject is computed from the journal lines; the detail ledger is the
cached balance of each sub-account; the bank side comes from the imported statement lines. Every
difference is listed.
"""

from decimal import Decimal

from django.db import connection

from core.business_date import today
from ledger import chart
from ledger.models import Account, BankAccount, BankInstruction, BankStatementLine, ReconciliationRun

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


def check_banks():
    """Each bank account: ledger balance vs the bank's statement, adjusted for items in transit."""
    results, ok = [], True
    for bank_account in BankAccount.objects.select_related("ledger_account").order_by("pk"):
        (credits, debits), = _q(
            "SELECT COALESCE(SUM(CASE WHEN direction='C' THEN amount END),0), "
            "COALESCE(SUM(CASE WHEN direction='D' THEN amount END),0) FROM ledger_bankstatementline "
            "WHERE bank_account_id = %s", [bank_account.pk])
        statement = _dec(bank_account.opening_balance) + _dec(credits) - _dec(debits)
        (unbooked_in,), = _q(
            "SELECT COALESCE(SUM(amount),0) FROM ledger_bankstatementline WHERE bank_account_id = %s "
            "AND match_status = %s AND direction = 'C'", [bank_account.pk, BankStatementLine.Match.UNMATCHED])
        (in_transit_out,), = _q(
            "SELECT COALESCE(SUM(amount),0) FROM ledger_bankinstruction WHERE bank_account_id = %s AND status = %s",
            [bank_account.pk, BankInstruction.Status.PENDING])
        (from_lines,), = _q(_signed_sum_sql("a.id = %s"), [bank_account.ledger_account_id])
        book = _dec(bank_account.ledger_account.balance)
        # 余额调节表: bank − payments not yet through the bank = books + receipts not yet booked
        adjusted_bank = statement - _dec(in_transit_out)
        adjusted_book = book + _dec(unbooked_in)
        agree = adjusted_bank == adjusted_book and _dec(from_lines) == book
        ok &= agree
        results.append({"bank_account": bank_account.number, "statement": str(statement), "book": str(book),
                        "payments_in_transit": str(_dec(in_transit_out)), "receipts_not_booked": str(_dec(unbooked_in)),
                        "adjusted_bank": str(adjusted_bank), "adjusted_book": str(adjusted_book), "ok": agree})
    return {"name": "bank", "title": "银行存款账实相符", "ok": ok, "accounts": results,
            "differences": [r for r in results if not r["ok"]]}


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


def run_checks():
    checks = [check_trial_balance(), check_cached_balances(), check_fund_control(), check_banks(), check_interest()]
    return {"business_date": str(today()), "ok": all(c["ok"] for c in checks), "checks": checks}


def reconcile(*, save=True):
    report = run_checks()
    if save:
        ReconciliationRun.objects.create(business_date=today(), ok=report["ok"], report=report)
    return report


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
    lines.append("ALL AGREE" if report["ok"] else "DIFFERENCES FOUND")
    return "\n".join(lines)
