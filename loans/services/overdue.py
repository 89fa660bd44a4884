"""The overdue classification on demand (DOMAIN.md §5.1): the daily close of business
(:mod:`loans.services.close_of_business`) up to a date, with the counts of what it moved. The rules (grace days,
the 121 → 122 move of overdue principal and back, 正常 / 逾期) live in the close of business only."""

import datetime

from core.business_date import today
from loans.services import close_of_business as cob


def classify_overdue(*, actor, on: datetime.date | None = None) -> dict:
    """Close the business dates not closed yet up to ``on`` (default: the business date) and return what they
    did: {"moved": loans whose 122 sub-account moved, "overdue": loans overdue after the last date,
    "became_overdue": installments' loans that went overdue, "cured": loans back to 正常}. Safe to run twice:
    closed dates are not run again."""
    result = cob.close_business(actor=actor, until=on or today())
    closed = result["closed"]
    total = {"moved": 0, "became_overdue": 0, "cured": 0}
    for day in closed:
        for key in total:
            total[key] += int(day.get(key, 0) or 0)
    from loans.models import LoanContract

    total["overdue"] = LoanContract.objects.filter(status=LoanContract.Status.OVERDUE).count()
    total["dates"] = result["dates"]
    return total
