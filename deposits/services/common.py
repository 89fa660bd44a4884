"""Small helpers shared by the deposits services."""

from accounts.models import AccountEvent

EVENT_BATCH = 2000


def user_or_none(actor):
    return actor if getattr(actor, "pk", None) else None


def account_change_events(rows, *, reason, actor, on) -> int:
    """Bulk-insert one 变更 (70) event per account for a set-based change of base or ratios.

    ``rows``: ``(account_id, status, employer_id)`` triples (e.g. a ``values_list``)."""
    events = [AccountEvent(account_id=pk, business_type=AccountEvent.BusinessType.CHANGE, from_status=status,
                           to_status=status, employer_id=employer_id, business_date=on, reason=reason[:200],
                           actor=user_or_none(actor))
              for pk, status, employer_id in rows]
    AccountEvent.objects.bulk_create(events, batch_size=EVENT_BATCH)
    return len(events)
