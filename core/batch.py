"""Batch runs: a long job split into id-range chunks, with progress counters and resume.

A coordinator calls :func:`plan` once (idempotent by ``key``); workers call :func:`run_chunk` for
each chunk (a chunk that is already done is skipped, so a crashed run resumes where it stopped).
The chunk's work and its "done" mark commit in the same transaction.
"""

from django.db import transaction
from django.db.models import F
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
    if not BatchChunk.objects.filter(run_id=run_id).exclude(status=BatchChunk.Status.DONE).exists():
        BatchRun.objects.filter(pk=run_id).exclude(status=BatchRun.Status.DONE).update(
            status=BatchRun.Status.DONE, finished_at=timezone.now())
