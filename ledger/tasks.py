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
