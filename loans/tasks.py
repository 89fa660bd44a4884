"""Celery entry points of the loans app. Tasks take years and ids and call one service."""

from celery import shared_task

from core.actors import system_actor
from core.business_date import today


@shared_task(name="loans.reprice", time_limit=3600, soft_time_limit=3540)
def reprice(year=None):
    """January 1: move loans of more than one year to the rate table's rate (DOMAIN.md §4.5). ``year``: default
    the business date's year. Safe to run twice and resumable: a repriced contract has the table's rate."""
    from loans.services.repricing import reprice as run

    return run(year=int(year) if year is not None else today().year, actor=system_actor()).as_dict()
