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


@shared_task(name="deposits.resume_interest_runs", time_limit=300, soft_time_limit=270)
def resume_interest_runs():
    """Beat sweep: send the settlement runs whose coordinator never reached the broker, or stalled."""
    return interest.resume_runs()


@shared_task(name="deposits.settle_interest_chunk", time_limit=900, soft_time_limit=840)
def settle_interest_chunk(chunk_id):
    """One chunk of the year-end interest: one journal entry; skipped when the chunk is already done."""
    return {"chunk": chunk_id, "accounts": interest.settle_chunk(int(chunk_id))}


@shared_task(name="deposits.match_incoming_run", time_limit=3600, soft_time_limit=3540)
def match_incoming_run(run_id):
    """A matching of many bank receipts started by staff: its chunks in id order, with progress on the run."""
    from deposits.services import matching

    run = matching.execute(int(run_id))
    return {"run": run.pk, "status": run.status}


@shared_task(name="deposits.resume_match_runs", time_limit=300, soft_time_limit=270)
def resume_match_runs():
    """Beat sweep: send the matching runs whose task never reached the broker, or stalled."""
    from deposits.services import matching

    return matching.resume_runs()


@shared_task(name="deposits.remittance_upload_run", time_limit=3600, soft_time_limit=3540)
def remittance_upload_run(run_id):
    """A large remittance list file uploaded at the counter: check its rows, then replace the list's lines."""
    from deposits.services import list_uploads

    run = list_uploads.execute(int(run_id))
    return {"run": run.pk, "status": run.status}


@shared_task(name="deposits.resume_upload_runs", time_limit=300, soft_time_limit=270)
def resume_upload_runs():
    """Beat sweep: send the upload runs whose task never reached the broker, or stalled."""
    from deposits.services import list_uploads

    return list_uploads.resume_runs()


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
