"""A remittance list uploaded at the counter: read and applied at once when small; a large file (at least
``settings.DEPOSITS_UPLOAD_BACKGROUND_ROWS`` rows) becomes a background batch run with a progress bar (the rows
checked, then the lines replaced). Both paths check every row with ``remittance_files.validate`` and replace the
lines with ``remittance.replace_lines`` in one transaction, so the list ends the same; a refused file changes
nothing and its row errors are kept on the run for the list's page."""


from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from core import batch, file_runs
from core.errors import StateError
from core.models import BatchRun
from deposits.models import RemittanceList
from deposits.services import remittance as remittance_services
from deposits.services import remittance_files

JOB = "deposits.remittance_upload"
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
    return file_runs.plan(job=JOB, scope=remittance.reference, actor=actor, data=data, rows=rows, params={
        "remittance_id": remittance.pk, "reference": remittance.reference, "actor_id": getattr(actor, "pk", None),
        "filename": filename})


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

    def prepare(run, data, progress):
        params = run.params
        actor = get_user_model().objects.get(pk=params["actor_id"])
        remittance = RemittanceList.objects.select_related("employer").get(pk=params["remittance_id"])
        table = remittance_files.read_upload(data, filename=params["filename"])
        rows = remittance_files.validate(employer=remittance.employer, month=remittance.month, table=table,
                                         progress=progress)
        return actor, remittance, rows

    def store(run, prepared):
        actor, remittance, rows = prepared
        done = remittance_services.replace_lines(actor=actor, remittance=remittance, rows=rows)
        return len(rows), {"headcount": done.headcount, "total": str(done.total)}

    return file_runs.execute(run_id, job=JOB, prepare=prepare, store=store)


def runs_of(remittance):
    return BatchRun.objects.filter(job=JOB, params__remittance_id=remittance.pk)


def recent(remittance, *, limit=3):
    """The list's latest background uploads, for its page."""
    return list(runs_of(remittance).order_by("-id")[:limit])
