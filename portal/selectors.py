"""Reads for the self-service portals. A depositor or an employer agent only ever reaches their own data:
every selector takes the ``viewer`` (a required keyword) and starts from the models' ``visible_to(viewer)``,
then narrows to the viewer's own person or employer; someone else's row is a 404."""

from django.db.models import Sum
from django.http import Http404

from accounts.models import Depositor, Employer, FundAccount
from core import audit, roles
from core.visibility import employer_id_of
from deposits.models import RemittanceLine, RemittanceList
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
    accounts = list(accounts_of(viewer=viewer))
    for account in accounts:
        if not account.is_closed:
            return account
    if accounts:
        return accounts[0]
    raise Http404


def account_of(*, viewer, number):
    account = accounts_of(viewer=viewer).filter(number=number).first()
    if account is None:
        raise Http404
    return account


def deposit_history(account, *, viewer, limit=120):
    """Posted remittance and supplementary lines by month covered, newest first."""
    return list(RemittanceLine.objects.visible_to(viewer).filter(account=account, posted=True)
                .select_related("remittance", "remittance__employer", "remittance__entry")
                .order_by("-month", "-pk")[:limit])


def ledger_history(account, *, viewer, limit=100):
    return lines_with_running_balance(account.ledger_account, viewer=viewer, limit=limit)


def holds(account, *, viewer):
    return active_holds(account.ledger_account, viewer=viewer)


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


def amount_due(employer, *, viewer):
    return (RemittanceList.objects.visible_to(viewer).filter(employer=employer, status=RemittanceList.Status.CONFIRMED)
            .aggregate(s=Sum("total"))["s"])


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
