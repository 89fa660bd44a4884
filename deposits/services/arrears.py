"""Arrears (欠缴) detection and reminders (催缴), DOMAIN.md §1.6.

A month is in arrears for an employer when it comes after the employer's paid-up-to month (缴至年月), its
deadline (the employer's payday in that month + ``deposits.deadline_days``) is before the business date, an
approved deferral does not cover it, and what the employer's active accounts received for it is less than
what they should have received: Σ base × employee ratio + base × employer ratio, each part rounded per
policy, over the accounts active in the month (normal now, opened before the month ends).

:func:`detect_arrears` recomputes every open month from the current data with a handful of queries, stores
one :class:`ArrearsRecord` per employer and month (running it twice changes nothing; a month paid since is
cleared, one unpaid again reopened) and writes one reminder per employer, channel and calendar month into the
center's outbox (:class:`core.models.Notification`, recipient the employer: its portal inbox and an SMS to its
contact phone), delivered by ``core.workflow.send`` after the transaction commits.
"""

import datetime

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from core import audit, policy, workflow
from core.business_date import today
from core.models import Notification
from core.money import ZERO, format_yuan
from deposits import selectors
from deposits.models import ArrearsRecord, DeferredMonth
from deposits.services.remittance import add_months, month_start

BATCH = 2000
REMINDER_CHANNELS = (Notification.Channel.INBOX, Notification.Channel.SMS)
UPDATED_FIELDS = ["headcount", "amount_expected", "amount_received", "amount_due", "deadline", "status",
                  "checked_on", "cleared_on"]


def deadline(month, payday, deadline_days) -> datetime.date:
    """Last day to pay ``month``: the payday in that month plus the deadline days (DOMAIN.md §1.4)."""
    return datetime.date(month.year, month.month, payday) + datetime.timedelta(days=deadline_days)


def months_overdue(*, paid_up_to, opened_on, payday, on, deadline_days) -> list[datetime.date]:
    """Months after the paid-up-to month (or from the opening month) whose deadline is before ``on``."""
    first = add_months(paid_up_to, 1) if paid_up_to else month_start(opened_on)
    last = month_start(on)
    while last >= first and deadline(last, payday, deadline_days) >= on:
        last = add_months(last, -1)
    return selectors.months_between(first, last) if last >= first else []


def _reminder_text(employer, records):
    months = sorted(r.month for r in records)
    total = sum((r.amount_due for r in records), ZERO)
    shown = "、".join(f"{m:%Y-%m}" for m in months[:12]) + ("…" if len(months) > 12 else "")
    return _("Reminder to pay (催缴): %(e)s (employer account %(n)s) has not paid its housing provident fund "
             "deposits in full for %(c)d month(s): %(months)s. The amount due is ¥%(a)s. Please pay it without "
             "delay with the monthly list or a supplementary payment; the center may otherwise order payment "
             "within a time limit and apply to the court for enforcement.") % {
        "e": employer.name, "n": employer.account_number, "c": len(months), "months": shown,
        "a": format_yuan(total)}


def months_owed(employers, *, on, p=None) -> dict:
    """``{(employer_id, month): values}`` of the months in arrears of ``employers`` (Employer rows) as of ``on``:
    headcount, amount expected, received and due, deadline. A read: :func:`detect_arrears` stores it and the
    employer portal shows one employer's live."""
    p = p or policy.snapshot("deposits.", on=on)
    employers = {e.pk: e for e in employers}
    wanted = {}
    for e in employers.values():
        months = months_overdue(paid_up_to=e.paid_up_to, opened_on=e.opened_on, payday=e.payday, on=on,
                                deadline_days=p["deposits.deadline_days"])
        if months:
            wanted[e.pk] = months
    deferred = set()
    if wanted:
        first = min(m[0] for m in wanted.values())
        deferred = set(DeferredMonth.objects.filter(employer_id__in=list(wanted), month__gte=first)
                       .values_list("employer_id", "month"))
        wanted = {e: [m for m in months if (e, m) not in deferred] for e, months in wanted.items()}
        wanted = {e: months for e, months in wanted.items() if months}
    expected = selectors.expected_by_employer_month(wanted, p["deposits.rounding"])
    received = (selectors.received_by_employer_month(list(wanted), min(m[0] for m in wanted.values()))
                if wanted else {})

    result = {}
    for employer_id, months in wanted.items():
        payday = employers[employer_id].payday
        for month in months:
            headcount, amount = expected[(employer_id, month)]
            got = received.get((employer_id, month), ZERO)
            if amount - got > 0:
                result[(employer_id, month)] = dict(
                    headcount=headcount, amount_expected=amount, amount_received=got, amount_due=amount - got,
                    deadline=deadline(month, payday, p["deposits.deadline_days"]))
    return result


@transaction.atomic
def detect_arrears(*, on=None, actor) -> dict:
    """Find, store and remind employers' arrears as of the business date ``on``. Idempotent."""
    on = on or today()
    p = policy.snapshot("deposits.", on=on)
    employers = {e.pk: e for e in selectors.employers_due(viewer=actor).only(
        "pk", "name", "account_number", "payday", "paid_up_to", "opened_on", "status", "contact_phone")}
    owed = months_owed(employers.values(), on=on, p=p)

    existing = {(r.employer_id, r.month): r for r in ArrearsRecord.objects.filter(
        employer_id__in={e for e, _m in owed}, month__in={m for _e, m in owed})} if owed else {}
    new, changed = [], []
    for key, values in owed.items():
        record = existing.get(key)
        if record is None:
            new.append(ArrearsRecord(employer_id=key[0], month=key[1], status=ArrearsRecord.Status.OPEN,
                                     detected_on=on, checked_on=on, **values))
            continue
        values = {**values, "status": ArrearsRecord.Status.OPEN, "cleared_on": None}
        if any(getattr(record, f) != v for f, v in values.items()):
            for f, v in values.items():
                setattr(record, f, v)
            record.checked_on = on
            changed.append(record)
    ArrearsRecord.objects.bulk_create(new, batch_size=BATCH)
    ArrearsRecord.objects.bulk_update(changed, UPDATED_FIELDS, batch_size=BATCH)
    # Open records no longer owed (paid since, deferred, employer closed): cleared.
    still_open = ArrearsRecord.objects.filter(status=ArrearsRecord.Status.OPEN)
    stale = [pk for pk, e, m in still_open.values_list("pk", "employer_id", "month") if (e, m) not in owed]
    cleared = 0
    for start in range(0, len(stale), BATCH):
        cleared += ArrearsRecord.objects.filter(pk__in=stale[start:start + BATCH]).update(
            status=ArrearsRecord.Status.CLEARED, cleared_on=on, checked_on=on)

    reminders = _remind(employers, owed, on)
    result = {"employers": len({e for e, _m in owed}), "months": len(owed), "new": len(new),
              "updated": len(changed), "cleared": cleared, "reminders": reminders,
              "amount_due": sum((v["amount_due"] for v in owed.values()), ZERO)}
    audit.record(actor=actor, action="arrears.detect", object_type="deposits.arrearsrecord", object_id="",
                 after={**result, "on": on})
    return result


def reminder_key(employer_id, on, channel) -> str:
    """One reminder per employer, calendar month and channel (``core.workflow.notify``'s key convention)."""
    return f"arrears:{employer_id}:{on:%Y-%m}:{channel}"


def _remind(employers, owed, on) -> int:
    """Queue the reminders (催缴) with bulk inserts; a second run in the same month writes nothing."""
    per_employer = {}
    for (employer_id, month), values in owed.items():
        per_employer.setdefault(employer_id, []).append(ArrearsRecord(month=month, amount_due=values["amount_due"]))
    if not per_employer:
        return 0
    keys = [reminder_key(e, on, c) for e in per_employer for c in REMINDER_CHANNELS]
    known = set(Notification.objects.filter(key__in=keys).values_list("key", flat=True))
    employer_type = ContentType.objects.get_for_model(type(next(iter(employers.values()))))
    rows = []
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Reminder to pay housing provident fund deposits")
        for employer_id, records in sorted(per_employer.items()):
            employer = employers[employer_id]
            body = _reminder_text(employer, records)
            for channel in REMINDER_CHANNELS:
                key = reminder_key(employer_id, on, channel)
                address = employer.contact_phone if channel == Notification.Channel.SMS else ""
                if key in known or (channel == Notification.Channel.SMS and not address):
                    continue
                rows.append(Notification(recipient_type=employer_type, recipient_id=employer_id, channel=channel,
                                         address=address, subject=subject, body=body, key=key))
    created = Notification.objects.bulk_create(rows, batch_size=BATCH)
    ids = [n.pk for n in created if n.pk]
    if ids:
        transaction.on_commit(lambda: workflow.send(ids))
    return len(rows)
