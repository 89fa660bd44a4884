"""Celery entry points for deposits and interest. Tasks take ids and years and call one service."""

from celery import group, shared_task

from core import batch
from core.actors import system_actor
from core.business_date import today
from core.models import BatchRun
from deposits import calculations
from deposits.services import interest


@shared_task(name="deposits.settle_interest", time_limit=600, soft_time_limit=540)
def settle_interest(year=None, chunk_size=10000, actor_id=None):
    """Coordinator of the year-end interest (结息): plan the run, then fan out one task per pending chunk.

    ``year``: the calendar year in which the interest year ends; by default the last interest year that is
    over on the business date. Safe to run twice: a settled year posts nothing, a stopped run resumes.
    With eager Celery (no broker) the chunks run here, in order.
    """
    from django.contrib.auth import get_user_model

    if year is None:
        year = calculations.interest_year(today())[0].year  # the year ending on the June 30 before
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else system_actor()
    run, created = interest.plan_settlement(year=int(year), actor=actor, chunk_size=int(chunk_size))
    if run.status == BatchRun.Status.DONE:
        return {"run": run.pk, "year": int(year), "already_settled": True, "chunks": 0}
    chunk_ids = batch.pending_chunks(run)
    group(settle_interest_chunk.si(chunk_id) for chunk_id in chunk_ids).apply_async()
    return {"run": run.pk, "year": int(year), "already_settled": False, "resumed": not created,
            "chunks": len(chunk_ids)}


def start_settlement(*, year, actor, chunk_size=10000) -> dict:
    """Record the settlement run of ``year`` and queue its coordinator; never waits on a task (there is no result
    backend). ``queued`` is False when the broker was unreachable: the run is kept and
    :func:`resume_interest_runs` sends it once the broker is back."""
    run, created = interest.plan_settlement(year=year, actor=actor, chunk_size=chunk_size)
    if run.status == BatchRun.Status.DONE:
        return {"run": run, "created": created, "already_settled": True, "queued": False}
    queued = _queue(run)
    return {"run": run, "created": created, "already_settled": False, "queued": queued}


def _queue(run) -> bool:
    return batch.queue(run, settle_interest, year=run.params["year"], chunk_size=run.params.get("chunk_size", 10000),
                       actor_id=run.started_by_id)


@shared_task(name="deposits.resume_interest_runs", time_limit=300, soft_time_limit=270)
def resume_interest_runs():
    """Beat sweep: send the settlement runs whose coordinator never reached the broker, or stalled."""
    runs = batch.runs_to_queue(interest.JOB)
    return {"runs": len(runs), "queued": sum(_queue(run) for run in runs)}


@shared_task(name="deposits.settle_interest_chunk", time_limit=900, soft_time_limit=840)
def settle_interest_chunk(chunk_id):
    """One chunk of the year-end interest: one journal entry; skipped when the chunk is already done."""
    return {"chunk": chunk_id, "accounts": interest.settle_chunk(int(chunk_id))}


# --- deferral periods, base adjustment, arrears (DOMAIN.md §1.2, §1.5, §1.6) ------------------------------

def _day(value):
    import datetime

    return datetime.date.fromisoformat(value) if value else today()


def _json(result):
    return {k: str(v) if not isinstance(v, int) else v for k, v in result.items()}


@shared_task(name="deposits.deferral_periods", time_limit=600, soft_time_limit=540)
def deferral_periods(on=None):
    """Daily: end deferral and ratio-reduction periods that are over (status and ratios come back), then
    start approved ones whose first month has come. ``on``: ISO date, default the business date."""
    from deposits.services import deferral

    day = _day(on)
    ended = deferral.end_expired_periods(on=day, actor=system_actor())
    started = deferral.start_due_periods(on=day, actor=system_actor())
    return {"on": str(day), "ended": ended, "started": started}


@shared_task(name="deposits.apply_base_adjustments", time_limit=1800, soft_time_limit=1740)
def apply_base_adjustments(on=None):
    """Daily: write the new bases of the deposit year that has begun into the accounts (基数调整)."""
    from deposits.services import base_adjustment

    return _json(base_adjustment.apply_due_adjustments(on=_day(on), actor=system_actor()))


@shared_task(name="deposits.detect_arrears", time_limit=3600, soft_time_limit=3540)
def detect_arrears(on=None):
    """Monthly: record employers' arrears (欠缴) and queue the reminders (催缴). Safe to run twice."""
    from deposits.services import arrears

    return _json(arrears.detect_arrears(on=_day(on), actor=system_actor()))
