"""Beat schedule, declared in code (django-celery-beat copies it into the admin-editable tables)."""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    # Nightly three-ledger reconciliation (三账平衡); the result is stored and shown to finance staff.
    "ledger-reconcile-nightly": {
        "task": "ledger.reconcile",
        "schedule": crontab(hour=1, minute=30),
    },
}
