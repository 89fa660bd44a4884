"""The annual statement run (个人住房公积金年度对账单, DOMAIN.md §7.4).

After the June 30 interest settlement, a batch run (:mod:`core.batch`, key ``statements:<year>``) computes every
account's statement for the interest year from the ledger journal, set-based: one ``INSERT … SELECT`` per
id-range chunk of fund accounts. Each line of an account is classified by its entry's business type (DOMAIN.md
§8.3): 01 汇缴 and 73 错缴更正 regular deposits, 02 补缴 back payments, 06/07/08/71 transfers (in when credited,
out when debited), 11/12 and L05 withdrawals (by reason: the withdrawal application paid by the entry or named
by its source, a court deduction, a loan repaid from the fund), 09/98 interest, anything else "other".

The opening balance is the sum of the account's lines before July 1; the closing balance is the ledger's cached
balance less the lines dated after June 30. The identity opening + movements = closing is checked to the fen
for every account; a statement whose identity fails is stored (``identity_ok`` false), counted on the run
(``failed_items``) and keeps the run from being marked done (it ends failed, listing the accounts). Running the
year again rechecks them (e.g. after the ledger was repaired) and completes the run once none fails.

A chunk's statements and its "done" mark commit together: a run killed halfway resumes with the chunks not
done, and an account never gets two statements for one year (unique constraint, ``NOT EXISTS``).
"""

import datetime

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import FundAccount
from core import audit, batch, bounds
from core.errors import InvalidInput, StateError
from core.models import BatchChunk, BatchRun
from deposits import calculations as deposit_calc
from deposits.services import interest
from documents.models import AnnualStatement

JOB = "documents.statements"
JOB_JOURNAL = "documents.statements.journal"
DEFAULT_CHUNK = 10_000  # fund accounts per chunk
DEFAULT_LINE_CHUNK = 500_000  # journal lines per chunk
# Reason codes of withdrawals that are not a withdrawal application of their own.
COURT_DEDUCTION = "JD"
OTHER_WITHDRAWAL = "99"
LOAN_OFFSET = "06"


def run_key(year: int) -> str:
    return f"statements:{year}"


def year_bounds(year: int) -> tuple[datetime.date, datetime.date]:
    """(first day, last day) of the interest year ending on June 30 of ``year``."""
    return deposit_calc.interest_year_ending(int(year))


def accounts_of_year(year: int):
    """The fund accounts that existed during the interest year: opened by its last day, not closed before it."""
    start, last = year_bounds(year)
    return FundAccount.objects.filter(opened_on__lte=last).filter(Q(closed_on__isnull=True) | Q(closed_on__gte=start))


def settled(year: int) -> bool:
    return BatchRun.objects.filter(key=interest.run_key(year), status=BatchRun.Status.DONE).exists()


def _check_settled(year: int):
    if not settled(year):
        raise StateError(
            _(
                "The interest year ending on June 30, %(y)d is not settled yet: statements are built "
                "after the year-end interest settlement has completed."
            )
            % {"y": year},
            code="year_not_settled",
        )


# --- the one computation ----------------------------------------------------------------------------------

# %(…)s parameters: year, run, lo, hi, start, last. Amounts signed from the account's side (credit +).
STATEMENT_SQL = """
WITH acc AS (
    SELECT f.id AS fid, f.ledger_account_id AS lid, f.base, f.employer_ratio, f.employee_ratio, f.paid_up_to,
           a.balance
    FROM accounts_fundaccount f JOIN ledger_account a ON a.id = f.ledger_account_id
    WHERE f.id BETWEEN %(lo)s AND %(hi)s AND f.opened_on <= %(last)s
      AND (f.closed_on IS NULL OR f.closed_on >= %(start)s)
),
cat AS (
    SELECT acc.fid, l.entry_id, l.side, l.business_date,
           CASE WHEN l.side = 'C' THEN l.amount ELSE -l.amount END AS amt, e.business_type AS bt, e.source AS src,
           CASE WHEN l.business_date < %(start)s THEN 'open'
                WHEN l.business_date > %(last)s THEN 'after'
                WHEN e.business_type IN ('01', '73') THEN 'regular'
                WHEN e.business_type = '02' THEN 'back'
                WHEN e.business_type IN ('06', '07', '08', '71') AND l.side = 'C' THEN 'in'
                WHEN e.business_type IN ('06', '07', '08', '71') THEN 'out'
                WHEN e.business_type IN ('11', '12', 'L05') THEN 'wd'
                WHEN e.business_type IN ('09', '98') THEN 'interest'
                ELSE 'other' END AS c
    FROM acc JOIN ledger_journalline l ON l.account_id = acc.lid
    JOIN ledger_journalentry e ON e.id = l.entry_id
),
wd AS (
    SELECT c.fid,
           COALESCE(ws.reason, w.reason,
                    CASE WHEN c.src LIKE 'judicial:%%' THEN %(court)s WHEN c.bt = 'L05' THEN %(loan)s
                         ELSE %(other)s END) AS reason,
           SUM(-c.amt) AS amount
    FROM cat c
    LEFT JOIN ledger_bankinstruction bi ON bi.entry_id = c.entry_id
    LEFT JOIN withdrawals_withdrawalapplication ws
           ON ws.account_id = c.fid
          AND ws.instruction_id = COALESCE(bi.id, CASE WHEN c.src ~ '^instruction:[0-9]{1,18}$'
                                                       THEN substr(c.src, 13)::bigint END)
    LEFT JOIN withdrawals_withdrawalapplication w
           ON ws.id IS NULL
          AND w.id = CASE WHEN c.src ~ '^withdrawal:[0-9]{1,18}$' THEN substr(c.src, 12)::bigint END
    WHERE c.c = 'wd'
    GROUP BY 1, 2
),
wr AS (
    SELECT fid, jsonb_object_agg(reason, amount::text ORDER BY reason) AS j FROM wd WHERE amount <> 0
    GROUP BY fid
),
sums AS (
    SELECT c.fid,
           COALESCE(SUM(c.amt) FILTER (WHERE c.c = 'open'), 0) AS opening,
           COALESCE(SUM(c.amt) FILTER (WHERE c.c = 'regular'), 0) AS regular,
           length(replace(COALESCE(bit_or(1 << ((extract(month FROM c.business_date)::int + 5) %% 12))
                                       FILTER (WHERE c.c = 'regular' AND c.side = 'C'), 0)::bit(12)::text,
                          '0', '')) AS months,
           COALESCE(SUM(c.amt) FILTER (WHERE c.c = 'back'), 0) AS back,
           COALESCE(SUM(c.amt) FILTER (WHERE c.c = 'in'), 0) AS tin,
           COALESCE(SUM(c.amt) FILTER (WHERE c.c = 'out'), 0) AS tout,
           COALESCE(SUM(c.amt) FILTER (WHERE c.c = 'wd'), 0) AS wd,
           COALESCE(SUM(c.amt) FILTER (WHERE c.c = 'interest'), 0) AS interest,
           COALESCE(SUM(c.amt) FILTER (WHERE c.c = 'other'), 0) AS other,
           COALESCE(SUM(c.amt) FILTER (WHERE c.c = 'after'), 0) AS after
    FROM cat c GROUP BY c.fid
),
agg AS (
    SELECT acc.fid, acc.balance, acc.base, acc.employer_ratio, acc.employee_ratio, acc.paid_up_to,
           COALESCE(x.opening, 0) AS opening, COALESCE(x.regular, 0) AS regular, COALESCE(x.months, 0) AS months,
           COALESCE(x.back, 0) AS back, COALESCE(x.tin, 0) AS tin, COALESCE(x.tout, 0) AS tout,
           COALESCE(x.wd, 0) AS wd, COALESCE(x.interest, 0) AS interest, COALESCE(x.other, 0) AS other,
           COALESCE(x.after, 0) AS after
    FROM acc LEFT JOIN sums x ON x.fid = acc.fid
)
INSERT INTO documents_annualstatement
    (year, account_id, run_id, opening, regular, regular_months, back, transfer_in, transfer_out, withdrawn,
     withdrawals, interest, other, closing, identity_ok, base, employer_ratio, employee_ratio, paid_up_to,
     created_at)
SELECT %(year)s, g.fid, %(run)s, g.opening, g.regular, g.months, g.back, g.tin, -g.tout, -g.wd,
       COALESCE(wr.j, '{}'::jsonb),
       g.interest, g.other, g.balance - g.after,
       g.opening + g.regular + g.back + g.tin + g.tout + g.wd + g.interest + g.other = g.balance - g.after,
       g.base, g.employer_ratio, g.employee_ratio, g.paid_up_to, now()
FROM agg g LEFT JOIN wr ON wr.fid = g.fid
ON CONFLICT (year, account_id) DO NOTHING
"""


def compute_range(*, year: int, run_id: int, lo: int, hi: int) -> int:
    """Write the statements of ``year`` still missing for the fund accounts with ids lo..hi (an account that has
    one keeps it: ``ON CONFLICT DO NOTHING``); returns how many were written."""
    start, last = year_bounds(year)
    with connection.cursor() as cur:
        cur.execute(
            STATEMENT_SQL,
            {
                "year": year,
                "run": run_id,
                "lo": lo,
                "hi": hi,
                "start": start,
                "last": last,
                "court": COURT_DEDUCTION,
                "loan": LOAN_OFFSET,
                "other": OTHER_WITHDRAWAL,
            },
        )
        return cur.rowcount


# --- the run in two phases: the journal once by line-id ranges, then the accounts by id ranges ----------------
#
# Reading each account's lines through the (account, date) index is a random read per line; the journal is
# stored in posting order. So the run first reads the journal once, in id ranges of lines (sequential reads),
# and stores each range's partial sums per ledger account, category and withdrawal reason
# (``StatementJournalSum``); then each id range of fund accounts sums its partials, adds the lines posted since
# the journal was read (found through the index: few), reads the cached balances and writes the statements with
# the identity check. The single-pass statement above (``compute_range``) recomputes the accounts whose identity
# failed, in one snapshot.

CATEGORY_SQL = """CASE WHEN l.business_date < %(start)s THEN 'open'
                WHEN l.business_date > %(last)s THEN 'after'
                WHEN e.business_type IN ('01', '73') THEN 'regular'
                WHEN e.business_type = '02' THEN 'back'
                WHEN e.business_type IN ('06', '07', '08', '71') AND l.side = 'C' THEN 'in'
                WHEN e.business_type IN ('06', '07', '08', '71') THEN 'out'
                WHEN e.business_type IN ('11', '12', 'L05') THEN 'wd'
                WHEN e.business_type IN ('09', '98') THEN 'interest'
                ELSE 'other' END"""

JOURNAL_SQL = (
    """
INSERT INTO documents_statementjournalsum (run_id, ledger_account_id, category, reason, amount, months)
SELECT %(run)s, x.account_id, x.c, x.reason, SUM(x.amt), COALESCE(bit_or(x.mbit), 0)
FROM (
    SELECT l.account_id, """
    + CATEGORY_SQL
    + """ AS c,
           CASE WHEN l.business_date BETWEEN %(start)s AND %(last)s AND e.business_type IN ('11', '12', 'L05')
                THEN COALESCE(ws.reason, w.reason,
                              CASE WHEN e.source LIKE 'judicial:%%' THEN %(court)s
                                   WHEN e.business_type = 'L05' THEN %(loan)s ELSE %(other)s END)
                ELSE '' END AS reason,
           CASE WHEN l.side = 'C' THEN l.amount ELSE -l.amount END AS amt,
           CASE WHEN l.side = 'C' AND e.business_type IN ('01', '73')
                     AND l.business_date BETWEEN %(start)s AND %(last)s
                THEN 1 << ((extract(month FROM l.business_date)::int + 5) %% 12) ELSE 0 END AS mbit
    FROM ledger_journalline l
    JOIN ledger_journalentry e ON e.id = l.entry_id
    LEFT JOIN ledger_bankinstruction bi
           ON e.business_type IN ('11', '12', 'L05') AND bi.entry_id = l.entry_id
    LEFT JOIN (withdrawals_withdrawalapplication ws JOIN accounts_fundaccount wf ON wf.id = ws.account_id)
           ON e.business_type IN ('11', '12', 'L05') AND wf.ledger_account_id = l.account_id
          AND ws.instruction_id = COALESCE(bi.id, CASE WHEN e.source ~ '^instruction:[0-9]{1,18}$'
                                                       THEN substr(e.source, 13)::bigint END)
    LEFT JOIN withdrawals_withdrawalapplication w
           ON ws.id IS NULL AND e.business_type IN ('11', '12', 'L05')
          AND w.id = CASE WHEN e.source ~ '^withdrawal:[0-9]{1,18}$' THEN substr(e.source, 12)::bigint END
    WHERE l.id BETWEEN %(lo)s AND %(hi)s
) x
GROUP BY x.account_id, x.c, x.reason
"""
)

ACCOUNTS_SQL = """
WITH acc AS (
    SELECT f.id AS fid, f.ledger_account_id AS lid, f.base, f.employer_ratio, f.employee_ratio, f.paid_up_to,
           a.balance
    FROM accounts_fundaccount f JOIN ledger_account a ON a.id = f.ledger_account_id
    WHERE f.id BETWEEN %(lo)s AND %(hi)s AND f.opened_on <= %(last)s
      AND (f.closed_on IS NULL OR f.closed_on >= %(start)s)
),
parts AS (
    SELECT s.ledger_account_id AS lid, s.category AS c, s.reason, s.amount, s.months
    FROM acc JOIN documents_statementjournalsum s ON s.run_id = %(journal)s AND s.ledger_account_id = acc.lid
),
late AS (
    SELECT l.account_id AS lid, SUM(CASE WHEN l.side = 'C' THEN l.amount ELSE -l.amount END) AS amt
    FROM acc JOIN ledger_journalline l ON l.account_id = acc.lid AND l.id > %(max_line)s
    GROUP BY l.account_id
),
sums AS (
    SELECT lid,
           COALESCE(SUM(amount) FILTER (WHERE c = 'open'), 0) AS opening,
           COALESCE(SUM(amount) FILTER (WHERE c = 'regular'), 0) AS regular,
           length(replace(COALESCE(bit_or(months), 0)::bit(12)::text, '0', '')) AS months,
           COALESCE(SUM(amount) FILTER (WHERE c = 'back'), 0) AS back,
           COALESCE(SUM(amount) FILTER (WHERE c = 'in'), 0) AS tin,
           COALESCE(SUM(amount) FILTER (WHERE c = 'out'), 0) AS tout,
           COALESCE(SUM(amount) FILTER (WHERE c = 'wd'), 0) AS wd,
           COALESCE(SUM(amount) FILTER (WHERE c = 'interest'), 0) AS interest,
           COALESCE(SUM(amount) FILTER (WHERE c = 'other'), 0) AS other,
           COALESCE(SUM(amount) FILTER (WHERE c = 'after'), 0) AS after
    FROM parts GROUP BY lid
),
wr AS (
    SELECT lid, jsonb_object_agg(reason, amount::text ORDER BY reason) AS j
    FROM (SELECT lid, reason, SUM(-amount) AS amount FROM parts WHERE c = 'wd' GROUP BY lid, reason) r
    WHERE amount <> 0 GROUP BY lid
)
INSERT INTO documents_annualstatement
    (year, account_id, run_id, opening, regular, regular_months, back, transfer_in, transfer_out, withdrawn,
     withdrawals, interest, other, closing, identity_ok, base, employer_ratio, employee_ratio, paid_up_to,
     created_at)
SELECT %(year)s, acc.fid, %(run)s, COALESCE(x.opening, 0), COALESCE(x.regular, 0), COALESCE(x.months, 0),
       COALESCE(x.back, 0), COALESCE(x.tin, 0), -COALESCE(x.tout, 0), -COALESCE(x.wd, 0),
       COALESCE(wr.j, '{}'::jsonb), COALESCE(x.interest, 0), COALESCE(x.other, 0),
       acc.balance - COALESCE(x.after, 0) - COALESCE(late.amt, 0),
       COALESCE(x.opening + x.regular + x.back + x.tin + x.tout + x.wd + x.interest + x.other, 0)
           = acc.balance - COALESCE(x.after, 0) - COALESCE(late.amt, 0),
       acc.base, acc.employer_ratio, acc.employee_ratio, acc.paid_up_to, now()
FROM acc LEFT JOIN sums x ON x.lid = acc.lid LEFT JOIN wr ON wr.lid = acc.lid LEFT JOIN late ON late.lid = acc.lid
ON CONFLICT (year, account_id) DO NOTHING
"""


def _planner_settings(cur):
    if connection.in_atomic_block:  # the chunk's transaction: the planner settings the ledger's post_set uses
        cur.execute(
            "SELECT set_config('jit', 'off', true), set_config('random_page_cost', '1.1', true),"
            " set_config('work_mem', '64MB', true)"
        )


def _reasons():
    return {"court": COURT_DEDUCTION, "loan": LOAN_OFFSET, "other": OTHER_WITHDRAWAL}


def sum_journal_range(*, year: int, journal_run_id: int, lo: int, hi: int) -> int:
    """Phase 1: the partial sums of the journal lines with ids lo..hi; returns the rows stored."""
    start, last = year_bounds(year)
    with connection.cursor() as cur:
        _planner_settings(cur)
        cur.execute(
            JOURNAL_SQL, {"run": journal_run_id, "lo": lo, "hi": hi, "start": start, "last": last, **_reasons()}
        )
        return cur.rowcount


def compute_accounts(*, year: int, run_id: int, journal_run_id: int, max_line: int, lo: int, hi: int) -> int:
    """Phase 2: the statements of the fund accounts with ids lo..hi from the partial sums; returns how many were
    written."""
    start, last = year_bounds(year)
    with connection.cursor() as cur:
        _planner_settings(cur)
        cur.execute(
            ACCOUNTS_SQL,
            {
                "year": year,
                "run": run_id,
                "journal": journal_run_id,
                "max_line": max_line,
                "lo": lo,
                "hi": hi,
                "start": start,
                "last": last,
            },
        )
        return cur.rowcount


def _range_work(run: BatchRun, lo: int, hi: int) -> int:
    """An account chunk: its statements, and the identity failures among them counted on the run (same
    transaction)."""
    year = run.params["year"]
    compute_accounts(
        year=year,
        run_id=run.pk,
        journal_run_id=run.params["journal_run"],
        max_line=run.params["max_line"],
        lo=lo,
        hi=hi,
    )
    in_range = AnnualStatement.objects.filter(year=year, account_id__gte=lo, account_id__lte=hi)
    failed = in_range.filter(identity_ok=False).count()
    if failed:
        BatchRun.objects.filter(pk=run.pk).update(failed_items=F("failed_items") + failed)
    return in_range.count()


# --- the run ----------------------------------------------------------------------------------------------


def journal_key(year: int) -> str:
    return f"statements:{year}:journal"


def plan_statements(*, year, actor, chunk_size=DEFAULT_CHUNK, line_chunk=DEFAULT_LINE_CHUNK) -> tuple[BatchRun, bool]:
    """The statement run of ``year`` (created once, with its chunks of accounts) and its journal run (chunks of
    journal line ids, up to the last line posted now). Refused before the year is settled."""
    year = bounds.year(year)
    existing = BatchRun.objects.filter(key=run_key(year)).first()
    if existing is not None:
        return existing, False
    _check_settled(year)
    if int(chunk_size) < 1 or int(line_chunk) < 1:
        raise InvalidInput(_("The chunk size must be at least 1."), code="bad_chunk_size")
    accounts = accounts_of_year(year)
    ranges = batch.id_ranges(accounts, int(chunk_size))
    with transaction.atomic():
        with connection.cursor() as cur:
            cur.execute("SELECT COALESCE(MIN(id), 1), COALESCE(MAX(id), 0) FROM ledger_journalline")
            first, max_line = cur.fetchone()
        size = int(line_chunk)
        line_ranges = [(lo, min(lo + size - 1, max_line)) for lo in range(first, max_line + 1, size)]
        journal, _created = batch.plan(
            job=JOB_JOURNAL,
            key=journal_key(year),
            ranges=line_ranges,
            actor=actor,
            total=max(max_line - first + 1, 0),
            params={"year": year, "line_chunk": size, "max_line": max_line},
        )
        if not line_ranges:  # an empty journal: nothing to read
            BatchRun.objects.filter(pk=journal.pk).update(status=BatchRun.Status.DONE, finished_at=timezone.now())
        run, created = batch.plan(
            job=JOB,
            key=run_key(year),
            ranges=ranges,
            actor=actor,
            total=accounts.count(),
            params={"year": year, "chunk_size": int(chunk_size), "journal_run": journal.pk, "max_line": max_line},
        )
        if created:
            audit.record(
                actor=actor,
                action="statements.plan",
                obj=run,
                after={
                    "year": year,
                    "chunks": len(ranges),
                    "accounts": run.total,
                    "journal_chunks": len(line_ranges),
                    "max_line": max_line,
                },
            )
    return run, created


def journal_run(run: BatchRun) -> BatchRun:
    return BatchRun.objects.get(pk=run.params["journal_run"])


def run_journal_chunk(chunk_id: int) -> int:
    """Phase 1, one chunk of journal lines (skipped when already done); a failure is recorded and re-raised."""
    journal = BatchRun.objects.get(chunks__pk=chunk_id)
    year = journal.params["year"]

    def work(lo, hi):
        sum_journal_range(year=year, journal_run_id=journal.pk, lo=lo, hi=hi)
        return hi - lo + 1  # progress in line ids read

    try:
        return batch.run_chunk(chunk_id, work)
    except Exception as exc:
        batch.record_failure(chunk_id, exc)
        raise


def run_chunk(chunk_id: int) -> int:
    """Phase 2, one chunk of accounts (skipped when already done); refused while the journal is not read
    through; a failure is recorded on the chunk and re-raised."""
    run = BatchRun.objects.get(chunks__pk=chunk_id)
    if journal_run(run).status != BatchRun.Status.DONE:
        raise StateError(
            _("The journal of the year is still being read; the accounts come after it."), code="journal_pending"
        )
    try:
        items = batch.run_chunk(chunk_id, lambda lo, hi: _range_work(run, lo, hi))
    except Exception as exc:
        batch.record_failure(chunk_id, exc)
        raise
    summarise(run.pk)
    return items


def summarise(run_id: int) -> BatchRun:
    """Once every chunk is done: the run is done when every identity holds, else failed with the count of the
    accounts whose identity fails (listed on the run's page). Stores the totals for the staff pages."""
    with transaction.atomic():
        run = BatchRun.objects.select_for_update(of=("self",)).select_related("started_by").get(pk=run_id)
        if run.chunks.exclude(status=BatchChunk.Status.DONE).exists():
            return run
        year = run.params["year"]
        statements = AnnualStatement.objects.filter(year=year)
        failed = statements.filter(identity_ok=False).count()
        result = {**(run.result or {}), "statements": statements.count(), "identity_failures": failed}
        status = BatchRun.Status.FAILED if failed else BatchRun.Status.DONE
        if run.status != status or run.result != result or run.failed_items != failed:
            before = run.status
            run.status, run.result, run.failed_items = status, result, failed
            run.finished_at = run.finished_at if before == status and run.finished_at else timezone.now()
            run.save(update_fields=["status", "result", "failed_items", "finished_at"])
            if before != status:
                audit.record(actor=run.started_by, action=f"statements.{status}", obj=run, after=result)
    return run


def recheck(run: BatchRun) -> int:
    """Compute again the statements whose identity failed (after the ledger was repaired); returns how many
    still fail. Only for a run whose chunks are all done."""
    year = run.params["year"]
    with transaction.atomic():
        BatchRun.objects.select_for_update(of=("self",)).get(pk=run.pk)
        failed = list(AnnualStatement.objects.filter(year=year, identity_ok=False).values_list("account_id", flat=True))
        if failed:
            AnnualStatement.objects.filter(year=year, identity_ok=False).delete()
            for lo, hi in _ranges_of(failed):
                compute_range(year=year, run_id=run.pk, lo=lo, hi=hi)
        still = AnnualStatement.objects.filter(year=year, identity_ok=False).count()
        BatchRun.objects.filter(pk=run.pk).update(failed_items=still)
        audit.record(
            actor=run.started_by,
            action="statements.recheck",
            obj=run,
            after={"rechecked": len(failed), "failing": still},
        )
    summarise(run.pk)
    return still


def _ranges_of(ids):
    """Contiguous runs of ``ids`` as (lo, hi) pairs (a failed account is recomputed alone or with its neighbours
    that failed too; the ones that hold keep their statement: ``ON CONFLICT DO NOTHING``)."""
    out = []
    for pk in sorted(ids):
        if out and pk == out[-1][1] + 1:
            out[-1][1] = pk
        else:
            out.append([pk, pk])
    return [tuple(r) for r in out]


def build_statements(*, year, actor, chunk_size=DEFAULT_CHUNK, line_chunk=DEFAULT_LINE_CHUNK) -> BatchRun:
    """Build (or resume, or recheck) the statements of ``year`` in this process; returns the run.

    A second call for a completed year writes nothing; a call after a run stopped halfway resumes it (finished
    chunks of either phase are skipped); a call on a run that ended with identity failures computes those
    accounts again."""
    run, _created = plan_statements(year=year, actor=actor, chunk_size=chunk_size, line_chunk=line_chunk)
    if run.status == BatchRun.Status.DONE:
        return run
    for chunk_id in batch.pending_chunks(journal_run(run)):
        run_journal_chunk(chunk_id)
    for chunk_id in batch.pending_chunks(run):
        run_chunk(chunk_id)
    run = summarise(run.pk)
    if run.failed_items:
        recheck(run)
    return BatchRun.objects.get(pk=run.pk)


def start_statements(*, year, actor, chunk_size=DEFAULT_CHUNK) -> dict:
    """Record the run of ``year`` and queue its coordinator task (never waits on it). ``queued`` is False when
    the broker was unreachable: the beat sweep (:func:`resume_runs`) sends it later."""
    run, created = plan_statements(year=year, actor=actor, chunk_size=chunk_size)
    if run.status == BatchRun.Status.DONE:
        return {"run": run, "created": created, "already_done": True, "queued": False}
    return {"run": run, "created": created, "already_done": False, "queued": queue(run)}


def resume_runs() -> dict:
    """Send the statement runs whose coordinator never reached the broker, or stalled (either phase)."""
    runs = {run.pk: run for run in batch.runs_to_queue(JOB)}
    for journal in batch.runs_to_queue(JOB_JOURNAL):
        run = BatchRun.objects.filter(key=run_key(journal.params["year"])).first()
        if run is not None:
            runs[run.pk] = run
    return {"runs": len(runs), "queued": sum(queue(run) for run in runs.values())}


def queue(run) -> bool:
    from documents.tasks import build_statements as task  # the coordinator task (tasks sit on top of services)

    return batch.queue(
        run,
        task,
        year=run.params["year"],
        chunk_size=run.params.get("chunk_size", DEFAULT_CHUNK),
        actor_id=run.started_by_id,
    )
