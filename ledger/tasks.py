from celery import shared_task

from core.actors import system_actor
from ledger.reconciliation import reconcile


@shared_task(name="ledger.reconcile", time_limit=3600)
def reconcile_task():
    """Nightly three-ledger check; the stored run is shown to finance staff."""
    report = reconcile(actor=system_actor(), save=True)
    return {"ok": report["ok"]}
