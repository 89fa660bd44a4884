"""Matching the bank's receipts started from the staff page: at once when few are waiting, as a background batch
run with a progress bar (id-range chunks of the receipts, run in id order) when at least
``settings.DEPOSITS_MATCH_BACKGROUND_LINES`` are. Both paths book each line with
:func:`deposits.services.remittance.match_incoming`, in id order, so they book the same."""

import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from core import batch, roles
from core.models import BatchRun
from deposits.services.remittance import STATEMENT_ROLES, match_incoming
from ledger import services as ledger_services

JOB = "deposits.match_incoming"
CHUNK_SIZE = 200
COUNTS = ("posted", "employer_suspense", "general_suspense")
MAX_PROBLEMS = 200


def start(*, actor) -> dict:
    """Match now (``{"background": False, "result"}``) or record a background run and queue it
    (``{"background": True, "run", "queued"}``)."""
    roles.require_role(actor, *STATEMENT_ROLES)
    waiting = ledger_services.receipts_usable_by(actor)
    total = waiting.count()
    if total < settings.DEPOSITS_MATCH_BACKGROUND_LINES:
        return {"background": False, "result": match_incoming(actor=actor)}
    run = plan(actor=actor)
    return {"background": True, "run": run, "queued": _queue(run)}


def plan(*, actor) -> BatchRun:
    """The run of the receipts the actor may match now, in chunks of ``CHUNK_SIZE`` ids."""
    roles.require_role(actor, *STATEMENT_ROLES)
    waiting = ledger_services.receipts_usable_by(actor)
    ranges = batch.id_ranges(waiting, CHUNK_SIZE)
    key = f"{JOB}:{timezone.now():%Y%m%d%H%M%S}:{uuid.uuid4().hex[:8]}"
    run, _created = batch.plan(job=JOB, key=key, ranges=ranges, actor=actor,
                               total=waiting.count(),
                               params={"actor_id": getattr(actor, "pk", None)})
    BatchRun.objects.filter(pk=run.pk).update(result={**{k: 0 for k in COUNTS}, "problems": []})
    return run


def _queue(run) -> bool:
    from deposits.tasks import match_incoming_run  # the task sits on top of the service

    return batch.queue(run, match_incoming_run, run_id=run.pk)


def resume_runs() -> dict:
    """Send the runs whose task never reached the broker, or stalled (:func:`core.batch.runs_to_queue`)."""
    runs = batch.runs_to_queue(JOB)
    return {"runs": len(runs), "queued": sum(_queue(run) for run in runs)}


def execute(run_id: int) -> BatchRun:
    """Run the pending chunks in id order (a chunk already done is skipped, so a stopped run resumes)."""
    run = BatchRun.objects.get(pk=run_id, job=JOB)
    actor = get_user_model().objects.get(pk=run.params["actor_id"])
    for chunk_id in batch.pending_chunks(run):
        try:
            batch.run_chunk(chunk_id, lambda lo, hi: _chunk(run.pk, actor, lo, hi))
        except Exception as exc:
            batch.record_failure(chunk_id, exc)
            raise
    run.refresh_from_db()
    return run


def _chunk(run_id, actor, lo, hi) -> int:
    """Match the receipts with ids lo..hi; add what was booked to the run's result (in the chunk's transaction)."""
    out = match_incoming(actor=actor, id_range=(lo, hi))
    run = BatchRun.objects.select_for_update().get(pk=run_id)
    result = dict(run.result or {})
    for key in COUNTS:
        result[key] = result.get(key, 0) + out[key]
    result["problems"] = (result.get("problems", []) + out["problems"])[:MAX_PROBLEMS]
    BatchRun.objects.filter(pk=run_id).update(result=result)
    return sum(out[key] for key in COUNTS)


def recent(*, viewer, limit=5):
    """The latest background matching runs (staff who match)."""
    if not roles.has_role(viewer, *STATEMENT_ROLES):
        return BatchRun.objects.none()
    return BatchRun.objects.filter(job=JOB).order_by("-id")[:limit]
