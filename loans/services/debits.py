"""The monthly bank debit run for loan installments (批量代扣, DOMAIN.md §4.9 business types 02 / 04, §5.4).

**Instructions out.** A run (:mod:`core.batch`, job ``loans.debit_run``, key ``loan-debits:<date>`` or
``loan-debits:<date>:month``) covers the active loans (正常 / 逾期) with an unpaid installment due on the debit
date (or, for a month run, from the first of the month to the debit date), plus the loans the overdue job has
classified 逾期 (their arrears are collected with the installment). Each id-range chunk becomes ONE debit batch
(:class:`loans.models.LoanDebitBatch`) whose orders (:class:`loans.models.LoanDebit`) are written with one
``INSERT … SELECT FROM unnest()``: the amount of each is what :func:`loans.services.repayments.dues` says is due on
the debit date (penalty, overdue interest, overdue principal, current interest, current principal; the next
installment not yet due is not debited). Loans without a repayment card, with an order still waiting for the
bank, or with an active fund offset (``settings.LOAN_OFFSET_CONTRACTS``, the 按月冲还贷 agreements) are left
out. A finished chunk is skipped when the run is started again, so an interrupted run resumes.

**Result in.** The bank's result file (回盘) answers every order of a batch: debited in full, in part, or failed.
The bank credits the batch's total collected to the center's account in one statement line (its serial number is
the batch reference), imported through ``ledger.services.import_statement``: from the bank's channel it is usable
at once, a file imported by finance waits for a second finance person (:func:`confirm_result`).

**Postings.** :func:`apply_batch` applies a batch in one transaction: the loans locked in id order, each amount
allocated by :func:`loans.services.repayments.apply_to_rows` (the one allocation of a repayment), and ONE journal
entry through ``ledger.posting.post``: debit the bank with the batch's total (the statement line's amount), credit
each loan's own sub-accounts under 121 / 122 with its principal (one line each), 401 with the batch's interest and
403 with its penalty interest. Each :class:`loans.models.LoanRepayment` points at that entry and the batch's bank
line; its lines are those of the entry on the loan's own sub-accounts, its interest and penalty are on the
repayment row. A failed order posts nothing: the installment stays due and turns overdue through the overdue job.
Money debited that is no longer due when the result is applied (the borrower paid at the counter in between) goes
to suspense (暂收未分摊) and is shown on the order. Applying twice posts once (the batch's state and the entry's
idempotency key).
"""

import dataclasses
import datetime
import json
from decimal import Decimal

from django.conf import settings as django_settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from core import audit, batch, bounds, policy, roles, tabular
from core.actors import system_actor
from core.business_date import today
from core.errors import Forbidden, InvalidInput, StateError
from core.models import BatchChunk, BatchRun
from core.money import ZERO
from core.translatable import StoredText
from ledger import chart
from ledger import selectors as ledger_selectors
from ledger import services as ledger_services
from ledger.models import Account, BankStatement
from ledger.posting import credit, debit, post
from loans.models import LoanContract, LoanDebit, LoanDebitBatch, LoanRepayment
from loans.services import repayments
from loans.services.accrual import accrue_interest
from loans.services.schedules import extend_schedules

C = LoanContract.Status
D = LoanDebit.Status
B = LoanDebitBatch.Status
JOB = "loans.debit_run"
RUN_ROLES = (roles.FINANCE,)
ACTIVE = [C.NORMAL, C.OVERDUE]


@transaction.atomic
def set_repayment_card(*, actor, contract: LoanContract, card, bank="") -> LoanContract:
    """Record or change the borrower's repayment card the debit run collects from (loan officer or finance)."""
    from loans.services.contracts import check_repayment_card

    roles.require_role(actor, roles.LOAN_OFFICER, roles.FINANCE)
    card, bank = check_repayment_card(card, bank)
    c = LoanContract.objects.select_for_update().get(pk=contract.pk)
    before = c.repayment_card
    c.repayment_card, c.repayment_card_bank = card, bank
    c.save(update_fields=["repayment_card", "repayment_card_bank", "updated_at"])
    audit.record(actor=actor, action="loan.repayment_card", obj=c, before={"card": before[-4:]},
                 after={"card": card[-4:], "bank": bank})
    return c


def run_key(on: datetime.date, month: bool) -> str:
    return f"loan-debits:{on.isoformat()}" + (":month" if month else "")


def period_start(on: datetime.date, month: bool) -> datetime.date:
    return on.replace(day=1) if month else on


def _skip_sql(on):
    """(SQL, params) of the ids of the loans repaid by a monthly fund offset (按月冲还贷), whose installments the bank
    must not debit too: ``settings.LOAN_OFFSET_CONTRACTS`` names a callable returning their contract numbers as a
    queryset (withdrawals owns the offset agreements; loans may not import it). None when no source is set."""
    path = getattr(django_settings, "LOAN_OFFSET_CONTRACTS", None)
    if not path:
        return None
    numbers = import_string(path)()
    return LoanContract.objects.filter(number__in=numbers).values("pk").query.sql_with_params()


# The loans of a chunk to debit and their unpaid installments due by the debit date: those due in the period (by
# the due-date index), and every unpaid one due before of the loans the overdue job classified 逾期 (from the loan,
# by the (contract, number) index: the past installments of all loans are never scanned).
LOANS = """c.id BETWEEN %(lo)s AND %(hi)s AND c.status = ANY(%(active)s) AND c.repayment_card <> ''
   AND NOT EXISTS (SELECT 1 FROM loans_loandebit d WHERE d.contract_id = c.id AND d.status = 'sent') {skip}"""
COLUMNS = """i.id, i.number, i.due_date, i.principal, i.interest, i.principal_paid, i.interest_paid, i.penalty_paid,
       i.penalty_accrued, i.annual_rate, i.balance, i.interest_accrued_on"""
UNPAID = "(i.principal_paid < i.principal OR i.interest_paid < i.interest)"
DUE_ROWS_SQL = f"""
WITH due AS MATERIALIZED (
    SELECT i.contract_id, {COLUMNS} FROM loans_scheduleinstallment i
     WHERE i.due_date >= %(start)s AND i.due_date <= %(on)s AND i.contract_id BETWEEN %(lo)s AND %(hi)s
       AND i.superseded_on IS NULL AND {UNPAID})
SELECT i.* FROM due i JOIN loans_loancontract c ON c.id = i.contract_id WHERE {LOANS}
UNION ALL
SELECT c.id, {COLUMNS}
  FROM loans_loancontract c
 CROSS JOIN LATERAL (SELECT * FROM loans_scheduleinstallment i
                      WHERE i.contract_id = c.id AND i.superseded_on IS NULL AND i.due_date < %(start)s AND {UNPAID}
                      ORDER BY i.number) i
 WHERE c.status = 'overdue' AND {LOANS}
 ORDER BY 1, 3
"""


@dataclasses.dataclass(slots=True)
class _Row:
    """An installment as :func:`loans.services.repayments.dues` reads it (a light row for batches)."""

    id: int
    number: int
    due_date: datetime.date
    principal: Decimal
    interest: Decimal
    principal_paid: Decimal
    interest_paid: Decimal
    penalty_paid: Decimal
    penalty_accrued: Decimal
    annual_rate: Decimal
    balance: Decimal
    interest_accrued_on: datetime.date | None


def _grouped(sql, params) -> dict[int, list[_Row]]:
    out: dict[int, list[_Row]] = {}
    with connection.cursor() as cur:
        cur.execute(sql, params)
        for contract_id, *values in cur.fetchall():
            out.setdefault(contract_id, []).append(_Row(*values))
    return out


def candidates(on: datetime.date, month: bool):
    """The active loans with an unpaid installment due in the run's period, or classified overdue."""
    from django.db.models import F, Q

    from loans.models import ScheduleInstallment

    due = (
        ScheduleInstallment.objects.filter(
            superseded_on__isnull=True, due_date__gte=period_start(on, month), due_date__lte=on
        )
        .filter(Q(principal_paid__lt=F("principal")) | Q(interest_paid__lt=F("interest")))
        .values("contract_id")
    )  # by the due-date index: the installments of the period, never the loans' whole schedules
    return LoanContract.objects.filter(status__in=ACTIVE).filter(Q(pk__in=due) | Q(status=C.OVERDUE))


def plan(*, on: datetime.date, month=False, actor, chunk_size=5000):
    roles.require_role(actor, *RUN_ROLES)
    bounds.date(on)
    extend_schedules(on=on)  # the installments due by the debit date are stored rows (the daily job does it too)
    qs = candidates(on, month)
    return batch.plan(
        job=JOB,
        key=run_key(on, month),
        ranges=batch.id_ranges(qs, chunk_size),
        params={"on": on.isoformat(), "month": bool(month)},
        actor=actor,
        total=qs.count(),
    )


def start_run(*, on: datetime.date, month=False, actor) -> BatchRun:
    """Record the run (its chunks) and send its task; with no broker the run happens here and now. A run already
    recorded for the date is sent again (it resumes; a finished one does nothing)."""
    from loans import tasks

    run, _created = plan(on=on, month=month, actor=actor)
    batch.queue(run, tasks.debit_run, on=on.isoformat(), month=bool(month))
    run.refresh_from_db()
    return run


def run_debits(*, on: datetime.date | None = None, month=False, actor, chunk_size=5000) -> dict:
    """Send the debit orders of ``on`` (default: the business date). Safe to run twice: a finished run does
    nothing, an interrupted one resumes with the chunks not done. Returns the run's summary."""
    on = on or today()
    run, _created = plan(on=on, month=month, actor=actor, chunk_size=chunk_size)
    for chunk_id in batch.pending_chunks(run):
        run_chunk(chunk_id)
    run.refresh_from_db()
    return {"orders": 0, "amount": "0", "no_card": 0} | run.result | {"run": run.pk, "status": run.status}


def run_chunk(chunk_id) -> int:
    chunk = BatchChunk.objects.select_related("run").get(pk=chunk_id)
    params = chunk.run.params
    on = datetime.date.fromisoformat(params["on"])
    return batch.run_chunk(chunk_id, lambda lo, hi: _send(chunk.run_id, on, bool(params.get("month")), lo, hi))


def _send(run_id, on, month, lo, hi) -> int:
    """One chunk: the amounts due of its loans, one batch and its orders (one INSERT)."""
    skip = _skip_sql(on)
    params = {"lo": lo, "hi": hi, "active": ACTIVE, "on": on, "start": period_start(on, month)}
    skip_clause = ""
    if skip is not None:
        skip_clause = "AND c.id NOT IN (" + skip[0].replace("%s", "%%s") + ")"
    sql = DUE_ROWS_SQL.replace("{skip}", skip_clause)
    if skip is not None:  # named and positional parameters cannot be mixed: number the skip source's ones
        for i, value in enumerate(skip[1] * 2):
            sql = sql.replace("%%s", f"%(skip{i})s", 1)
            params[f"skip{i}"] = value
    rows = _grouped(sql, params)
    settings = policy.snapshot("overdue.", on=on)
    orders = []
    for contract_id, items in rows.items():
        amount = sum((d.total for d in repayments.dues(None, on=on, rows=items, settings=settings)), ZERO)
        if amount > 0:
            orders.append((contract_id, amount, items[0].number, items[-1].number))
    no_card = candidates(on, month).filter(pk__gte=lo, pk__lte=hi, repayment_card="").count()
    total = sum((o[1] for o in orders), ZERO)
    if orders:
        bank = ledger_services.default_bank_account()
        b = LoanDebitBatch.objects.create(
            run_id=run_id, reference=f"DK{on:%Y%m%d}{run_id:06d}{lo:010d}", due_on=on, bank_account=bank,
            count=len(orders), amount=total,
        )
        with connection.cursor() as cur:
            cur.execute(
                "INSERT INTO loans_loandebit (batch_id, contract_id, reference, amount, first_number, last_number,"
                " card, card_name, status, result, debited, bank_reference, reason, excess) "
                "SELECT %s, c.id, %s || '-' || c.id, t.m, t.f, t.l, c.repayment_card, d.name, 'sent', '', 0, '', '', 0"
                " FROM jsonb_to_recordset(%s::jsonb) AS t(c bigint, m numeric, f int, l int)"
                " JOIN loans_loancontract c ON c.id = t.c JOIN accounts_depositor d ON d.id = c.borrower_id"
                " ORDER BY c.id",
                [b.pk, b.reference, _rows([{"c": c, "m": m, "f": f, "l": last} for c, m, f, last in orders])],
            )
        audit.record(actor=system_actor(), action="loan.debit.batch", obj=b,
                     after={"on": on.isoformat(), "count": len(orders), "amount": str(total)})
    _merge_result(run_id, len(orders), total, no_card)
    return len(orders)


def _merge_result(run_id, count, total, no_card):
    run = BatchRun.objects.select_for_update().get(pk=run_id)
    res = run.result or {}
    res["orders"] = res.get("orders", 0) + count
    res["amount"] = str(Decimal(res.get("amount", "0")) + total)
    res["no_card"] = res.get("no_card", 0) + no_card
    run.result = res
    run.save(update_fields=["result"])


# --- the bank's answer ------------------------------------------------------------------------------------------

RESULTS = {"S": D.PAID, "成功": D.PAID, "P": D.PARTIAL, "部分成功": D.PARTIAL, "F": D.FAILED, "失败": D.FAILED}

RESULT_COLUMNS = [
    tabular.Column("reference", "扣款编号", gettext_lazy("Debit reference"), max_length=60),
    tabular.Column("result", "扣款结果", gettext_lazy("Result"), max_length=10),
    tabular.Column("debited", "实扣金额", gettext_lazy("Amount debited"), max_length=40),
    tabular.Column("bank_reference", "银行流水号", gettext_lazy("Bank serial number"), required=False, max_length=60),
    tabular.Column("reason", "失败原因", gettext_lazy("Failure reason"), required=False, max_length=500),
]


def _parse(table, row, debit):
    col = {c.key: c for c in RESULT_COLUMNS}
    i = row.number
    if debit is None:
        table.error(i, col["reference"], _("no debit order has this reference"))
        return None
    result = RESULTS.get((row["result"] or "").strip().upper()) or RESULTS.get((row["result"] or "").strip())
    if result is None:
        table.error(i, col["result"], _("must be S (debited in full), P (in part) or F (failed)"))
        return None
    try:
        amount = bounds.money((row["debited"] or "0").strip() or "0")
    except InvalidInput:
        table.error(i, col["debited"], _("must be an amount with at most two decimals"))
        return None
    if amount < 0 or amount > debit["amount"]:
        table.error(i, col["debited"], _("must be between 0 and the %(a)s ordered") % {"a": debit["amount"]})
        return None
    if (result == D.PAID) != (amount == debit["amount"]) or (result == D.FAILED) != (amount == 0):
        table.error(i, col["result"], _("does not agree with the amount debited"))
        return None
    return {"id": debit["id"], "result": result, "debited": amount,
            "bank_reference": (row["bank_reference"] or "").strip()[:40], "reason": (row["reason"] or "").strip()[:200]}


LOOKUP_CHUNK = 10_000


@transaction.atomic
def import_result(*, rows=None, file=None, actor, closing_balance=None) -> dict:
    """Record the bank's answers (rows by the keys of RESULT_COLUMNS, or a CSV/XLSX file) and the bank's credit of
    each batch's total. Every batch in the file must be answered whole; all rows valid or nothing is recorded.
    A batch already answered is skipped when the answers are the same (a second import is harmless) and refused
    when they differ. ``closing_balance``: the bank's closing balance after the credits (default: what the bank
    held plus them). Returns {"batches", "orders", "skipped", "statement"}."""
    roles.require_role(actor, *ledger_services.IMPORT_ROLES)
    if (rows is None) == (file is None):
        raise InvalidInput(_("Give the result rows or a result file."), code="bad_result")
    sha = None
    if file is not None:
        import hashlib

        data = file if isinstance(file, bytes) else file.read(tabular.MAX_BYTES + 1)
        table = tabular.read(data, columns=RESULT_COLUMNS, filename=getattr(file, "name", None))
        sha = hashlib.sha256(data).hexdigest()
    elif isinstance(rows, tabular.Table):
        table = rows
    else:
        rows = list(rows)
        table = tabular.from_records(rows, columns=RESULT_COLUMNS, max_rows=max(len(rows), 1))
    refs = [(r["reference"] or "").strip() for r in table.rows]
    known = {}
    for start in range(0, len(refs), LOOKUP_CHUNK):  # a query takes at most 65,535 parameters
        part = refs[start : start + LOOKUP_CHUNK]
        known.update({d["reference"]: d for d in LoanDebit.objects.filter(reference__in=part).values(
            "id", "reference", "amount", "batch_id", "result", "debited")})
    parsed = [_parse(table, row, known.get(ref)) for row, ref in zip(table.rows, refs, strict=True)]
    seen = set()
    for row, p in zip(table.rows, parsed, strict=True):
        if p is not None and p["id"] in seen:
            table.error(row.number, None, _("the same debit order is answered twice"))
        elif p is not None:
            seen.add(p["id"])
    table.raise_errors(code="bad_debit_result")
    by_batch: dict[int, list] = {}
    for p, ref in zip(parsed, refs, strict=True):
        by_batch.setdefault(known[ref]["batch_id"], []).append(p)
    batches = {b.pk: b for b in LoanDebitBatch.objects.select_for_update().filter(pk__in=list(by_batch)).order_by("pk")}
    new, skipped = [], 0
    for batch_id, answers in sorted(by_batch.items()):
        b = batches[batch_id]
        if b.status != B.SENT:
            stored = {d["id"]: (d["result"], d["debited"]) for d in known.values() if d["batch_id"] == batch_id}
            if any(stored[a["id"]] != (a["result"], a["debited"]) for a in answers):
                raise StateError(_("Batch %(b)s was already answered differently.") % {"b": b.reference},
                                 code="result_differs")
            skipped += 1
            continue
        if len(answers) != b.count:
            raise InvalidInput(_("Batch %(b)s has %(n)d orders; the file answers %(m)d. Send the whole batch's result.")
                               % {"b": b.reference, "n": b.count, "m": len(answers)}, code="incomplete_batch")
        new.append((b, answers))
    if not new:
        return {"batches": 0, "orders": 0, "skipped": skipped, "statement": None}
    answers = [a for _b, items in new for a in items]
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE loans_loandebit d SET result = t.result, debited = t.debited, bank_reference = t.bank_reference,"
            " reason = t.reason FROM jsonb_to_recordset(%s::jsonb) AS t(id bigint, result text, debited numeric,"
            " bank_reference text, reason text) WHERE d.id = t.id AND d.status = 'sent'",
            [_rows(answers)],
        )
    now = timezone.now()
    credits = []
    for b, items in new:
        b.debited = sum((a["debited"] for a in items), ZERO)
        b.status, b.returned_at = B.RETURNED, now
        b.save(update_fields=["debited", "status", "returned_at"])
        if b.debited > 0:
            credits.append(b)
    statement = None
    by_account: dict[int, list] = {}
    for b in credits:
        by_account.setdefault(b.bank_account_id, []).append(b)
    for items in by_account.values():
        bank = items[0].bank_account
        lines = [{"bank_reference": b.reference, "value_date": b.due_on.isoformat(), "direction": "C",
                  "amount": str(b.debited), "counterparty_name": _("Batch debit %(n)d orders") % {"n": b.count},
                  "counterparty_account": "", "remark": b.reference} for b in items]
        closing = closing_balance
        if closing is None:
            closing = ledger_selectors.bank_held_balance(bank) + sum((b.debited for b in items), ZERO)
        created = {ln.bank_reference: ln for ln in ledger_services.import_statement(
            bank_account=bank, rows=lines, closing_balance=closing, actor=actor, file_sha256=sha)}
        for b in items:
            line = created.get(b.reference)
            if line is None:  # the bank's feed brought the credit already
                line = bank.statement_lines.get(bank_reference=b.reference)
            b.statement_line = line
            b.save(update_fields=["statement_line"])
            statement = line.statement_id
    audit.record(actor=actor, action="loan.debit.result",
                 after={"batches": [b.reference for b, _i in new], "orders": len(answers), "skipped": skipped})
    return {"batches": len(new), "orders": len(answers), "skipped": skipped, "statement": statement}


def confirm_result(*, statement: BankStatement, actor) -> dict:
    """A second finance person confirms the bank credits of a result file another one imported, then the batches
    are applied (by this person: the importer never books the lines he brought in)."""
    ledger_services.confirm_statement(statement=statement, actor=actor)
    return apply_results(actor=actor)


def apply_results(*, actor) -> dict:
    """Apply every answered batch whose bank credit may be used (each batch in its own transaction; a batch whose
    statement waits for its confirmation is left for later). Returns {"applied", "waiting"}."""
    out = {"applied": 0, "waiting": 0}
    for b in LoanDebitBatch.objects.filter(status=B.RETURNED).order_by("pk"):
        try:
            apply_batch(batch=b, actor=actor)
            out["applied"] += 1
        except (StateError, Forbidden) as exc:  # its credit waits for a second person, or another one must post it
            if exc.code not in ("statement_not_confirmed", "same_person"):
                raise
            out["waiting"] += 1
    return out


# Installments of the orders answered: those the order was for (a counter repayment in between may have paid
# some) and the next two (the next may be paid in advance; a second one says the loan is not paid off), by the
# (contract, number) index.
APPLY_ROWS_SQL = """
SELECT d.contract_id, n.id, n.number, n.due_date, n.principal, n.interest, n.principal_paid, n.interest_paid,
       n.penalty_paid, n.penalty_accrued, n.annual_rate, n.balance, n.interest_accrued_on
  FROM loans_loandebit d
  CROSS JOIN LATERAL (SELECT * FROM loans_scheduleinstallment j
                       WHERE j.contract_id = d.contract_id AND j.superseded_on IS NULL AND j.number >= d.first_number
                       ORDER BY j.number LIMIT d.last_number - d.first_number + 3) n
 WHERE d.batch_id = %(batch)s AND d.status = 'sent' AND d.result IN ('paid', 'partial')
 ORDER BY 1, 3
"""


@transaction.atomic
def apply_batch(*, batch: LoanDebitBatch, actor) -> LoanDebitBatch:
    """Post an answered batch (see the module's text). Safe twice: an applied batch is returned as it is."""
    roles.require_role(actor, roles.FINANCE)
    b = LoanDebitBatch.objects.select_for_update().select_related("bank_account").get(pk=batch.pk)
    if b.status == B.APPLIED:
        return b
    if b.status != B.RETURNED:
        raise StateError(_("The bank has not answered batch %(b)s yet.") % {"b": b.reference}, code="not_returned")
    on = b.due_on
    accrue_interest(actor=actor, on=on)  # the installments paid have their interest due booked to 131 first
    paid = list(LoanDebit.objects.filter(batch=b, status=D.SENT, result__in=[D.PAID, D.PARTIAL])
                .order_by("contract_id").values("id", "contract_id", "debited", "last_number"))
    last_of = {d["id"]: d["last_number"] for d in paid}
    ids = [d["contract_id"] for d in paid]
    contracts = {}
    with connection.cursor() as cur:  # lock order: the loans by id, then (the posting) the ledger accounts by id
        cur.execute("SELECT c.id, c.status, c.ledger_account_id, c.overdue_account_id, COALESCE(o.balance, 0)"
                    " FROM loans_loancontract c LEFT JOIN ledger_account o ON o.id = c.overdue_account_id"
                    " WHERE c.id = ANY(%s) ORDER BY c.id FOR UPDATE OF c", [ids])
        for cid, status, ledger_id, overdue_id, held in cur.fetchall():
            contracts[cid] = (status, ledger_id, overdue_id, held)
    line = None
    if b.statement_line_id:
        line = ledger_services.lock_receipt(b.statement_line, actor=actor)
    rows = _grouped(APPLY_ROWS_SQL, {"batch": b.pk, "on": on})
    settings = policy.snapshot("overdue.", on=on)
    grace = settings["overdue.grace_days"]
    lines, changed, reps, statuses, excess_of = [], [], [], {}, {}
    interest = receivable = penalty = penalty_receivable = excess = ZERO
    for d in paid:
        cid = d["contract_id"]
        status, ledger_id, overdue_id, held = contracts[cid]
        items = rows.get(cid, [])
        if status not in ACTIVE or not items:
            excess_of[d["id"]] = d["debited"]
            excess += d["debited"]
            continue
        owed = repayments.dues(None, on=on, rows=items, settings=settings)
        applied = repayments.apply_to_rows(d["debited"], owed, items)
        if applied.left:
            excess_of[d["id"]] = applied.left
            excess += applied.left
        if not applied.parts:
            continue
        changed += applied.changed
        interest += applied.interest
        receivable += applied.receivable
        penalty += applied.penalty
        penalty_receivable += applied.penalty_receivable
        loan = _Loan(ledger_id, overdue_id)
        lines += repayments.loan_lines(loan, principal=applied.principal,
                                       overdue_after=repayments.overdue_principal(items, on, grace),
                                       memo=b.reference, held=held)
        after = repayments.status_from(items, on, settings)
        if after == C.PAID_OFF and len([r for r in items if r.number > last_of[d["id"]]]) > 1:
            after = C.NORMAL  # two rows after the order's were read: there may be more
        statuses[cid] = after
        reps.append({"d": d["id"], "c": cid, "m": d["debited"] - applied.left, "p": applied.principal,
                     "i": applied.interest, "f": applied.penalty, "a": [p.as_dict() for p in applied.parts]})
    entry = None
    if b.debited > 0:
        lines.insert(0, debit(b.bank_account.ledger_account_id, b.debited, b.reference))
        lines += repayments.interest_lines(interest, receivable, b.reference)
        lines += repayments.penalty_lines(penalty, penalty_receivable, b.reference)
        if excess:
            lines.append(credit(Account.objects.get(code=chart.GENERAL_SUSPENSE), excess, b.reference))
        entry = post(lines=lines, memo=StoredText(gettext_noop("Loan debit batch %(b)s"), b=b.reference), actor=actor,
                     idempotency_key=f"loan-debit-batch:{b.pk}", business_date=on, business_type="L02",
                     source=f"loan-debit-batch:{b.pk}")
        ledger_services.mark_booked(line, entry)
    _store(b, changed, reps, entry, statuses, excess_of, actor, on)
    b.status, b.entry, b.applied_at = B.APPLIED, entry, timezone.now()
    b.save(update_fields=["status", "entry", "applied_at"])
    audit.record(actor=actor, action="loan.debit.apply", obj=b,
                 after={"debited": str(b.debited), "repayments": len(reps), "interest": str(interest),
                        "penalty": str(penalty), "excess": str(excess), "entry": entry.pk if entry else None})
    return b


@dataclasses.dataclass
class _Loan:
    ledger_account_id: int
    overdue_account_id: int | None


def _rows(items) -> str:
    """Rows for ``jsonb_to_recordset``: one JSON document (amounts as strings, exact) instead of one array per
    column, which the driver would quote element by element."""
    return json.dumps(items, default=str)


def _store(b, changed, reps, entry, statuses, excess_of, actor, on):
    """The batch's writes, set-based: installments paid, repayments, orders, loan states."""
    with connection.cursor() as cur:
        if changed:
            cur.execute(
                "UPDATE loans_scheduleinstallment i SET principal_paid = t.p, interest_paid = t.i, penalty_paid = t.f,"
                " penalty_accrued = t.a"
                " FROM jsonb_to_recordset(%s::jsonb) AS t(id bigint, p numeric, i numeric, f numeric, a numeric)"
                " WHERE i.id = t.id",
                [_rows([{"id": r.id, "p": r.principal_paid, "i": r.interest_paid, "f": r.penalty_paid,
                         "a": r.penalty_accrued} for r in changed])])
        if reps:  # the repayments (one per loan of the batch, ids drawn first) and their orders
            cur.execute("SELECT nextval(pg_get_serial_sequence('loans_loanrepayment', 'id'))"
                        " FROM generate_series(1, %s)", [len(reps)])
            for rep, (pk,) in zip(reps, cur.fetchall(), strict=True):
                rep["id"] = pk
            data = _rows(reps)
            cur.execute(
                "INSERT INTO loans_loanrepayment (id, contract_id, kind, source, paid_on, amount, principal, interest,"
                " penalty, keep, allocation, entry_id, statement_line_id, created_by_id, created_at)"
                " SELECT t.id, t.c, %s, %s, %s, t.m, t.p, t.i, t.f, '', t.a, %s, %s, %s, now()"
                " FROM jsonb_to_recordset(%s::jsonb) AS t(id bigint, c bigint, m numeric, p numeric, i numeric,"
                " f numeric, a jsonb)",
                [LoanRepayment.Kind.INSTALLMENT, LoanRepayment.Source.BANK, on, entry.pk, b.statement_line_id, actor.pk,
                 data])
            cur.execute("UPDATE loans_loandebit d SET status = d.result, repayment_id = t.id"
                        " FROM jsonb_to_recordset(%s::jsonb) AS t(d bigint, id bigint) WHERE d.id = t.d", [data])
        if excess_of:
            cur.execute("UPDATE loans_loandebit d SET excess = t.x FROM jsonb_to_recordset(%s::jsonb)"
                        " AS t(id bigint, x numeric) WHERE d.id = t.id",
                        [_rows([{"id": i, "x": x} for i, x in excess_of.items()])])
        cur.execute("UPDATE loans_loandebit SET status = result WHERE batch_id = %s AND status = 'sent'", [b.pk])
        if statuses:
            cur.execute(
                "UPDATE loans_loancontract c SET status = t.s, updated_at = now(),"
                " closed_on = CASE WHEN t.s = 'paid_off' THEN %s::date ELSE c.closed_on END"
                " FROM jsonb_to_recordset(%s::jsonb) AS t(id bigint, s text) WHERE c.id = t.id AND c.status <> t.s",
                [on, _rows([{"id": i, "s": v} for i, v in statuses.items()])])
    closed = [c for c, s in statuses.items() if s == C.PAID_OFF]
    for contract in LoanContract.objects.filter(pk__in=closed).select_related("ledger_account", "overdue_account"):
        repayments.close_loan_accounts(contract, actor)


# --- the bank's file of orders ------------------------------------------------------------------------------

ORDER_COLUMNS = [
    tabular.Column("reference", "扣款编号", gettext_lazy("Debit reference")),
    tabular.Column("card", "扣款卡号", gettext_lazy("Bank card")),
    tabular.Column("card_name", "户名", gettext_lazy("Card holder")),
    tabular.Column("amount", "应扣金额", gettext_lazy("Amount")),
    tabular.Column("contract", "合同编号", gettext_lazy("Contract number")),
]


def order_rows(b: LoanDebitBatch):
    """The rows of a batch's order file for the bank (one per order)."""
    for d in b.debits.order_by("id").values("reference", "card", "card_name", "amount", "contract__number"):
        yield {"reference": d["reference"], "card": d["card"], "card_name": d["card_name"],
               "amount": str(d["amount"]), "contract": d["contract__number"]}


def simulate_result(b: LoanDebitBatch, *, partial=(), failed=()) -> list[dict]:
    """The demo's bank: a result for every order of ``b`` (full, half for ``partial`` contract ids, failed for
    ``failed`` ones), as rows for :func:`import_result`."""
    out = []
    for d in b.debits.order_by("id").values("reference", "amount", "contract_id"):
        if d["contract_id"] in failed:
            out.append({"reference": d["reference"], "result": "F", "debited": "0", "reason": "余额不足"})
        elif d["contract_id"] in partial:
            half = (d["amount"] / 2).quantize(Decimal("0.01"))
            out.append({"reference": d["reference"], "result": "P", "debited": str(half),
                        "bank_reference": f"SIM{d['reference']}"})
        else:
            out.append({"reference": d["reference"], "result": "S", "debited": str(d["amount"]),
                        "bank_reference": f"SIM{d['reference']}"})
    return out


def runs_summary(run: BatchRun) -> dict:
    """Counts and amounts of a run's orders by state."""
    from django.db.models import Count, Sum

    agg = LoanDebit.objects.filter(batch__run=run).values("status").annotate(n=Count("id"), amount=Sum("amount"),
                                                                              debited=Sum("debited"))
    return {a["status"]: a for a in agg}


__all__ = ["JOB", "apply_batch", "apply_results", "confirm_result", "import_result", "plan", "run_debits",
           "run_chunk", "simulate_result"]
