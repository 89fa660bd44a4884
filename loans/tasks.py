"""Celery entry points of the loans app. Tasks take dates, years and ids and call one service; safe to run twice."""

import datetime

from celery import shared_task

from core.actors import system_actor
from core.business_date import today


@shared_task(name="loans.debit_run", time_limit=3600, soft_time_limit=3500)
def debit_run(on=None, month=False, chunk_size=5000):
    """The bank debit orders for the installments due on ``on`` (ISO date, default: the business date; with
    ``month``, every installment due since the first of the month). A finished run does nothing; an interrupted
    one resumes with the chunks not done."""
    from loans.services import debits

    on = datetime.date.fromisoformat(on) if on else today()
    result = debits.run_debits(on=on, month=bool(month), chunk_size=int(chunk_size), actor=system_actor())
    return {k: result.get(k) for k in ("run", "status", "orders", "amount", "no_card")}


@shared_task(name="loans.apply_debit_results", time_limit=3600, soft_time_limit=3500)
def apply_debit_results():
    """Post the debit batches the bank answered whose credit may be used (from the bank's channel, or a result
    file a second finance person confirmed). An applied batch is never posted again."""
    from loans.services import debits

    return debits.apply_results(actor=system_actor())


@shared_task(name="loans.resume_debit_runs", time_limit=600, soft_time_limit=540)
def resume_debit_runs():
    """Send again the debit runs recorded while the broker was unreachable (or stalled)."""
    from core import batch
    from loans.services import debits

    sent = 0
    for run in batch.runs_to_queue(debits.JOB):
        sent += batch.queue(run, debit_run, on=run.params["on"], month=run.params.get("month", False))
    return sent
@shared_task(name="loans.reprice", time_limit=3600, soft_time_limit=3540)
def reprice(year=None):
    """January 1: move loans of more than one year to the rate table's rate (DOMAIN.md §4.5). ``year``: default
    the business date's year. Safe to run twice and resumable: a repriced contract has the table's rate."""
    from loans.services.repricing import reprice as run

    return run(year=int(year) if year is not None else today().year, actor=system_actor()).as_dict()


@shared_task(name="loans.extend_schedules", time_limit=3600, soft_time_limit=3500)
def extend_schedules(on=None):
    """Store the installments whose due date has come within the horizon (``loans.schedule_horizon_months``)
    from each contract's plan. Safe to run twice."""
    from loans.services.schedules import extend_schedules as run

    return {"rows": run(on=datetime.date.fromisoformat(on) if on else today())}


@shared_task(name="loans.accrue_interest", time_limit=3600, soft_time_limit=3500)
def accrue_interest(on=None):
    """Book to 131 the interest of the installments fallen due by ``on`` (ISO date, default: the business date).
    Safe to run twice."""
    from loans.services.accrual import accrue_interest as run

    return run(actor=system_actor(), on=datetime.date.fromisoformat(on) if on else today())
