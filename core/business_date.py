"""The business date (会计日期): drives postings and batch jobs, separate from the wall clock."""

import datetime
from contextvars import ContextVar

from django.db import transaction
from django.utils import timezone

# Within one read-only request (``core.middleware.BusinessDateMiddleware``) the date is read once: a dict for the
# request, None elsewhere (batch jobs, tasks, shells and writing requests read it every time).
_request_memo: ContextVar[dict | None] = ContextVar("business_date_memo", default=None)


def today() -> datetime.date:
    memo = _request_memo.get()
    if memo is None:
        return _read()
    if "today" not in memo:
        memo["today"] = _read()
    return memo["today"]


def _read() -> datetime.date:
    from core import compiled
    from core.models import BusinessDay

    rows = compiled.values_rows(("business_date",), lambda: BusinessDay.objects.filter(pk=1).values("current"), ())
    return rows[0]["current"] if rows else timezone.localdate()


def remember_for_request():
    """Start reading the date once for the current request; returns the token for :func:`forget`."""
    return _request_memo.set({})


def forget(token):
    _request_memo.reset(token)


@transaction.atomic
def set_business_date(*, actor, date: datetime.date):
    from core import bounds
    from core.audit import record
    from core.models import BusinessDay

    bounds.business_date(date)
    before = today()
    obj, _ = BusinessDay.objects.update_or_create(pk=1, defaults={"current": date})
    if (memo := _request_memo.get()) is not None:
        memo.pop("today", None)
    record(actor=actor, action="business_date.set", obj=obj, before={"date": str(before)},
           after={"date": str(date)})
    return obj
