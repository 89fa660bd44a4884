"""Reads of the deposits app for staff pages, portals, APIs, tasks and other apps (loans, withdrawals).

Continuity (DOMAIN.md §1.6): a month is *covered* for an account when it has a posted 汇缴/补缴 line
(:class:`RemittanceLine`) or a posted flexible-worker month (:class:`FlexibleDepositMonth`). With the policy
switch ``deposits.deferral_counts_as_continuous`` a month that an approved deferral of the account's employer
covers also counts (DOMAIN.md §1.5). The account's status and employer in a month are those in force on the
month's first day, read from its :class:`AccountEvent` history: an account opened on November 3 is first
expected to be paid for December (the "second month" rule of DOMAIN.md §1.1), one sealed on November 15 is
still expected to be paid for November.
"""

import bisect
import datetime
from collections import defaultdict
from decimal import Decimal

from django.db.models import Case, Count, Exists, F, IntegerField, Max, Min, OuterRef, Q, Sum, Value, When, Window
from django.db.models.functions import Least, RowNumber, TruncMonth

from accounts.contributions import part
from accounts.models import AccountEvent, Employer, FundAccount
from core import policy, roles, workflow
from core.business_date import today
from core.money import ZERO
from deposits.filters import ArrearsFilter, BaseAdjustmentFilter, DeferralFilter, RemittanceFilter
from deposits.models import (
    ArrearsRecord,
    BaseAdjustment,
    BaseAdjustmentLine,
    DeferralApplication,
    DeferredMonth,
    FlexibleDeposit,
    FlexibleDepositMonth,
    RemittanceLine,
    RemittanceList,
)
from ledger import chart
from ledger.models import Account, BankAccount, BankStatementLine
from ledger.selectors import unmatched_incoming


def _month_start(value) -> datetime.date:
    return datetime.date(value.year, value.month, 1)


def _add_months(month: datetime.date, n: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + n
    return datetime.date(index // 12, index % 12 + 1, 1)


def months_between(first, last) -> list[datetime.date]:
    """First days of the months from ``first`` to ``last``, both included."""
    first, last = _month_start(first), _month_start(last)
    out = []
    while first <= last:
        out.append(first)
        first = _add_months(first, 1)
    return out


# --- arrears -----------------------------------------------------------------------------------------

def arrears_list(filters=None, *, viewer):
    """Arrears records for the staff page (or an employer's own in its portal), filtered by
    ``deposits.filters.ArrearsFilter`` data: ``status`` (open/cleared), ``employer``, ``employer_number``,
    ``name`` (part of the employer's name), ``month_from``, ``month_to``, ``min_amount``."""
    qs = ArrearsRecord.objects.visible_to(viewer).select_related("employer")
    return ArrearsFilter.apply(filters, qs).order_by("employer__account_number", "month")


def arrears_by_employer(filters=None, *, viewer):
    """One row per employer: months in arrears, total due, first and last month (open records by default)."""
    f = {"status": ArrearsRecord.Status.OPEN,
         **(filters.dict() if hasattr(filters, "dict") else dict(filters or {}))}
    return (arrears_list(f, viewer=viewer).order_by()
            .values("employer_id", "employer__account_number", "employer__name", "employer__contact_phone")
            .annotate(months=Count("id"), amount_due=Sum("amount_due"), first_month=Min("month"),
                      last_month=Max("month"))
            .order_by("-amount_due", "employer__account_number"))


# --- deferral and ratio reduction --------------------------------------------------------------------

def deferral_applications(filters=None, *, viewer):
    """Deferral and ratio reduction applications, newest first, filtered by ``deposits.filters.DeferralFilter``
    data (``status``, ``kind``, ``employer``)."""
    qs = DeferralApplication.objects.visible_to(viewer).select_related("employer")
    return DeferralFilter.apply(filters, qs).order_by("-id")


def deferral_history(application) -> list:
    """The application's workflow steps (core.models.CaseTransition), oldest first, each with the ``label`` of
    the status it led to."""
    labels = dict(DeferralApplication.Status.choices)
    steps = list(workflow.history(application))
    for step in steps:
        step.label = labels.get(step.to_state, step.to_state)
    return steps


def outstanding_deferred_months(employer, *, viewer, on=None):
    """Deferred months of ``employer`` whose deferral period is over and that are not made up yet (no posted
    remittance line of the employer for the month)."""
    current = _month_start(on or today())
    paid = RemittanceLine.objects.filter(remittance__employer_id=OuterRef("employer_id"), month=OuterRef("month"),
                                         posted=True)
    return (DeferredMonth.objects.visible_to(viewer).filter(employer_id=getattr(employer, "pk", employer),
                                         application__month_to__lt=current)
            .filter(~Exists(paid)).select_related("application").order_by("month"))


def deferral_effect(application) -> dict:
    """What the reviewer sees: the monthly amount of the employer's active accounts before and during the
    period, and the total deferred or saved over the period."""
    rounding = policy.get("deposits.rounding", on=application.month_from)
    accounts = FundAccount.objects.filter(employer_id=application.employer_id, status=FundAccount.Status.NORMAL)
    reduced = application.kind == DeferralApplication.Kind.RATIO_REDUCTION
    ee_after = Least("employee_ratio", Value(application.employee_ratio or ZERO))
    er_after = Least("employer_ratio", Value(application.employer_ratio or ZERO))
    totals = accounts.aggregate(
        headcount=Count("pk"),
        before=Sum(part("base", "employee_ratio", rounding) + part("base", "employer_ratio", rounding)),
        after=Sum(part("base", ee_after, rounding) + part("base", er_after, rounding)))
    headcount = totals["headcount"]
    before = totals["before"] or ZERO
    after = (totals["after"] or ZERO) if reduced else ZERO
    months = len(months_between(application.month_from, application.month_to))
    return {"headcount": headcount, "months": months, "monthly_before": before, "monthly_after": after,
            "monthly_difference": before - after, "total_difference": (before - after) * months}


# --- base adjustment ---------------------------------------------------------------------------------

def adjustment_lines(adjustment, *, viewer):
    """Every line of a base adjustment, in the order of the submitted rows."""
    return (BaseAdjustmentLine.objects.visible_to(viewer).filter(adjustment=adjustment)
            .select_related("account__depositor").order_by("row"))


def clamped_lines(adjustment, *, viewer):
    """The report of a base adjustment: lines raised to the floor or lowered to the cap."""
    return (BaseAdjustmentLine.objects.visible_to(viewer).filter(adjustment=adjustment).exclude(clamped="")
            .select_related("account__depositor").order_by("row"))


def bases_in_force(account_ids, months) -> dict:
    """``{(account_id, month): base}`` where the base of a month differs from the account's current base
    because of an annual adjustment: a waiting adjustment already in force for the month (the daily job has
    not run yet), or an applied one that starts after the month (a late list for an earlier month)."""
    if not hasattr(account_ids, "query"):  # a queryset of ids is used as a subquery
        account_ids = list(account_ids)
        if not account_ids:
            return {}
    months = sorted({_month_start(m) for m in months})
    if not months:
        return {}
    lines = (BaseAdjustmentLine.objects
             .filter(account_id__in=account_ids, adjustment__employer_id=F("account__employer_id"))
             .filter(adjustment__status__in=[BaseAdjustment.Status.PENDING, BaseAdjustment.Status.APPLIED])
             .values_list("account_id", "adjustment__status", "adjustment__effective_from", "old_base", "new_base")
             .order_by("account_id", "adjustment__effective_from"))
    pending_lines = lines.filter(adjustment__status=BaseAdjustment.Status.PENDING,
                                 adjustment__effective_from__lte=months[-1])
    applied_lines = lines.filter(adjustment__status=BaseAdjustment.Status.APPLIED,
                                 adjustment__effective_from__gt=months[0])
    result = {}
    for account_id, _status, effective, old, _new in applied_lines:
        for month in months:  # the earliest adjustment starting after the month holds the month's base
            if month < effective and (account_id, month) not in result:
                result[(account_id, month)] = old
    for account_id, _status, effective, _old, new in pending_lines:
        for month in months:  # ascending dates: the latest adjustment in force wins
            if month >= effective:
                result[(account_id, month)] = new
    return result


def flexible_deposits(*, viewer):
    """Flexible workers' deposits (灵活就业缴存) the viewer may see, latest first."""
    return (FlexibleDeposit.objects.visible_to(viewer).select_related("account__depositor", "statement_line")
            .order_by("-id"))


# --- continuity and gaps -----------------------------------------------------------------------------

def covered_months(account, from_month=None, to_month=None) -> set[datetime.date]:
    """Months with a posted 汇缴/补缴 line or a posted flexible-worker month."""
    account_id = getattr(account, "pk", account)
    lines = RemittanceLine.objects.filter(account_id=account_id, posted=True)
    flexible = FlexibleDepositMonth.objects.filter(account_id=account_id, posted=True)
    if from_month:
        lines, flexible = lines.filter(month__gte=_month_start(from_month)), flexible.filter(
            month__gte=_month_start(from_month))
    if to_month:
        lines, flexible = lines.filter(month__lte=_month_start(to_month)), flexible.filter(
            month__lte=_month_start(to_month))
    return set(lines.values_list("month", flat=True)) | set(flexible.values_list("month", flat=True))


class _Timeline:
    """An account's status and employer on any day, from its event history."""

    def __init__(self, account):
        events = list(AccountEvent.objects.filter(account_id=account.pk).order_by("business_date", "id")
                      .values_list("business_date", "to_status", "employer_id"))
        if not events:  # data loaded without history: the current state since the opening day
            events = [(account.opened_on, account.status, account.employer_id)]
        self.dates = [e[0] for e in events]
        self.states = [(e[1], e[2]) for e in events]

    def at(self, day):
        """(status, employer id) in force on ``day``, or (None, None) before the account was opened."""
        i = bisect.bisect_right(self.dates, day)
        return self.states[i - 1] if i else (None, None)

    def employer_ids(self):
        return {e for _s, e in self.states if e}


def _deferred_months(timeline, months) -> set[datetime.date]:
    """Months in ``months`` that an approved deferral of the account's employer of that month covers."""
    employer_ids = timeline.employer_ids()
    if not employer_ids or not months:
        return set()
    deferred = set(DeferredMonth.objects.filter(employer_id__in=employer_ids, month__gte=min(months),
                                                month__lte=max(months)).values_list("employer_id", "month"))
    out = set()
    for month in months:
        status, employer_id = timeline.at(month)
        if status == FundAccount.Status.NORMAL and (employer_id, month) in deferred:
            out.add(month)
    return out


def _counts_deferred(on):
    return policy.get("deposits.deferral_counts_as_continuous", on=on)


def continuous_months(account, until_month) -> int:
    """Consecutive covered months ending at ``until_month`` ("连续缴存 N 个月"); 0 when that month itself is
    not covered. Pass the last month that should be paid (e.g. the month before the application) if the
    application month is not due yet."""
    until = _month_start(until_month)
    account = account if isinstance(account, FundAccount) else FundAccount.objects.get(pk=account)
    covered = covered_months(account, to_month=until)
    if _counts_deferred(until):
        first = min(covered | {until, _month_start(account.opened_on)})
        covered |= _deferred_months(_Timeline(account), months_between(first, until))
    count, month = 0, until
    while month in covered:
        count += 1
        month = _add_months(month, -1)
    return count


def deposit_gaps(account, from_month, to_month) -> list[datetime.date]:
    """Months from ``from_month`` to ``to_month`` in which the account was normal (正常) on the first day and
    got no 汇缴/补缴 credit (断缴). Deferred months are gaps unless the policy counts them as continuous."""
    account = account if isinstance(account, FundAccount) else FundAccount.objects.get(pk=account)
    months = months_between(from_month, to_month)
    if not months:
        return []
    timeline = _Timeline(account)
    expected = [m for m in months if timeline.at(m)[0] == FundAccount.Status.NORMAL]
    covered = covered_months(account, months[0], months[-1])
    if _counts_deferred(months[-1]):
        covered |= _deferred_months(timeline, expected)
    return [m for m in expected if m not in covered]


def cumulative_months(account, until_month=None) -> int:
    """All covered months up to ``until_month`` (累计缴存月数)."""
    return len(covered_months(account, to_month=until_month))


# --- employers' monthly amounts (arrears) -------------------------------------------------------------

def expected_by_employer_month(employer_months: dict, rounding) -> dict:
    """``{(employer_id, month): (headcount, amount)}`` for the months asked per employer: Σ over the
    employer's active accounts opened before the month ends of base × each ratio, each part rounded.

    One grouped query; each part is rounded by the database function of :mod:`accounts.contributions`."""
    if not employer_months:
        return {}
    groups = defaultdict(list)  # employer -> [(first month the accounts count, headcount, monthly amount)]
    rows = (FundAccount.objects.filter(employer_id__in=list(employer_months), status=FundAccount.Status.NORMAL)
            .values("employer_id", "base", "employee_ratio", "employer_ratio", first=TruncMonth("opened_on"))
            .annotate(n=Count("id"), monthly=part("base", "employee_ratio", rounding)
                      + part("base", "employer_ratio", rounding)).order_by()
            .values_list("employer_id", "first", "n", "monthly"))
    for employer_id, first, n, monthly in rows.iterator(chunk_size=5000):
        groups[employer_id].append((_month_start(first), n, monthly * n))
    out = {}
    for employer_id, months in employer_months.items():
        for month in months:
            members = [(n, amount) for first, n, amount in groups.get(employer_id, ()) if first <= month]
            out[(employer_id, month)] = (sum(n for n, _a in members), sum((a for _n, a in members), ZERO))
    return out


def received_by_employer_month(employer_ids, first_month) -> dict:
    """``{(employer_id, month): amount}`` posted to the employers' active accounts from ``first_month`` on."""
    rows = (RemittanceLine.objects.filter(posted=True, account__employer_id__in=list(employer_ids),
                                          account__status=FundAccount.Status.NORMAL, month__gte=first_month)
            .values("account__employer_id", "month").annotate(total=Sum("amount"))
            .values_list("account__employer_id", "month", "total"))
    return {(e, m): Decimal(t) for e, m, t in rows}


def employers_due(*, viewer, statuses=(Employer.Status.NORMAL, Employer.Status.OPENED, Employer.Status.DEFERRED)):
    return Employer.objects.visible_to(viewer).filter(status__in=statuses)


# --- counter pages: remittance lists, payments, bank statements and suspense --------------------------

BANK_LINES_SHOWN = 200
RECENT_BANK_LINES = 20


def remittance_lists(filters=None, *, viewer):
    """Remittance lists for the counter list page, latest month first, filtered by
    ``deposits.filters.RemittanceFilter`` data: ``q`` (employer account number, payment reference or part of
    the employer's name), ``employer``, ``month``, ``status``, ``kind``."""
    qs = RemittanceList.objects.visible_to(viewer).select_related("employer")
    return RemittanceFilter.apply(filters, qs).order_by("-month", "-id")


def base_adjustments(filters=None, *, viewer):
    """Annual base adjustments by employer, latest year first, filtered by
    ``deposits.filters.BaseAdjustmentFilter`` data (``employer_number``, ``status``, ``effective_from``)."""
    qs = BaseAdjustment.objects.visible_to(viewer).select_related("employer", "submitted_by")
    return BaseAdjustmentFilter.apply(filters, qs).order_by("employer__account_number", "-effective_from", "-id")


def remittance_for_page(*, viewer):
    """Lists with what the detail page shows joined: employer and its suspense, payment, people."""
    return RemittanceList.objects.visible_to(viewer).select_related(
        "employer__suspense_account", "paid_by__bank_account", "created_by", "confirmed_by", "entry",
        "reversal_entry")


def remittance_lines(remittance, *, viewer):
    return (RemittanceLine.objects.visible_to(viewer).filter(remittance=remittance)
            .select_related("account__depositor").order_by("account__number", "month"))


def bank_lines(*, viewer):
    return BankStatementLine.objects.visible_to(viewer).select_related("bank_account")


def payment_candidates(remittance, *, viewer):
    """Unmatched incoming bank lines of exactly the list's total; those quoting its reference first."""
    quoted = Case(When(remark__icontains=remittance.reference, then=Value(0)), default=Value(1),
                  output_field=IntegerField())
    return (unmatched_incoming(viewer=viewer).filter(amount=remittance.total).annotate(quoted=quoted)
            .order_by("quoted", "value_date", "id"))


def bank_overview(*, viewer, shown=BANK_LINES_SHOWN, recent=RECENT_BANK_LINES) -> list[dict]:
    """Per center bank account: its unmatched incoming lines (oldest first, at most ``shown``, each with the
    employer whose name the payer gives, if any) and its latest booked lines (with the list they paid)."""
    if not roles.has_role(viewer, *roles.READ_ROLES):  # the center's own books
        return []
    banks = list(BankAccount.objects.select_related("ledger_account").order_by("bank", "number"))
    if not banks:
        return []
    ids = [b.pk for b in banks]
    open_lines = unmatched_incoming(viewer=viewer).filter(bank_account_id__in=ids)
    stats = {row["bank_account_id"]: row for row in open_lines.order_by().values("bank_account_id")
             .annotate(n=Count("id"), s=Sum("amount"))}
    numbered = Window(RowNumber(), partition_by=[F("bank_account_id")], order_by=[F("value_date").asc(),
                                                                                  F("id").asc()])
    unmatched = list(open_lines.annotate(n=numbered).filter(n__lte=shown).order_by("value_date", "id"))
    names = {line.counterparty_name.strip() for line in unmatched if line.counterparty_name.strip()}
    employers = dict(Employer.objects.filter(name__in=names).exclude(status=Employer.Status.CLOSED)
                     .values_list("name", "account_number")) if names else {}
    for line in unmatched:
        line.suggested_employer = employers.get(line.counterparty_name.strip(), "")
    latest = Window(RowNumber(), partition_by=[F("bank_account_id")], order_by=[F("id").desc()])
    booked = list(BankStatementLine.objects.filter(bank_account_id__in=ids)
                  .exclude(match_status=BankStatementLine.Match.UNMATCHED)
                  .annotate(n=latest).filter(n__lte=recent).prefetch_related("remittances").order_by("-id"))
    by_bank = defaultdict(lambda: {"unmatched": [], "booked": []})
    for line in unmatched:
        by_bank[line.bank_account_id]["unmatched"].append(line)
    for line in booked:
        by_bank[line.bank_account_id]["booked"].append(line)
    return [{"bank": b, "unmatched": by_bank[b.pk]["unmatched"], "booked": by_bank[b.pk]["booked"],
             "unmatched_count": stats.get(b.pk, {}).get("n", 0),
             "unmatched_total": stats.get(b.pk, {}).get("s") or ZERO}
            for b in banks]


def employer_suspense_balances(*, viewer, limit=100):
    """Employers holding unallocated money (largest first), with the number of confirmed lists waiting
    for payment that it could pay."""
    qs = (Employer.objects.visible_to(viewer).filter(suspense_account__balance__gt=0).select_related("suspense_account")
          .annotate(waiting=Count("remittance_lists",
                                  filter=Q(remittance_lists__status=RemittanceList.Status.CONFIRMED)))
          .order_by("-suspense_account__balance", "account_number"))
    if not roles.has_role(viewer, *roles.READ_ROLES):  # the center's suspense: staff only
        return []
    return list(qs[:limit])


def general_suspense_balance():
    return Account.objects.get(code=chart.GENERAL_SUSPENSE).balance


def employer_remittances(employer, *, viewer, limit=24):
    """An employer's latest remittance lists, for its counter page."""
    return list(remittance_lists({"employer": employer}, viewer=viewer)[:limit])


def deferral_case(application) -> dict:
    """What the case pages (counter and employer portal) show: the effect, the history and the ratios before."""
    employer = application.employer
    return {
        "application": application, "effect": deferral_effect(application),
        "transitions": deferral_history(application),
        "ratios_before": (application.previous_employee_ratio or employer.employee_ratio,
                          application.previous_employer_ratio or employer.employer_ratio),
    }
