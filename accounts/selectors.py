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
from accounts.models import AccountEvent, Depositor, Employer, FundAccount
from core import audit, roles, visibility
from core.identity import resident_id_check_char
from ledger.selectors import active_holds, lines_with_running_balance

SEARCH_LIMIT = 20
ID_LIKE = re.compile(r"^\d{15}$|^\d{17}[\dX]$")
MOBILE_LIKE = re.compile(r"^1[3-9]\d{9}$")
ACCOUNT_LIKE = re.compile(r"^\d{1,19}X?$")  # personal account numbers: digits, a MOD 11-2 check digit or X
TRIGRAM_MIN = 3  # pg_trgm finds a LIKE '%…%' by its trigrams: the text needs three characters
SURNAME_SAMPLE = 200  # people read for a one-character search (the first the index finds)


def _require_reader(user):
    roles.require_role(user, *roles.READ_ROLES)


def fund_accounts(*, viewer):
    """The personal fund accounts the viewer may see, with the person, the employer and the ledger account."""
    return FundAccount.objects.visible_to(viewer).select_related("depositor", "employer", "ledger_account")


def search_kind(q) -> tuple[str, str]:
    """(kind, normalised value) of a search text, so that each kind runs on its own index:
    ``"id"`` an 18-character ID number (a legacy 15-digit one is turned into its 18-character form), ``"phone"``
    a mobile number, ``"account"`` any other string of digits (a personal account number, or nothing), else
    ``"name"`` (the text as typed)."""
    upper = q.upper().replace(" ", "")
    if ID_LIKE.match(upper):
        if len(upper) == 15:  # stored in the 18-character form: century 19 and the check character
            first17 = upper[:6] + "19" + upper[6:]
            upper = first17 + resident_id_check_char(first17)
        return "id", upper
    if MOBILE_LIKE.match(upper):
        return "phone", upper
    if ACCOUNT_LIKE.match(upper):
        return "account", upper
    return "name", q


def search_depositors(*, viewer, q, limit=SEARCH_LIMIT):
    """Accounts whose holder matches ``q``: by exact ID number, mobile phone or account number (an equality on a
    unique or indexed column, see :func:`search_kind`), else by name. A name of three characters or more matches
    anywhere in the name (``LIKE '%…%'``, served by the trigram index of migration accounts 0004 where the server
    has pg_trgm); a shorter one matches the start of the name (a surname, or a two-character full name: no index
    can serve a one- or two-character infix), and a single character (a bare surname) only among the first
    ``SURNAME_SAMPLE`` people it finds. Exact names first, then by name. At most ``limit`` rows; open accounts
    before closed ones."""
    q = (q or "").strip()[:60]
    if not q:
        return []
    kind, value = search_kind(q)
    if kind == "name":
        return list(_search_query(viewer, kind, value)[:limit])
    # an exact search's SQL is the same for every value: compiled once (a name's patterns are made from it)
    return visibility.own_rows(("search", kind, limit), viewer, lambda user, v: _search_query(user, kind, v)[:limit],
                               (value,))


def _search_query(viewer, kind, value):
    rank = Value(0, output_field=IntegerField())
    if kind == "id":
        match = Q(depositor__id_number=value)
    elif kind == "phone":
        match = Q(depositor__phone=value)
    elif kind == "account":
        match = Q(number=value)
    else:
        if len(value) >= TRIGRAM_MIN:
            match = Q(depositor__name__icontains=value)
        elif len(value) == 2:
            match = Q(depositor__name__istartswith=value)
        else:  # a bare surname starts some 7 % of all names: rank a bounded sample of them, not every one
            sample = Depositor.objects.filter(name__istartswith=value).order_by().values("pk")[:SURNAME_SAMPLE]
            match = Q(depositor__in=sample)
        rank = Case(When(depositor__name=value, then=Value(0)), When(depositor__name__istartswith=value,
                    then=Value(1)), default=Value(2), output_field=IntegerField())
    closed = Case(When(status__in=FundAccount.CLOSED_STATUSES, then=Value(1)), default=Value(0),
                  output_field=IntegerField())
    qs = (
        FundAccount.objects.visible_to(viewer).filter(match)
        .select_related("depositor", "employer")
        .annotate(rank=rank, closed=closed)
        .order_by("rank", "closed", "depositor__name", "number")
    )
    return qs


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


def account_detail(*, viewer, number: str) -> AccountDetail:
    """Everything the account page shows, of the account ``number`` (``FundAccount.DoesNotExist`` if the viewer
    may not see it). Records that ``viewer`` looked at this person's data."""
    _require_reader(viewer)
    own_rows = visibility.own_rows
    account = own_rows("account_detail", viewer, lambda user, n: fund_accounts(viewer=user).filter(number=n),
                       (number,), get=True)
    events = own_rows("account_events", viewer, lambda user, pk: AccountEvent.objects.visible_to(user).filter(
        account=pk).select_related("employer", "actor").order_by("-id"), (account.pk,))
    holds = own_rows("active_holds", viewer, lambda user, pk: active_holds(pk, viewer=user),
                     (account.ledger_account_id,))
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
