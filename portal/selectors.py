"""Reads for the self-service portals. A depositor or an employer agent only ever reaches their own data:
every selector takes the ``viewer`` (a required keyword) and starts from the models' ``visible_to(viewer)``,
then narrows to the viewer's own person or employer; someone else's row is a 404."""

import datetime

from django.core.paginator import Paginator
from django.db.models import F, Q, Sum
from django.http import Http404

from accounts.models import Depositor, Employer, FundAccount
from core import audit, roles
from core.business_date import today
from core.money import ZERO
from core.visibility import employer_id_of, own_rows
from deposits.models import RemittanceLine, RemittanceList
from deposits.services.arrears import months_owed
from deposits.services.remittance import add_months, month_start
from ledger.models import BankAccount
from ledger.selectors import active_holds, lines_with_running_balance


def depositor_of(*, viewer) -> Depositor:
    depositor = None
    if roles.has_role(viewer, roles.DEPOSITOR):
        depositor = Depositor.objects.visible_to(viewer).filter(user=viewer).first()
    if depositor is None:
        raise Http404
    return depositor


def accounts_of(*, viewer):
    if not roles.has_role(viewer, roles.DEPOSITOR):
        return FundAccount.objects.none()
    return (FundAccount.objects.visible_to(viewer).filter(depositor__user=viewer)
            .select_related("employer", "ledger_account", "depositor").order_by("-opened_on", "-pk"))


def current_account(*, viewer):
    """The person's open account, else the most recent closed one."""
    accounts = own_rows("portal_accounts", viewer, lambda user: accounts_of(viewer=user))
    for account in accounts:
        if not account.is_closed:
            return account
    if accounts:
        return accounts[0]
    raise Http404


def account_of(*, viewer, number):
    found = own_rows("portal_account", viewer, lambda user, n: accounts_of(viewer=user).filter(number=n)[:1],
                     (number,))
    if not found:
        raise Http404
    return found[0]


def deposit_history(account, *, viewer, limit=120) -> list[dict]:
    """Posted remittance and supplementary lines by month covered, newest first: the columns the pages show
    (``kind_label`` in words), read as values rather than four model objects a row."""
    rows = own_rows(("deposit_history", limit), viewer, lambda user, pk: (
        RemittanceLine.objects.visible_to(user).filter(account=pk, posted=True).order_by("-month", "-pk")
        .values("month", "base", "employee_amount", "employer_amount", "amount", kind=F("remittance__kind"),
                employer_name=F("remittance__employer__name"),
                posted_on=F("remittance__entry__business_date"))[:limit]), (account.pk,), as_values=True)
    labels = dict(RemittanceList.Kind.choices)
    for row in rows:
        row["kind_label"] = labels.get(row["kind"], row["kind"])
    return rows


def ledger_history(account, *, viewer, limit=100):
    return lines_with_running_balance(account.ledger_account, viewer=viewer, limit=limit)


def holds(account, *, viewer):
    return own_rows("portal_holds", viewer, lambda user, pk: active_holds(pk, viewer=user),
                    (account.ledger_account_id,))


def employer_of(*, viewer) -> Employer:
    employer_id = employer_id_of(viewer)
    employer = Employer.objects.visible_to(viewer).filter(pk=employer_id).first() if employer_id else None
    if employer is None:
        raise Http404
    return employer


def employees(employer, *, viewer):
    return (FundAccount.objects.visible_to(viewer).filter(employer=employer)
            .select_related("depositor", "ledger_account")
            .exclude(status__in=FundAccount.CLOSED_STATUSES).order_by("status", "number"))


def remittances(employer, *, viewer, limit=36):
    return list(RemittanceList.objects.visible_to(viewer).filter(employer=employer).order_by("-month", "-pk")[:limit])


def remittance_of(employer, reference, *, viewer) -> RemittanceList:
    remittance = RemittanceList.objects.visible_to(viewer).filter(employer=employer, reference=reference).first()
    if remittance is None:
        raise Http404
    return remittance


EMPLOYEES_PER_PAGE = 50
EMPLOYEE_QUERY_MAX = 40


def employee_page(employer, *, viewer, q="", page=None, per_page=None):
    """One page of the employer's employees (open accounts), searched by part of the name, the ID number or the
    personal account number. Any page number (missing, text, past the end) gives a page that exists."""
    q = " ".join(str(q or "").split())[:EMPLOYEE_QUERY_MAX]
    qs = employees(employer, viewer=viewer)
    if q:
        qs = qs.filter(Q(depositor__name__icontains=q) | Q(depositor__id_number=q.upper()) | Q(number=q.upper()))
    return Paginator(qs, per_page or EMPLOYEES_PER_PAGE).get_page(page), q


def next_list_month(employer, *, viewer, on=None) -> datetime.date:
    """The month the employer's next monthly list is for: the month after the last one paid (缴至年月) or listed
    (a draft, confirmed or posted monthly list), else the month it opened; never after the business month."""
    current = month_start(on or today())
    listed = (RemittanceList.objects.visible_to(viewer)
              .filter(employer=employer, kind=RemittanceList.Kind.REGULAR,
                      status__in=[RemittanceList.Status.DRAFT, RemittanceList.Status.CONFIRMED,
                                  RemittanceList.Status.POSTED])
              .order_by("-month").values_list("month", flat=True).first())
    last = max([m for m in (employer.paid_up_to, listed) if m is not None], default=None)
    month = add_months(month_start(last), 1) if last else month_start(employer.opened_on)
    return min(month, current)


def collection_account(employer) -> BankAccount | None:
    """The center's deposit-collection account (归集户) the employer pays into: the one at its entrusted bank,
    else the center's first deposit-collection account."""
    accounts = BankAccount.objects.filter(purpose=BankAccount.Purpose.DEPOSIT).order_by("pk")
    return accounts.filter(bank=employer.bank).first() or accounts.first()


DUE_STATUSES = (Employer.Status.NORMAL, Employer.Status.OPENED, Employer.Status.DEFERRED)


def amount_due(employer, *, viewer, on=None) -> dict:
    """What the employer owes now: the confirmed lists waiting for payment (each paid quoting its reference) and
    the months in arrears (DOMAIN.md §1.6, computed as of the business date) less what confirmed lists already
    ask for the same month, so nothing is counted twice. ``total`` is both, to the fen."""
    on = on or today()
    waiting = list(RemittanceList.objects.visible_to(viewer)
                   .filter(employer=employer, status=RemittanceList.Status.CONFIRMED).order_by("month", "pk"))
    listed = dict(RemittanceLine.objects.filter(remittance__in=[r.pk for r in waiting]).values("month")
                  .annotate(s=Sum("amount")).values_list("month", "s")) if waiting else {}
    arrears = []
    if employer.status in DUE_STATUSES:
        for (_employer_id, month), values in sorted(months_owed([employer], on=on).items()):
            due = values["amount_due"] - listed.get(month, ZERO)
            if due > 0:
                arrears.append({"month": month, "headcount": values["headcount"], "deadline": values["deadline"],
                                "expected": values["amount_expected"], "received": values["amount_received"],
                                "due": due})
    lists_total = sum((r.total for r in waiting), ZERO)
    arrears_total = sum((a["due"] for a in arrears), ZERO)
    return {"waiting": waiting, "arrears": arrears, "lists_total": lists_total, "arrears_total": arrears_total,
            "total": lists_total + arrears_total}


ACCESS_LOG_LIMIT = 200


def access_log(*, viewer, limit=ACCESS_LOG_LIMIT) -> list[dict]:
    """Which staff role looked at the viewer's own data, what and when (DESIGN.md §9), newest first: from the
    audit events of staff page views (``core.audit.PERSONAL_DATA_VIEWS``). The roles only, never who."""
    from core.models import AuditEvent

    depositor = depositor_of(viewer=viewer)
    events = (AuditEvent.objects.filter(action__in=list(audit.PERSONAL_DATA_VIEWS), after__depositor=depositor.pk)
              .exclude(actor=viewer).order_by("-created_at", "-id").values("created_at", "action", "after")[:limit])
    return [{"at": e["created_at"], "what": audit.PERSONAL_DATA_VIEWS[e["action"]],
             "roles": [str(roles.ROLE_LABELS.get(r, r)) for r in (e["after"] or {}).get("roles", [])]}
            for e in events]
