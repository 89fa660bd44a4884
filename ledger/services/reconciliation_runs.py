"""The three-ledger reconciliation started from the staff page: at once on a small ledger, as a background batch
run with a progress bar (one chunk per check, then the ageing) when the journal is large.

Both paths run the same steps (``ledger.reconciliation.run_step``) and store the same report; the background run
keeps each step's output in its ``result`` until the last step assembles and stores the report."""

import json
import uuid

from django.conf import settings
from django.db import connection
from django.utils import timezone

from core import batch, roles
from core.actors import system_actor
from core.models import BatchRun
from ledger import reconciliation
from ledger.models import ReconciliationRun

JOB = "ledger.reconciliation"


def estimated_journal_lines() -> int:
    """The planner's estimate of the journal lines (no count over a large table)."""
    with connection.cursor() as cur:
        cur.execute("SELECT GREATEST(reltuples, 0)::bigint FROM pg_class WHERE oid = 'ledger_journalline'::regclass")
        row = cur.fetchone()
    return int(row[0]) if row else 0


def runs_in_background() -> bool:
    """A journal of at least ``settings.LEDGER_RECONCILE_BACKGROUND_LINES`` lines is reconciled in the
    background."""
    return estimated_journal_lines() >= settings.LEDGER_RECONCILE_BACKGROUND_LINES


def start(*, actor) -> dict:
    """Reconcile now (``{"background": False, "report"}``) or record a background run and queue it
    (``{"background": True, "run", "queued"}``); finance only, like the reconciliation itself."""
    roles.require_role(actor, *reconciliation.RECONCILE_ROLES)
    if not runs_in_background():
        return {"background": False, "report": reconciliation.reconcile(actor=actor, save=True)}
    run = plan(actor=actor)
    return {"background": True, "run": run, "queued": _queue(run)}


def plan(*, actor) -> BatchRun:
    roles.require_role(actor, *reconciliation.RECONCILE_ROLES)
    key = f"{JOB}:{timezone.now():%Y%m%d%H%M%S}:{uuid.uuid4().hex[:8]}"
    run, _created = batch.plan(job=JOB, key=key, actor=actor, total=reconciliation.STEPS,
                               ranges=[(step, step) for step in range(1, reconciliation.STEPS + 1)])
    return run


def _queue(run) -> bool:
    from ledger.tasks import reconciliation_run  # the task sits on top of the service

    return batch.queue(run, reconciliation_run, run_id=run.pk)


def resume_runs() -> dict:
    """Send the runs whose task never reached the broker, or stalled (:func:`core.batch.runs_to_queue`)."""
    runs = batch.runs_to_queue(JOB)
    return {"runs": len(runs), "queued": sum(_queue(run) for run in runs)}


def execute(run_id: int) -> BatchRun:
    """Run the pending steps of the run in order (a step already done is skipped, so a stopped run resumes)."""
    run = BatchRun.objects.select_related("started_by").get(pk=run_id, job=JOB)
    for chunk_id in batch.pending_chunks(run):
        try:
            batch.run_chunk(chunk_id, lambda lo, hi: _step(run, lo))
        except Exception as exc:
            batch.record_failure(chunk_id, exc)
            raise
    run.refresh_from_db()
    return run


def _step(run: BatchRun, step: int) -> int:
    output = reconciliation.run_step(step)
    with connection.cursor() as cur:
        cur.execute("UPDATE core_batchrun SET result = result || jsonb_build_object(%s::text, %s::jsonb) WHERE id = %s",
                    [f"step:{step}", json.dumps(output), run.pk])
    if step == reconciliation.STEPS:  # the last step: assemble and store the report
        result = BatchRun.objects.values_list("result", flat=True).get(pk=run.pk)
        report = reconciliation.assemble([result[f"step:{n}"] for n in range(1, reconciliation.STEPS + 1)])
        stored = reconciliation.store(report, actor=run.started_by or system_actor())
        with connection.cursor() as cur:  # the steps' outputs now live in the stored report
            cur.execute("UPDATE core_batchrun SET result = (SELECT COALESCE(jsonb_object_agg(key, value), '{}')"
                        " FROM jsonb_each(result) WHERE key NOT LIKE 'step:%%')"
                        " || jsonb_build_object('reconciliation_run', %s::bigint, 'ok', %s::boolean) WHERE id = %s",
                        [stored.pk, report["ok"], run.pk])
    return 1


def stored_run(run: BatchRun) -> ReconciliationRun | None:
    pk = (run.result or {}).get("reconciliation_run")
    return ReconciliationRun.objects.filter(pk=pk).first() if pk else None


def recent(*, viewer, limit=5):
    """The latest background reconciliations (finance, auditors, administrators)."""
    if not roles.has_role(viewer, roles.FINANCE, roles.AUDITOR, roles.SYSADMIN):
        return BatchRun.objects.none()
    return BatchRun.objects.filter(job=JOB).order_by("-id")[:limit]


