from celery import shared_task

from core.actors import system_actor
from ledger.reconciliation import reconcile


@shared_task(name="ledger.reconcile", time_limit=3600)
def reconcile_task():
    """Nightly three-ledger check; the stored run is shown to finance staff."""
    report = reconcile(actor=system_actor(), save=True)
    return {"ok": report["ok"]}


@shared_task(name="ledger.reconciliation_run", time_limit=3600)
def reconciliation_run(run_id):
    """A reconciliation started by finance on a large ledger: its steps in order, with progress on the run."""
    from ledger.services import reconciliation_runs

    run = reconciliation_runs.execute(int(run_id))
    return {"run": run.pk, "status": run.status}


@shared_task(name="ledger.statement_import_run", time_limit=3600, soft_time_limit=3540)
def statement_import_run(run_id):
    """A large bank statement file imported by finance: parse its rows, then write the statement and its lines."""
    from ledger.services import statement_imports

    run = statement_imports.execute(int(run_id))
    return {"run": run.pk, "status": run.status}


@shared_task(name="ledger.resume_statement_import_runs", time_limit=300, soft_time_limit=270)
def resume_statement_import_runs():
    """Beat sweep: send the statement import runs whose task never reached the broker, or stalled."""
    from ledger.services import statement_imports

    return statement_imports.resume_runs()


@shared_task(name="ledger.resume_reconciliation_runs", time_limit=300, soft_time_limit=270)
def resume_reconciliation_runs():
    """Beat sweep: send the reconciliation runs whose task never reached the broker, or stalled."""
    from ledger.services import reconciliation_runs

    return reconciliation_runs.resume_runs()
