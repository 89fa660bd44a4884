"""A remittance list uploaded at the counter: read and applied at once when small; a large file (at least
``settings.DEPOSITS_UPLOAD_BACKGROUND_ROWS`` rows) becomes a background batch run with a progress bar (the rows
checked, then the lines replaced). Both paths check every row with ``remittance_files.validate`` and replace the
lines with ``remittance.replace_lines`` in one transaction, so the list ends the same; a refused file changes
nothing and its row errors are kept on the run for the list's page."""

import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from core import batch
from core.errors import ApplicationError, StateError
from core.models import BatchChunk, BatchRun
from deposits.models import RemittanceList
from deposits.services import remittance as remittance_services
from deposits.services import remittance_files

JOB = "deposits.remittance_upload"
MAX_ERRORS_KEPT = 500
LIVE = (BatchRun.Status.PENDING, BatchRun.Status.RUNNING)


def start(*, actor, remittance, filename, data) -> dict:
    """Load the file now (``{"background": False, "remittance"}``) or record a background run and queue it
    (``{"background": True, "run", "queued"}``). A file that cannot be read is refused here, in both cases."""
    remittance_services.check_actor(actor, remittance.employer)
    table = remittance_files.read_upload(data, filename=filename)
    if len(table.rows) < settings.DEPOSITS_UPLOAD_BACKGROUND_ROWS:
        return {"background": False, "remittance": remittance_services.upload_list(
            actor=actor, remittance=remittance, filename=filename, data=data)}
    if remittance.status != RemittanceList.Status.DRAFT:
        raise StateError(_("The remittance list %(r)s is %(s)s; this action is not possible.")
                         % {"r": remittance.reference, "s": remittance.get_status_display()})
    if runs_of(remittance).filter(status__in=LIVE).exists():
        raise StateError(_("A file for this list is still being loaded; wait until it is done."),
                         code="upload_running")
    run = plan(actor=actor, remittance=remittance, filename=filename, data=data, rows=len(table.rows))
    return {"background": True, "run": run, "queued": _queue(run)}


def plan(*, actor, remittance, filename, data, rows) -> BatchRun:
    key = f"{JOB}:{remittance.reference}:{timezone.now():%Y%m%d%H%M%S}:{uuid.uuid4().hex[:8]}"
    path = default_storage.save(f"batch/{key.replace(':', '-')}.bin", ContentFile(bytes(data)))
    run, _created = batch.plan(job=JOB, key=key, ranges=[(1, rows)], actor=actor, total=rows, params={
        "remittance_id": remittance.pk, "reference": remittance.reference, "actor_id": getattr(actor, "pk", None),
        "filename": filename, "path": path})
    return run


def _queue(run) -> bool:
    from deposits.tasks import remittance_upload_run  # the task sits on top of the service

    return batch.queue(run, remittance_upload_run, run_id=run.pk)


def resume_runs() -> dict:
    """Send the runs whose task never reached the broker, or stalled (:func:`core.batch.runs_to_queue`)."""
    runs = batch.runs_to_queue(JOB)
    return {"runs": len(runs), "queued": sum(_queue(run) for run in runs)}


def execute(run_id: int) -> BatchRun:
    """Check the rows (progress every ``remittance_files.PROGRESS_EVERY`` rows), then replace the lines and finish
    the run in one transaction. Rows refused: the run fails with the row errors and the list is unchanged."""
    run = BatchRun.objects.get(pk=run_id, job=JOB)
    if run.status == BatchRun.Status.DONE:
        return run
    BatchRun.objects.filter(pk=run.pk).exclude(status=BatchRun.Status.DONE).update(
        status=BatchRun.Status.RUNNING, started_at=timezone.now())
    params = run.params
    actor = get_user_model().objects.get(pk=params["actor_id"])
    remittance = RemittanceList.objects.select_related("employer").get(pk=params["remittance_id"])
    try:
        with default_storage.open(params["path"], "rb") as stored:
            data = stored.read()
        table = remittance_files.read_upload(data, filename=params["filename"])
        rows = remittance_files.validate(
            employer=remittance.employer, month=remittance.month, table=table,
            progress=lambda n: BatchRun.objects.filter(pk=run.pk).update(processed=min(n, run.total - 1)))
        with transaction.atomic():
            done = remittance_services.replace_lines(actor=actor, remittance=remittance, rows=rows)
            BatchChunk.objects.filter(run=run).update(status=BatchChunk.Status.DONE, items=len(rows),
                                                      finished_at=timezone.now())
            BatchRun.objects.filter(pk=run.pk).update(
                status=BatchRun.Status.DONE, processed=F("total"), finished_at=timezone.now(),
                result={"headcount": done.headcount, "total": str(done.total)})
    except ApplicationError as exc:
        rows_text = list((exc.fields or {}).get("rows", []))
        BatchChunk.objects.filter(run=run).update(status=BatchChunk.Status.FAILED, error=str(exc.message)[:2000])
        BatchRun.objects.filter(pk=run.pk).update(
            status=BatchRun.Status.FAILED, finished_at=timezone.now(),
            result={"message": str(getattr(exc, "summary", "") or exc.message), "errors": rows_text[:MAX_ERRORS_KEPT],
                    "more_errors": max(0, len(rows_text) - MAX_ERRORS_KEPT)})
    default_storage.delete(params["path"])  # loaded or refused: the file is of no further use
    run.refresh_from_db()
    return run


def runs_of(remittance):
    return BatchRun.objects.filter(job=JOB, params__remittance_id=remittance.pk)


def recent(remittance, *, limit=3):
    """The list's latest background uploads, for its page."""
    return list(runs_of(remittance).order_by("-id")[:limit])
