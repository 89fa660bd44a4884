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
done, and an account never gets two statements for one year (unique constraint, ``ON CONFLICT DO NOTHING``).
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
DEFAULT_CHUNK = 10_000
# Reason codes of withdrawals that are not a withdrawal application of their own.
COURT_DEDUCTION = "JD"
OTHER_WITHDRAWAL = "99"
LOAN_OFFSET = "06"
LOAN_RECOVERY = "25"  # a deduction of the loans' close of business for an overdue loan


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
# acc: the chunk's accounts with their ledger balance (by primary key, never a scan of all ledger accounts);
# cls: every line of the ledger-account id span of those accounts (one index range scan, lines of other ledger
#      accounts in the span are dropped by the join with acc) classified: 0 before the year, 9 after it, else
#      by its entry's business type, the entries classified once each rather than per line;
# grp: one row per (account, class, withdrawal entry): the lines summed, the months of regular credits as bits;
# piv: one row per account; wdl/wd/wr: the withdrawal entries with their reasons.
STATEMENT_SQL = """
WITH acc AS (
    SELECT f.id AS fid, f.ledger_account_id AS lid, f.base, f.employer_ratio, f.employee_ratio, f.paid_up_to,
           b.balance
    FROM accounts_fundaccount f
    CROSS JOIN LATERAL (SELECT l.balance FROM ledger_account l WHERE l.id = f.ledger_account_id OFFSET 0) b
    WHERE f.id BETWEEN %(lo)s AND %(hi)s AND f.opened_on <= %(last)s
      AND (f.closed_on IS NULL OR f.closed_on >= %(start)s)
),
span AS (SELECT min(lid) AS lo, max(lid) AS hi FROM acc),
cls AS (
    SELECT j.account_id AS lid,
           CASE WHEN j.business_date < %(start)s THEN 0
                WHEN j.business_date > %(last)s THEN 9
                WHEN e.c = 3 AND j.side = 'D' THEN 4
                ELSE e.c END AS c,
           j.entry_id, j.side, j.business_date,
           CASE WHEN j.side = 'C' THEN j.amount ELSE -j.amount END AS amt
    FROM span, ledger_journalline j JOIN (
        SELECT id, CASE WHEN business_type IN ('01', '73') THEN 1
                        WHEN business_type = '02' THEN 2
                        WHEN business_type IN ('06', '07', '08', '71') THEN 3
                        WHEN business_type IN ('11', '12', 'L05') THEN 5
                        WHEN business_type IN ('09', '98') THEN 6
                        ELSE 7 END AS c
        FROM ledger_journalentry) e ON e.id = j.entry_id
    WHERE j.account_id BETWEEN span.lo AND span.hi
    OFFSET 0
),
grp AS (
    SELECT lid, c, CASE WHEN c = 5 THEN entry_id END AS wde, SUM(amt) AS s,
           bit_or(CASE WHEN c = 1 AND side = 'C'
                       THEN 1 << ((extract(month FROM business_date)::int + 5) %% 12) ELSE 0 END) AS m
    FROM cls GROUP BY 1, 2, 3
),
piv AS (
    SELECT g.lid,
           COALESCE(SUM(g.s) FILTER (WHERE g.c = 0), 0) AS opening,
           COALESCE(SUM(g.s) FILTER (WHERE g.c = 1), 0) AS regular,
           length(replace(COALESCE(bit_or(g.m), 0)::bit(12)::text, '0', '')) AS months,
           COALESCE(SUM(g.s) FILTER (WHERE g.c = 2), 0) AS back,
           COALESCE(SUM(g.s) FILTER (WHERE g.c = 3), 0) AS tin,
           COALESCE(SUM(g.s) FILTER (WHERE g.c = 4), 0) AS tout,
           COALESCE(SUM(g.s) FILTER (WHERE g.c = 5), 0) AS wd,
           COALESCE(SUM(g.s) FILTER (WHERE g.c = 6), 0) AS interest,
           COALESCE(SUM(g.s) FILTER (WHERE g.c = 7), 0) AS other,
           COALESCE(SUM(g.s) FILTER (WHERE g.c = 9), 0) AS after
    FROM grp g GROUP BY g.lid
),
agg AS (
    SELECT acc.fid, acc.balance, acc.base, acc.employer_ratio, acc.employee_ratio, acc.paid_up_to,
           COALESCE(p.opening, 0) AS opening, COALESCE(p.regular, 0) AS regular, COALESCE(p.months, 0) AS months,
           COALESCE(p.back, 0) AS back, COALESCE(p.tin, 0) AS tin, COALESCE(p.tout, 0) AS tout,
           COALESCE(p.wd, 0) AS wd, COALESCE(p.interest, 0) AS interest, COALESCE(p.other, 0) AS other,
           COALESCE(p.after, 0) AS after
    FROM acc LEFT JOIN piv p ON p.lid = acc.lid
),
wdl AS (
    SELECT acc.fid, g.wde AS entry_id, g.s AS amt, e.business_type::text AS bt, e.source::text AS src
    FROM grp g JOIN acc ON acc.lid = g.lid JOIN ledger_journalentry e ON e.id = g.wde
    WHERE g.c = 5
),
wd AS (
    SELECT c.fid,
           COALESCE(ws.reason, w.reason,
                    CASE WHEN c.src LIKE 'judicial:%%' THEN %(court)s WHEN c.src = 'loan-cob' THEN %(recovery)s
                         WHEN c.bt = 'L05' THEN %(loan)s
                         ELSE %(other)s END) AS reason,
           SUM(-c.amt) AS amount
    FROM wdl c
    LEFT JOIN ledger_bankinstruction bi ON bi.entry_id = c.entry_id
    LEFT JOIN withdrawals_withdrawalapplication ws
           ON ws.account_id = c.fid
          AND ws.instruction_id = COALESCE(bi.id, CASE WHEN c.src ~ '^instruction:[0-9]{1,18}$'
                                                       THEN substr(c.src, 13)::bigint END)
    LEFT JOIN withdrawals_withdrawalapplication w
           ON ws.id IS NULL
          AND w.id = CASE WHEN c.src ~ '^withdrawal:[0-9]{1,18}$' THEN substr(c.src, 12)::bigint END
    GROUP BY 1, 2
),
wr AS (
    SELECT fid, jsonb_object_agg(reason, amount::text ORDER BY reason) AS j FROM wd WHERE amount <> 0
    GROUP BY fid
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
    one keeps it: ``ON CONFLICT DO NOTHING``); returns how many were written.

    The chunk's lines are read by one range of the (account, date) index, so a chunk costs what its accounts have
    and a million accounts are not a scan of the whole journal per chunk. Planned for many index probes, the
    statement would be JIT-compiled by PostgreSQL (seconds, more than the chunk's own work): off for this
    statement, with room for its aggregate in memory."""
    start, last = year_bounds(year)
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET LOCAL jit = off")
        cur.execute("SET LOCAL work_mem = '64MB'")
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
                "recovery": LOAN_RECOVERY,
                "other": OTHER_WITHDRAWAL,
            },
        )
        return cur.rowcount


def _range_work(run: BatchRun, lo: int, hi: int) -> int:
    """A chunk: its statements, and the identity failures among them counted on the run (same transaction)."""
    year = run.params["year"]
    compute_range(year=year, run_id=run.pk, lo=lo, hi=hi)
    in_range = AnnualStatement.objects.filter(year=year, account_id__gte=lo, account_id__lte=hi)
    failed = in_range.filter(identity_ok=False).count()
    if failed:
        BatchRun.objects.filter(pk=run.pk).update(failed_items=F("failed_items") + failed)
    return in_range.count()


# --- the run ----------------------------------------------------------------------------------------------


def plan_statements(*, year, actor, chunk_size=DEFAULT_CHUNK) -> tuple[BatchRun, bool]:
    """The statement run of ``year`` (created once, with its chunks). Refused before the year is settled."""
    year = bounds.year(year)
    existing = BatchRun.objects.filter(key=run_key(year)).first()
    if existing is not None:
        return existing, False
    _check_settled(year)
    if int(chunk_size) < 1:
        raise InvalidInput(_("The chunk size must be at least 1."), code="bad_chunk_size")
    accounts = accounts_of_year(year)
    ranges = batch.id_ranges(accounts, int(chunk_size))
    with transaction.atomic():
        run, created = batch.plan(
            job=JOB,
            key=run_key(year),
            ranges=ranges,
            actor=actor,
            total=accounts.count(),
            params={"year": year, "chunk_size": int(chunk_size)},
        )
        if created:
            audit.record(
                actor=actor,
                action="statements.plan",
                obj=run,
                after={"year": year, "chunks": len(ranges), "accounts": run.total},
            )
    return run, created


def run_chunk(chunk_id: int) -> int:
    """One chunk (skipped when already done); a failure is recorded on the chunk and re-raised."""
    run = BatchRun.objects.get(chunks__pk=chunk_id)
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


def build_statements(*, year, actor, chunk_size=DEFAULT_CHUNK) -> BatchRun:
    """Build (or resume, or recheck) the statements of ``year`` in this process; returns the run.

    A second call for a completed year writes nothing; a call after a run stopped halfway resumes it (finished
    chunks are skipped); a call on a run that ended with identity failures computes those accounts again."""
    run, _created = plan_statements(year=year, actor=actor, chunk_size=chunk_size)
    if run.status == BatchRun.Status.DONE:
        return run
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
    return {"run": run, "created": created, "already_done": False, "queued": _queue(run)}


def resume_runs() -> dict:
    runs = batch.runs_to_queue(JOB)
    return {"runs": len(runs), "queued": sum(_queue(run) for run in runs)}


def _queue(run) -> bool:
    from documents.tasks import build_statements as task  # the coordinator task (tasks sit on top of services)

    return batch.queue(
        run,
        task,
        year=run.params["year"],
        chunk_size=run.params.get("chunk_size", DEFAULT_CHUNK),
        actor_id=run.started_by_id,
    )
