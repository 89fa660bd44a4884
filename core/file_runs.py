"""Background batch runs over one uploaded file (a large remittance list, a large bank statement): the file is kept
in storage while its run waits, read and checked outside any transaction with progress on the run, then written
in one transaction together with the run's "done" mark; a refused file fails the run with its row errors (the
first ``MAX_ERRORS_KEPT``) and writes nothing. Each job gives the two steps; the run, its single chunk, the file and
the progress are handled here once."""

import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core import batch
from core.errors import ApplicationError
from core.models import BatchChunk, BatchRun

MAX_ERRORS_KEPT = 500


def plan(*, job, scope, actor, data, rows, params) -> BatchRun:
    """A new run of ``job`` for ``rows`` rows of the file ``data`` (stored until the run ends); ``scope`` names
    what it is for in the run's key (a list, a bank account)."""
    key = f"{job}:{scope}:{timezone.now():%Y%m%d%H%M%S}:{uuid.uuid4().hex[:8]}"
    path = default_storage.save(f"batch/{key.replace(':', '-')}.bin", ContentFile(bytes(data)))
    run, _created = batch.plan(job=job, key=key, ranges=[(1, rows)], actor=actor, total=rows,
                               params={**params, "path": path})
    return run


def execute(run_id, *, job, prepare, store) -> BatchRun:
    """Run ``job``'s run ``run_id`` (a done run is left as it is): ``prepare(run, data, progress)`` reads and checks
    the file, reporting rows checked through ``progress(n)``; ``store(run, prepared) -> (items, result)`` writes,
    in the transaction that marks the run done with ``result``. An ``ApplicationError`` from either fails the run
    with its message and row errors and nothing written. The stored file is deleted once the run has ended."""
    run = BatchRun.objects.get(pk=run_id, job=job)
    if run.status == BatchRun.Status.DONE:
        return run
    BatchRun.objects.filter(pk=run.pk).exclude(status=BatchRun.Status.DONE).update(
        status=BatchRun.Status.RUNNING, started_at=timezone.now())
    path = run.params["path"]
    try:
        with default_storage.open(path, "rb") as stored:
            data = stored.read()
        prepared = prepare(run, data, lambda n: BatchRun.objects.filter(pk=run.pk).update(
            processed=min(n, run.total - 1)))
        with transaction.atomic():
            items, result = store(run, prepared)
            BatchChunk.objects.filter(run=run).update(status=BatchChunk.Status.DONE, items=items,
                                                      finished_at=timezone.now())
            BatchRun.objects.filter(pk=run.pk).update(
                status=BatchRun.Status.DONE, processed=F("total"), finished_at=timezone.now(), result=result)
    except ApplicationError as exc:
        rows_text = list((exc.fields or {}).get("rows", []))
        BatchChunk.objects.filter(run=run).update(status=BatchChunk.Status.FAILED, error=str(exc.message)[:2000])
        BatchRun.objects.filter(pk=run.pk).update(
            status=BatchRun.Status.FAILED, finished_at=timezone.now(),
            result={"message": str(getattr(exc, "summary", "") or exc.message), "errors": rows_text[:MAX_ERRORS_KEPT],
                    "more_errors": max(0, len(rows_text) - MAX_ERRORS_KEPT)})
    default_storage.delete(path)  # written or refused: the file is of no further use
    run.refresh_from_db()
    return run
