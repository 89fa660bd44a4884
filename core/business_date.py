"""The business date (会计日期): drives postings and batch jobs, separate from the wall clock."""

import datetime

from django.db import transaction
from django.utils import timezone


def today() -> datetime.date:
    from core.models import BusinessDay

    row = BusinessDay.objects.filter(pk=1).values_list("current", flat=True).first()
    return row or timezone.localdate()


@transaction.atomic
def set_business_date(*, actor, date: datetime.date):
    from core import bounds
    from core.audit import record
    from core.models import BusinessDay

    bounds.business_date(date)
    before = today()
    obj, _ = BusinessDay.objects.update_or_create(pk=1, defaults={"current": date})
    record(actor=actor, action="business_date.set", obj=obj, before={"date": str(before)},
           after={"date": str(date)})
    return obj
