"""Celery entry points for judicial enforcement. Tasks take dates and call one service; safe to run twice."""

import datetime

from celery import shared_task

from core.actors import system_actor


@shared_task(name="judicial.expire_freezes", time_limit=3600, soft_time_limit=3500)
def expire_freezes(on=None):
    """Expire the freezes past their end date and activate the waiting ones. ``on``: ISO date, by default the
    business date."""
    from judicial import services

    day = datetime.date.fromisoformat(on) if on else None
    return services.expire_freezes(actor=system_actor(), on=day)


@shared_task(name="judicial.sync_bank", time_limit=600, soft_time_limit=540)
def sync_bank():
    """Complete or re-freeze the court deductions whose bank instructions the bank answered."""
    from judicial import services

    return services.sync_bank(actor=system_actor())
