"""Reads of employers, depositors and fund accounts for the counter pages.

Every selector takes the ``viewer`` (a required keyword), starts from the model's ``visible_to(viewer)``
(staff see every row, anyone else only their own, an unknown viewer nothing) and does its own
``select_related``, so a page cannot cause N+1 queries. Lists show masked ID and phone numbers
(templates use the ``mask_id``/``mask_phone`` filters); the full ID number appears only on the
account page, and reading that page is recorded as an audit event.
"""

import re
from dataclasses import dataclass

from django.db.models import Case, Count, IntegerField, Q, Value, When

from accounts.contributions import monthly_expression
from accounts.filters import EmployerFilter
from accounts.models import AccountEvent, Employer, FundAccount
from core import audit, roles
from ledger.selectors import active_holds, lines_with_running_balance

SEARCH_LIMIT = 20
ID_LIKE = re.compile(r"^\d{15}$|^\d{17}[\dX]$")


def _require_reader(user):
    roles.require_role(user, *roles.READ_ROLES)


def fund_accounts(*, viewer):
    """The personal fund accounts the viewer may see, with the person, the employer and the ledger account."""
    return FundAccount.objects.visible_to(viewer).select_related("depositor", "employer", "ledger_account")


def search_depositors(*, viewer, q, limit=SEARCH_LIMIT):
    """Accounts whose holder matches ``q``: name (prefix first, then contains), exact ID number,
    account number or mobile phone. At most ``limit`` rows; open accounts before closed ones."""
    q = (q or "").strip()
    if not q:
        return []
    upper = q.upper().replace(" ", "")
    exact = Q(number=upper) | Q(depositor__phone=upper)
    if ID_LIKE.match(upper):
        exact |= Q(depositor__id_number=upper)
        if len(upper) == 15:  # a legacy 15-digit number is stored in its 18-character form
            exact |= Q(depositor__id_number__startswith=upper[:6] + "19" + upper[6:])
    match = exact
    rank = Case(When(exact, then=Value(0)), When(depositor__name__startswith=q, then=Value(1)), default=Value(2),
                output_field=IntegerField())
    if not upper.isdigit() and not ID_LIKE.match(upper):
        match |= Q(depositor__name__icontains=q)
    closed = Case(When(status__in=FundAccount.CLOSED_STATUSES, then=Value(1)), default=Value(0),
                  output_field=IntegerField())
    qs = (
        FundAccount.objects.visible_to(viewer).filter(match)
        .select_related("depositor", "employer")
        .annotate(rank=rank, closed=closed)
        .order_by("rank", "closed", "depositor__name", "number")
    )
    return list(qs[:limit])


@dataclass
class AccountDetail:
    account: FundAccount
    events: list
    holds: list
    lines: list

    @property
    def depositor(self):
        return self.account.depositor

    @property
    def ledger(self):
        return self.account.ledger_account


def account_detail(*, viewer, account: FundAccount) -> AccountDetail:
    """Everything the account page shows. Records that ``viewer`` looked at this person's data."""
    _require_reader(viewer)
    account = fund_accounts(viewer=viewer).get(pk=account.pk)
    events = list(AccountEvent.objects.visible_to(viewer).filter(account=account)
                  .select_related("employer", "actor").order_by("-id"))
    holds = list(active_holds(account.ledger_account, viewer=viewer))
    lines = lines_with_running_balance(account.ledger_account, viewer=viewer, limit=None)
    audit.record_view(viewer=viewer, action="account.view", obj=account, depositor_id=account.depositor_id,
                      number=account.number)
    return AccountDetail(account=account, events=events, holds=holds, lines=lines)


def employers(*, viewer, filters=None):
    """Employers for the list page, with the number of employees by account status, filtered by
    ``accounts.filters.EmployerFilter`` data (``q``: name, account number or USCC; ``status``)."""
    qs = Employer.objects.visible_to(viewer).select_related("suspense_account").annotate(
        active_count=Count("accounts", filter=Q(accounts__status=FundAccount.Status.NORMAL)),
        sealed_count=Count("accounts", filter=Q(accounts__status=FundAccount.Status.SEALED)),
    )
    return EmployerFilter.apply(filters, qs).order_by("account_number")


def employer_employees(*, viewer, employer: Employer):
    """The employer's personal accounts (active first), with person and ledger balance joined."""
    order = Case(When(status=FundAccount.Status.NORMAL, then=Value(0)),
                 When(status=FundAccount.Status.SEALED, then=Value(1)), default=Value(2),
                 output_field=IntegerField())
    return (
        FundAccount.objects.visible_to(viewer).filter(employer=employer)
        .select_related("depositor", "ledger_account")
        .annotate(status_order=order, monthly_amount=monthly_expression())
        .order_by("status_order", "number")
    )


def status_counts(accounts) -> list[tuple[str, int]]:
    """[(status label, count), ...] for a queryset of accounts, in the order of FundAccount.Status."""
    counts = dict(accounts.order_by().values_list("status").annotate(n=Count("id")))
    return [(label, counts[value]) for value, label in FundAccount.Status.choices if value in counts]


def employer_registrations(*, viewer, status=None):
    """Online employer registrations for the counter's queue: the waiting ones first, newest first."""
    from accounts.models import EmployerRegistration

    qs = EmployerRegistration.objects.visible_to(viewer).select_related("decided_by", "employer")
    if status in EmployerRegistration.Status.values:
        qs = qs.filter(status=status)
    return qs.order_by(Case(When(status=EmployerRegistration.Status.PENDING, then=Value(0)), default=Value(1)),
                       "-submitted_at", "-id")


LOOKUP_LIMIT = 10


def lookup_employers(*, viewer, q, limit=LOOKUP_LIMIT) -> list:
    """Employers for an employer field's autocomplete: by account number or USCC (exact or leading part) or by
    name (contains); open employers first, at most ``limit``."""
    q = " ".join("".join(ch for ch in str(q or "") if ch.isprintable()).split())[:60]
    if not q:
        return []
    upper = q.upper().replace(" ", "")
    match = Q(account_number__startswith=upper) | Q(uscc__startswith=upper) | Q(name__icontains=q)
    return list(Employer.objects.visible_to(viewer).filter(match)
                .order_by(Case(When(account_number=upper, then=Value(0)), default=Value(1),
                               output_field=IntegerField()), "status", "name")
                .only("account_number", "name", "status")[:limit])


def lookup_accounts(*, viewer, q, limit=LOOKUP_LIMIT) -> list:
    """Personal accounts for an account field's autocomplete: the depositor search (name, ID number, phone,
    account number) and account numbers starting with what was typed; at most ``limit``."""
    q = " ".join("".join(ch for ch in str(q or "") if ch.isprintable()).split())[:60]
    if not q:
        return []
    rows = search_depositors(viewer=viewer, q=q, limit=limit)
    upper = q.upper().replace(" ", "")
    if len(rows) < limit and upper.isalnum() and upper[:1].isdigit():
        seen = {row.pk for row in rows}
        rows += [row for row in fund_accounts(viewer=viewer).filter(number__startswith=upper).order_by("number")
                 [:limit] if row.pk not in seen][:limit - len(rows)]
    return rows
