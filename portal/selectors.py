"""Reads for the self-service portals. A depositor or an employer agent only ever reaches their own data:
every lookup starts from the logged-in user."""

from django.db.models import Sum
from django.http import Http404

from accounts.models import Employer, FundAccount
from core import roles
from deposits.models import RemittanceLine, RemittanceList
from ledger.selectors import active_holds, lines_with_running_balance


def depositor_of(user):
    depositor = getattr(user, "depositor", None) if roles.has_role(user, roles.DEPOSITOR) else None
    if depositor is None:
        raise Http404
    return depositor


def accounts_of(user):
    return (FundAccount.objects.filter(depositor=depositor_of(user))
            .select_related("employer", "ledger_account", "depositor").order_by("-opened_on", "-pk"))


def current_account(user):
    """The person's open account, else the most recent closed one."""
    accounts = list(accounts_of(user))
    for account in accounts:
        if not account.is_closed:
            return account
    if accounts:
        return accounts[0]
    raise Http404


def account_of(user, number):
    account = accounts_of(user).filter(number=number).first()
    if account is None:
        raise Http404
    return account


def deposit_history(account, limit=120):
    """Posted remittance and supplementary lines by month covered, newest first."""
    return list(RemittanceLine.objects.filter(account=account, posted=True)
                .select_related("remittance", "remittance__employer", "remittance__entry")
                .order_by("-month", "-pk")[:limit])


def ledger_history(account, limit=100):
    return lines_with_running_balance(account.ledger_account, limit=limit)


def holds(account):
    return active_holds(account.ledger_account)


def employer_of(user) -> Employer:
    agent = getattr(user, "employer_agent", None) if roles.has_role(user, roles.EMPLOYER_AGENT) else None
    if agent is None:
        raise Http404
    return agent.employer


def employees(employer):
    return (employer.accounts.select_related("depositor", "ledger_account")
            .exclude(status__in=FundAccount.CLOSED_STATUSES).order_by("status", "number"))


def remittances(employer, limit=36):
    return list(employer.remittance_lists.order_by("-month", "-pk")[:limit])


def remittance_of(employer, reference) -> RemittanceList:
    remittance = employer.remittance_lists.filter(reference=reference).first()
    if remittance is None:
        raise Http404
    return remittance


def amount_due(employer):
    return (employer.remittance_lists.filter(status=RemittanceList.Status.CONFIRMED)
            .aggregate(s=Sum("total"))["s"])
