"""A bank statement file imported by finance: read and imported at once when small; a large file (at least
``settings.LEDGER_STATEMENT_BACKGROUND_ROWS`` rows) becomes a background batch run with a progress bar (the rows
parsed, then the lines written). Both paths parse every row with ``statements.parse_statement`` and write the
statement and its lines with ``statements.store_lines`` in one transaction, so the result is the same: all rows
valid, or nothing is written; a refused file's row errors are kept on the run for the bank page."""

import hashlib
import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from core import batch, roles, tabular
from core.errors import ApplicationError, StateError
from core.models import BatchChunk, BatchRun
from ledger.models import BankAccount
from ledger.services import statements

JOB = "ledger.statement_import"
MAX_ERRORS_KEPT = 500
LIVE = (BatchRun.Status.PENDING, BatchRun.Status.RUNNING)


def start(*, actor, bank_account, file, closing_balance, filename=None) -> dict:
    """Import the file now (``{"background": False, "lines"}``) or record a background run and queue it
    (``{"background": True, "run", "queued"}``). A file that cannot be read, or a bad closing balance, is refused
    here in both cases."""
    roles.require_role(actor, *statements.IMPORT_ROLES)
    closing = statements.parse_closing_balance(closing_balance)
    data = file if isinstance(file, bytes) else file.read(tabular.MAX_BYTES + 1)
    filename = filename if filename is not None else getattr(file, "name", None)
    table = statements.read_statement_file(data, filename=filename)
    sha256 = hashlib.sha256(data).hexdigest()
    if len(table.rows) < settings.LEDGER_STATEMENT_BACKGROUND_ROWS:
        return {"background": False, "lines": statements.import_statement(
            bank_account=bank_account, rows=table, closing_balance=closing, actor=actor, file_sha256=sha256)}
    if runs_of(bank_account).filter(status__in=LIVE).exists():
        raise StateError(_("A statement file of this bank account is still being imported; wait until it is done."),
                         code="import_running")
    run = plan(actor=actor, bank_account=bank_account, filename=filename or "", data=data, rows=len(table.rows),
               closing=closing, sha256=sha256)
    return {"background": True, "run": run, "queued": _queue(run)}


def plan(*, actor, bank_account, filename, data, rows, closing, sha256) -> BatchRun:
    key = f"{JOB}:{bank_account.pk}:{timezone.now():%Y%m%d%H%M%S}:{uuid.uuid4().hex[:8]}"
    path = default_storage.save(f"batch/{key.replace(':', '-')}.bin", ContentFile(bytes(data)))
    run, _created = batch.plan(job=JOB, key=key, ranges=[(1, rows)], actor=actor, total=rows, params={
        "bank_account_id": bank_account.pk, "bank_account": bank_account.number,
        "actor_id": getattr(actor, "pk", None), "filename": filename, "path": path,
        "closing_balance": str(closing), "sha256": sha256})
    return run


def _queue(run) -> bool:
    from ledger.tasks import statement_import_run  # the task sits on top of the service

    return batch.queue(run, statement_import_run, run_id=run.pk)


def resume_runs() -> dict:
    """Send the runs whose task never reached the broker, or stalled (:func:`core.batch.runs_to_queue`)."""
    runs = batch.runs_to_queue(JOB)
    return {"runs": len(runs), "queued": sum(_queue(run) for run in runs)}


def execute(run_id: int) -> BatchRun:
    """Parse the rows (progress every ``statements.PROGRESS_EVERY`` rows), then write the statement and its lines
    and finish the run in one transaction. Rows refused: the run fails with the row errors and nothing is written."""
    run = BatchRun.objects.get(pk=run_id, job=JOB)
    if run.status == BatchRun.Status.DONE:
        return run
    BatchRun.objects.filter(pk=run.pk).exclude(status=BatchRun.Status.DONE).update(
        status=BatchRun.Status.RUNNING, started_at=timezone.now())
    params = run.params
    actor = get_user_model().objects.get(pk=params["actor_id"])
    bank_account = BankAccount.objects.get(pk=params["bank_account_id"])
    try:
        roles.require_role(actor, *statements.IMPORT_ROLES)
        with default_storage.open(params["path"], "rb") as stored:
            data = stored.read()
        table = statements.read_statement_file(data, filename=params["filename"])
        parsed = statements.parse_statement(
            table, progress=lambda n: BatchRun.objects.filter(pk=run.pk).update(processed=min(n, run.total - 1)))
        with transaction.atomic():
            statement, created = statements.store_lines(
                bank_account=bank_account, parsed=parsed, actor=actor, file_sha256=params["sha256"],
                closing=statements.parse_closing_balance(params["closing_balance"]))
            BatchChunk.objects.filter(run=run).update(status=BatchChunk.Status.DONE, items=len(parsed),
                                                      finished_at=timezone.now())
            BatchRun.objects.filter(pk=run.pk).update(
                status=BatchRun.Status.DONE, processed=F("total"), finished_at=timezone.now(),
                result={"statement": statement.pk, "imported": len(created), "skipped": len(parsed) - len(created)})
    except ApplicationError as exc:
        rows_text = list((exc.fields or {}).get("rows", []))
        BatchChunk.objects.filter(run=run).update(status=BatchChunk.Status.FAILED, error=str(exc.message)[:2000])
        BatchRun.objects.filter(pk=run.pk).update(
            status=BatchRun.Status.FAILED, finished_at=timezone.now(),
            result={"message": str(getattr(exc, "summary", "") or exc.message), "errors": rows_text[:MAX_ERRORS_KEPT],
                    "more_errors": max(0, len(rows_text) - MAX_ERRORS_KEPT)})
    default_storage.delete(params["path"])  # imported or refused: the file is of no further use
    run.refresh_from_db()
    return run


def runs_of(bank_account):
    return BatchRun.objects.filter(job=JOB, params__bank_account_id=bank_account.pk)


def recent(*, viewer, limit=3):
    """The latest background statement imports, for the bank page (finance, who import them)."""
    if not roles.has_role(viewer, *statements.IMPORT_ROLES):
        return []
    return list(BatchRun.objects.filter(job=JOB).order_by("-id")[:limit])
