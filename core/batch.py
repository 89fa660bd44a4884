"""Batch runs: a long job split into id-range chunks, with progress counters and resume.

A coordinator calls :func:`plan` once (idempotent by ``key``); workers call :func:`run_chunk` for
each chunk (a chunk that is already done is skipped, so a crashed run resumes where it stopped).
The chunk's work and its "done" mark commit in the same transaction.

Starting a run never waits on a task: the run is recorded first (:func:`plan`), then its coordinator task is
sent (:func:`queue`). A message the broker could not take is logged and the run stays unqueued; a beat sweep
(:func:`runs_to_queue`) sends it again once the broker is back, so a run is never lost. Sending twice is
harmless: a chunk that is done is skipped, and a chunk is locked while it runs.
"""

import datetime
import logging

from django.db import connection, transaction
from django.db.models import F, Max
from django.utils import timezone

from core.models import BatchChunk, BatchRun


def id_ranges(queryset, size):
    """[(lo, hi), ...] covering the ids of ``queryset`` in chunks of at most ``size`` rows."""
    ids = list(queryset.order_by("pk").values_list("pk", flat=True))
    return [(ids[i], ids[min(i + size, len(ids)) - 1]) for i in range(0, len(ids), size)]


@transaction.atomic
def plan(*, job, key, ranges, params=None, actor, total=None) -> tuple[BatchRun, bool]:
    """Create the run and its chunks, or return the existing run with the same key. -> (run, created)"""
    run, created = BatchRun.objects.get_or_create(
        key=key, defaults={"job": job, "params": params or {}, "started_by": actor if getattr(actor, "pk", None)
                           else None, "total": total or 0})
    if created:
        BatchChunk.objects.bulk_create([BatchChunk(run=run, lo=lo, hi=hi) for lo, hi in ranges])
    return run, created


def run_chunk(chunk_id, work):
    """Run ``work(lo, hi) -> items`` for a pending chunk; mark it done in the same transaction."""
    with transaction.atomic():
        chunk = BatchChunk.objects.select_for_update(of=("self",)).select_related("run").get(pk=chunk_id)
        if chunk.status == BatchChunk.Status.DONE:
            return 0
        run = chunk.run
        if run.status == BatchRun.Status.PENDING:
            BatchRun.objects.filter(pk=run.pk, status=BatchRun.Status.PENDING).update(
                status=BatchRun.Status.RUNNING, started_at=timezone.now())
        items = work(chunk.lo, chunk.hi)
        chunk.status, chunk.items, chunk.error, chunk.finished_at = BatchChunk.Status.DONE, items, "", timezone.now()
        chunk.save(update_fields=["status", "items", "error", "finished_at"])
        BatchRun.objects.filter(pk=run.pk).update(processed=F("processed") + items)
    _finish_if_complete(run.pk)
    return items


def record_failure(chunk_id, error):
    BatchChunk.objects.filter(pk=chunk_id).exclude(status=BatchChunk.Status.DONE).update(
        status=BatchChunk.Status.FAILED, error=str(error)[:2000])
    BatchRun.objects.filter(chunks__pk=chunk_id).update(status=BatchRun.Status.FAILED)


def pending_chunks(run):
    return list(run.chunks.exclude(status=BatchChunk.Status.DONE).order_by("lo").values_list("pk", flat=True))


def _finish_if_complete(run_id):
    """Mark the run done once every chunk is; a run whose work counted failed items (``failed_items``, e.g. a
    statement whose identity does not hold) is not marked done: its job decides what to do with them."""
    if not BatchChunk.objects.filter(run_id=run_id).exclude(status=BatchChunk.Status.DONE).exists():
        BatchRun.objects.filter(pk=run_id, failed_items=0).exclude(status=BatchRun.Status.DONE).update(
            status=BatchRun.Status.DONE, finished_at=timezone.now())


logger = logging.getLogger(__name__)


def _broker_errors():
    from kombu.exceptions import OperationalError

    errors = [OperationalError, OSError]
    try:
        from redis.exceptions import RedisError

        errors.append(RedisError)
    except ImportError:  # pragma: no cover - redis is a dependency
        pass
    return tuple(errors)


def queue(run: BatchRun, task, **kwargs) -> bool:
    """Send ``task`` (the run's coordinator) with ``kwargs``; True when the broker took the message (then the
    run records when). With no broker configured the task runs here, eagerly. Never raises for a broker that
    cannot be reached: the run stays unqueued for :func:`runs_to_queue`."""
    try:
        task.apply_async(kwargs=kwargs)
    except _broker_errors() as exc:
        logger.warning("Batch run %s (%s) not queued, the task broker is unreachable: %s; the sweep will send it",
                       run.pk, run.key, exc)
        return False
    with connection.cursor() as cur:  # merged into the current result: an eager run may have stored its totals
        cur.execute("UPDATE core_batchrun SET result = result || jsonb_build_object('queued_at', %s::text)"
                    " WHERE id = %s", [timezone.now().isoformat(), run.pk])
    return True


def runs_to_queue(job: str, *, stalled_after=datetime.timedelta(minutes=30)):
    """The runs of ``job`` not finished whose coordinator must be sent (again): never queued, or queued and
    with no chunk finished for ``stalled_after`` (e.g. the broker lost the messages). Failed runs are left to
    staff, who resume them."""
    now = timezone.now()
    out = []
    runs = (BatchRun.objects.filter(job=job, status__in=[BatchRun.Status.PENDING, BatchRun.Status.RUNNING])
            .annotate(last_chunk=Max("chunks__finished_at")).order_by("pk"))
    for run in runs:
        queued_at = run.result.get("queued_at") if isinstance(run.result, dict) else None
        if queued_at is None:
            out.append(run)
            continue
        last = max(filter(None, [datetime.datetime.fromisoformat(queued_at), run.last_chunk, run.started_at]))
        if now - last >= stalled_after:
            out.append(run)
    return out
