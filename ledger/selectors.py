"""Reads of the ledger for pages, APIs and jobs."""

from django.db.models import Case, DecimalField, F, Sum, When, Window
from django.db.models.functions import Coalesce

from core import roles
from core.money import ZERO
from ledger import chart
from ledger.models import Account, BankAccount, BankStatementLine, Hold, JournalLine


def account_by_code(code) -> Account:
    return Account.objects.get(code=code)


def lines_with_running_balance(account: Account, limit=200):
    """The account's latest lines, newest first, each annotated with ``running`` = balance after it."""
    normal = "D" if account.debit_normal else "C"
    signed = Case(When(side=normal, then=F("amount")), default=-F("amount"),
                  output_field=DecimalField(max_digits=18, decimal_places=2))
    qs = (
        JournalLine.objects.filter(account=account)
        .select_related("entry")
        .annotate(running=Window(expression=Sum(signed), order_by=[F("id").asc()]))
        .order_by("-id")
    )
    return list(qs[:limit])


def active_holds(account: Account):
    return Hold.objects.filter(account=account, status=Hold.Status.ACTIVE).order_by("created_at")


def bank_accounts():
    return BankAccount.objects.select_related("ledger_account").order_by("bank", "number")


def general_suspense() -> Account:
    return Account.objects.get(code=chart.GENERAL_SUSPENSE)


def fund_balance_total():
    return Account.objects.filter(parent__code=chart.HOUSING_FUND).aggregate(
        s=Coalesce(Sum("balance"), ZERO))["s"]


def unmatched_incoming(*, viewer=None):
    """Money received on the center's bank accounts that is not booked yet (staff, or the system, only)."""
    if viewer is not None and not roles.has_role(viewer, *roles.READ_ROLES):
        return BankStatementLine.objects.none()
    return BankStatementLine.objects.filter(match_status=BankStatementLine.Match.UNMATCHED,
                                            direction=BankStatementLine.Direction.CREDIT).select_related("bank_account")


def statement_lines(filters=None, *, viewer=None):
    """Bank statement lines (staff, or the system, only), latest first, filtered by
    ``ledger.filters.StatementLineFilter`` data (``q``, ``bank_account``, ``direction``, ``match_status``,
    ``date_from``, ``date_to``)."""
    from ledger.filters import StatementLineFilter

    if viewer is not None and not roles.has_role(viewer, *roles.READ_ROLES):
        return BankStatementLine.objects.none()
    qs = BankStatementLine.objects.select_related("bank_account", "entry")
    return StatementLineFilter.apply(filters, qs).order_by("-value_date", "-id")


def reconciliation_runs(filters=None, *, viewer=None):
    """Saved three-ledger reconciliations, latest first, filtered by ``ledger.filters.ReconciliationRunFilter``
    data (``ok``, ``date_from``, ``date_to``)."""
    from ledger.filters import ReconciliationRunFilter
    from ledger.models import ReconciliationRun

    if viewer is not None and not roles.has_role(viewer, roles.FINANCE, roles.AUDITOR, roles.SYSADMIN):
        return ReconciliationRun.objects.none()
    return ReconciliationRunFilter.apply(filters, ReconciliationRun.objects.all()).order_by("-id")
