"""A bank statement file imported by finance: read and imported at once when small; a large file (at least
``settings.LEDGER_STATEMENT_BACKGROUND_ROWS`` rows) becomes a background batch run with a progress bar (the rows
parsed, then the lines written). Both paths parse every row with ``statements.parse_statement`` and write the
statement and its lines with ``statements.store_lines`` in one transaction, so the result is the same: all rows
valid, or nothing is written; a refused file's row errors are kept on the run for the bank page."""

import hashlib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from core import batch, file_runs, roles, tabular
from core.errors import StateError
from core.models import BatchRun
from ledger.models import BankAccount
from ledger.services import statements

JOB = "ledger.statement_import"
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
    return file_runs.plan(job=JOB, scope=bank_account.pk, actor=actor, data=data, rows=rows, params={
        "bank_account_id": bank_account.pk, "bank_account": bank_account.number,
        "actor_id": getattr(actor, "pk", None), "filename": filename, "closing_balance": str(closing),
        "sha256": sha256})


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

    def prepare(run, data, progress):
        params = run.params
        actor = get_user_model().objects.get(pk=params["actor_id"])
        bank_account = BankAccount.objects.get(pk=params["bank_account_id"])
        roles.require_role(actor, *statements.IMPORT_ROLES)
        table = statements.read_statement_file(data, filename=params["filename"])
        return actor, bank_account, statements.parse_statement(table, progress=progress)

    def store(run, prepared):
        actor, bank_account, parsed = prepared
        statement, created = statements.store_lines(
            bank_account=bank_account, parsed=parsed, actor=actor, file_sha256=run.params["sha256"],
            closing=statements.parse_closing_balance(run.params["closing_balance"]))
        return len(parsed), {"statement": statement.pk, "imported": len(created),
                             "skipped": len(parsed) - len(created)}

    return file_runs.execute(run_id, job=JOB, prepare=prepare, store=store)


def runs_of(bank_account):
    return BatchRun.objects.filter(job=JOB, params__bank_account_id=bank_account.pk)


def recent(*, viewer, limit=3):
    """The latest background statement imports, for the bank page (finance, who import them)."""
    if not roles.has_role(viewer, *statements.IMPORT_ROLES):
        return []
    return list(BatchRun.objects.filter(job=JOB).order_by("-id")[:limit])
