"""Celery entry points for withdrawals. Tasks take dates and ids and call one service; safe to run twice."""

import datetime

from celery import shared_task

from core.actors import system_actor
from core.business_date import today


@shared_task(name="withdrawals.run_standing", time_limit=3600, soft_time_limit=3500)
def run_standing(month=None, chunk_size=5000):
    """The month's standing withdrawals (rent, loan offset). ``month``: ISO date, by default the business
    date's month. A finished month does nothing; an interrupted one resumes."""
    from withdrawals.services import standing

    month = datetime.date.fromisoformat(month) if month else today()
    result = standing.run_standing(month=month, chunk_size=int(chunk_size), actor=system_actor())
    return {"run": result["run"], "status": result["status"], "paid": result.get("paid", 0),
            "amount": result.get("amount", "0"), "skipped": len(result.get("skipped", [])),
            "stopped": len(result.get("stopped", []))}


@shared_task(name="withdrawals.sync_bank", time_limit=600, soft_time_limit=540)
def sync_bank():
    """Complete or reopen the withdrawals whose bank instructions the bank answered."""
    from withdrawals import services
    from withdrawals.services import standing

    actor = system_actor()
    return {"single": services.sync_bank(actor=actor), "standing": standing.sync_bank(actor=actor)}
