"""Shared pieces of the judicial services: periods by authority, identification of the person, locks."""

import datetime

from django.utils.translation import gettext as _

from accounts.models import Depositor, FundAccount
from core import policy
from core.errors import InvalidInput, NotFound
from judicial.models import Authority, Freeze

PERIOD_KEYS = {
    Authority.COURT: "judicial.freeze_months",
    Authority.PUBLIC_SECURITY: "judicial.freeze_months.public_security",
    Authority.PROCURATORATE: "judicial.freeze_months.procuratorate",
    Authority.SUPERVISION: "judicial.freeze_months.supervision",
}


def add_months(day: datetime.date, n: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + n
    year, month = index // 12, index % 12 + 1
    last = [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28, 31, 30, 31, 30, 31, 31, 30, 31,
            30, 31][month - 1]
    return datetime.date(year, month, min(day.day, last))


def freeze_months(authority, on) -> int:
    return policy.get(PERIOD_KEYS[authority], on=on)


def default_end(authority, start: datetime.date) -> datetime.date:
    """The last day of a freeze starting on ``start`` for the authority's period (e.g. 12 months for a court)."""
    return add_months(start, freeze_months(authority, start)) - datetime.timedelta(days=1)


def identify(*, id_number, name) -> Depositor | None:
    """The person by ID number AND name (never by an account number alone). An ID number whose name differs is
    refused; an unknown ID number is ``None``."""
    person = Depositor.objects.filter(id_number=(id_number or "").strip().upper()).first()
    if person is None:
        return None
    if person.name.strip() != (name or "").strip():
        raise InvalidInput(_("The ID number and the name do not match the center's records."),
                           code="identity_mismatch", fields={"person_name": [_("The name does not match.")]})
    return person


def account_of(person: Depositor, account_number="") -> FundAccount:
    """The person's fund account to act on: the one named (it must be theirs) or their account not closed."""
    qs = FundAccount.objects.filter(depositor=person).select_related("ledger_account")
    if account_number:
        acc = qs.filter(number=account_number.strip()).first()
        if acc is None:
            raise InvalidInput(_("Account %(n)s does not belong to this person.") % {"n": account_number},
                               code="account_mismatch", fields={"account_number": [_("Not this person's account.")]})
        return acc
    acc = qs.exclude(status__in=FundAccount.CLOSED_STATUSES).order_by("-id").first()
    if acc is None:
        raise NotFound(_("This person has no open fund account."), code="no_account")
    return acc


def lock_freezes(qs):
    """Lock the freezes of ``qs`` in id order (after the ledger accounts) and return them."""
    return list(qs.select_for_update(of=("self",)).order_by("pk"))


def live_freeze(*, court, number) -> Freeze:
    """The court's own freeze with request number ``number`` (renew, unfreeze, deduct name it)."""
    freeze = Freeze.objects.filter(court=court, request__number=(number or "").strip()).select_related(
        "request").first()
    if freeze is None:
        raise NotFound(_("This court has no freeze with request number %(n)s.") % {"n": number},
                       code="unknown_freeze", fields={"original_number": [_("No such freeze of this court.")]})
    return freeze
