"""Reads of overdue monitoring (DOMAIN.md §5.3, §5.4): the overdue ratio by both definitions, the supervision
buckets, the trend by month, the collection workbench's list and a loan's collection log, the monthly credit-report
file. Every figure comes from the loans' 121 / 122 ledger balances and the overdue figures the daily close of
business keeps (:class:`loans.models.LoanOverdueState`), never from a loan's future installments."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import Q
from django.utils.translation import gettext_lazy

from core import roles, tabular
from core.errors import Forbidden
from ledger import chart
from loans import calculations as calc
from loans.models import (
    CollectionLog,
    DefaulterEntry,
    LoanActionRequest,
    LoanCloseOfBusiness,
    LoanContract,
    LoanOverdueState,
    RiskGradeChange,
)

BUCKET_LABELS = {  # how long overdue
    "m1_3": gettext_lazy("1–3 months"),
    "m3_6": gettext_lazy("3–6 months"),
    "m6_12": gettext_lazy("6–12 months"),
    "y1_3": gettext_lazy("1–3 years"),
    "y3": gettext_lazy("Over 3 years"),
}

FIGURES_SQL = f"""
WITH balance AS (
    SELECT COALESCE(SUM(a.balance), 0) AS total
      FROM ledger_account a JOIN ledger_account p ON p.id = a.parent_id
     WHERE p.code IN ('{chart.ENTRUSTED_LOANS}', '{chart.OVERDUE_LOANS}')),
overdue AS (
    SELECT s.dpd, s.periods, s.principal, s.interest, s.penalty, s.outstanding
      FROM loans_loanoverduestate s JOIN loans_loancontract c ON c.id = s.contract_id
     WHERE s.periods > 0 AND c.status = ANY(%s))
SELECT (SELECT total FROM balance),
       COUNT(*), COALESCE(SUM(principal), 0), COALESCE(SUM(interest), 0), COALESCE(SUM(penalty), 0),
       COALESCE(SUM(outstanding), 0),
       COUNT(*) FILTER (WHERE dpd BETWEEN 1 AND 90),
       COALESCE(SUM(principal) FILTER (WHERE dpd BETWEEN 1 AND 90), 0),
       COUNT(*) FILTER (WHERE dpd BETWEEN 91 AND 180),
       COALESCE(SUM(principal) FILTER (WHERE dpd BETWEEN 91 AND 180), 0),
       COUNT(*) FILTER (WHERE dpd BETWEEN 181 AND 360),
       COALESCE(SUM(principal) FILTER (WHERE dpd BETWEEN 181 AND 360), 0),
       COUNT(*) FILTER (WHERE dpd BETWEEN 361 AND 1080),
       COALESCE(SUM(principal) FILTER (WHERE dpd BETWEEN 361 AND 1080), 0),
       COUNT(*) FILTER (WHERE dpd > 1080), COALESCE(SUM(principal) FILTER (WHERE dpd > 1080), 0),
       COUNT(*) FILTER (WHERE periods >= 6), COALESCE(SUM(outstanding) FILTER (WHERE periods >= 6), 0),
       COALESCE(SUM(principal) FILTER (WHERE periods < 6 AND dpd BETWEEN 91 AND 180), 0)
  FROM overdue
"""


def permille(part: Decimal, whole: Decimal) -> Decimal:
    if not whole:
        return Decimal("0.00")
    return (part * 1000 / whole).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def portfolio_figures(*, on: datetime.date | None = None) -> dict:
    """The overdue ratio in ‰ and the buckets (DOMAIN.md §5.3) from the last close of business: the loan balance
    (121 + 122), the overdue loans and their overdue principal / interest / penalty, the buckets by days past due
    (months of 30 days, years of 360: count and overdue principal), the loans overdue ≥ 6 periods (count and
    outstanding balance).

    * generic: overdue principal / loan balance × 1000;
    * supervision ([YLGJJ]): (overdue principal of the loans 3–6 months overdue + outstanding balance of the loans
      overdue ≥ 6 periods) / loan balance × 1000. A loan both 3–6 months and ≥ 6 periods overdue counts once, with
      its outstanding balance.

    Amounts are strings (JSON-safe: stored with each closed date for the trend)."""
    with connection.cursor() as cur:
        cur.execute(FIGURES_SQL, [[LoanContract.Status.NORMAL, LoanContract.Status.OVERDUE]])
        r = cur.fetchone()
    total, count, principal, interest, penalty, outstanding = r[:6]
    buckets = {}
    for i, key in enumerate(calc.overdue.BUCKETS):
        buckets[key] = {"count": r[6 + 2 * i], "amount": str(r[7 + 2 * i])}
    six_count, six_outstanding, m36_below_six = r[16], r[17], r[18]
    # a loan both 3–6 months and ≥ 6 periods overdue is in the second term with its whole balance, once
    supervision_numerator = m36_below_six + six_outstanding
    return {
        "on": on.isoformat() if on else None,
        "balance": str(total),
        "overdue_count": count,
        "overdue_principal": str(principal),
        "overdue_interest": str(interest),
        "overdue_penalty": str(penalty),
        "overdue_outstanding": str(outstanding),
        "buckets": buckets,
        "six_periods": {"count": six_count, "amount": str(six_outstanding)},
        "ratio_generic": str(permille(principal, total)),
        "ratio_supervision": str(permille(supervision_numerator, total)),
    }


def _staff(viewer):
    if not roles.has_role(viewer, *roles.READ_ROLES):
        raise Forbidden(_no_access())
    return viewer


def _no_access():
    from django.utils.translation import gettext as _

    return _("Your role does not allow this action.")


def overview(*, viewer, on=None) -> dict:
    """The dashboard: the figures now and the trend by month (the last closed date of each month)."""
    _staff(viewer)
    closes = LoanCloseOfBusiness.objects.filter(status=LoanCloseOfBusiness.Status.DONE).order_by("business_date")
    by_month = {}
    for cob in closes.only("business_date", "result"):
        figures = (cob.result or {}).get("figures")
        if figures:
            by_month[cob.business_date.strftime("%Y-%m")] = figures
    return {
        "figures": portfolio_figures(on=on),
        "trend": [
            {"month": m, "generic": f["ratio_generic"], "supervision": f["ratio_supervision"]}
            for m, f in sorted(by_month.items())
        ][-24:],
        "last_closed": closes.values_list("business_date", flat=True).last(),
    }


def workbench(*, viewer, grade="", min_dpd=None, max_dpd=None, q=""):
    """The overdue loans for the collection workbench: grade, days past due, contract number or borrower name."""
    _staff(viewer)
    qs = LoanOverdueState.objects.filter(
        periods__gt=0, contract__status__in=[LoanContract.Status.NORMAL, LoanContract.Status.OVERDUE]
    ).select_related("contract", "contract__borrower")
    if grade:
        qs = qs.filter(grade=grade)
    if min_dpd is not None:
        qs = qs.filter(dpd__gte=min_dpd)
    if max_dpd is not None:
        qs = qs.filter(dpd__lte=max_dpd)
    if q:
        qs = qs.filter(Q(contract__number__icontains=q) | Q(contract__borrower__name__icontains=q))
    return qs.order_by("-dpd", "contract_id")


def grade_counts(*, viewer) -> dict:
    from django.db.models import Count

    _staff(viewer)
    rows = (
        LoanOverdueState.objects.filter(periods__gt=0).values("grade").annotate(n=Count("contract")).order_by("grade")
    )
    return {r["grade"]: r["n"] for r in rows}


def collection_case(*, viewer, contract: LoanContract) -> dict:
    """A loan's collection page: its overdue figures, log, grade history, defaulter entries and action
    requests."""
    _staff(viewer)
    return {
        "contract": contract,
        "state": LoanOverdueState.objects.filter(contract=contract).first(),
        "log": CollectionLog.objects.filter(contract=contract).select_related("created_by").order_by("-on", "-id"),
        "grades": RiskGradeChange.objects.filter(contract=contract).order_by("-on"),
        "defaulter": DefaulterEntry.objects.filter(contract=contract).order_by("-listed_on"),
        "requests": LoanActionRequest.objects.filter(contract=contract).order_by("-id"),
    }


def collection_contracts(*, viewer):
    _staff(viewer)
    return LoanContract.objects.exclude(disbursed_on=None)


CREDIT_SQL = """
SELECT c.number, d.name, d.id_number, c.principal, c.disbursed_on, c.status,
       COALESCE(n.balance, 0) + COALESCE(o.balance, 0), COALESCE(s.dpd, 0), COALESCE(s.periods, 0),
       COALESCE(s.principal, 0) + COALESCE(s.interest, 0), COALESCE(s.cumulative, 0), c.closed_on
  FROM loans_loancontract c
  JOIN accounts_depositor d ON d.id = c.borrower_id
  LEFT JOIN ledger_account n ON n.id = c.ledger_account_id
  LEFT JOIN ledger_account o ON o.id = c.overdue_account_id
  LEFT JOIN loans_loanoverduestate s ON s.contract_id = c.id
 WHERE c.disbursed_on IS NOT NULL AND c.disbursed_on <= %s
   AND (c.closed_on IS NULL OR c.closed_on >= %s)
 ORDER BY c.id
"""


def credit_report_rows(*, viewer, month: datetime.date) -> list[dict]:
    """The monthly credit-report file (DOMAIN.md §5.4): every loan disbursed by the end of ``month`` and not
    closed before it, with its PBoC status code (N, 1–7 by days past due; C paid off, B written off)."""
    _staff(viewer)
    first = month.replace(day=1)
    last = (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    out = []
    with connection.cursor() as cur:
        cur.execute(CREDIT_SQL, [last, first])
        for (
            number,
            name,
            id_number,
            principal,
            disbursed,
            status,
            balance,
            dpd,
            periods,
            amount,
            cum,
            _closed,
        ) in cur.fetchall():
            closed_kind = status if status in ("paid_off", "written_off") else ""
            out.append(
                {
                    "month": first.strftime("%Y-%m"),
                    "contract": number,
                    "name": name,
                    "id_number": id_number,
                    "principal": principal,
                    "disbursed_on": disbursed,
                    "balance": balance,
                    "overdue_periods": periods,
                    "overdue_amount": amount,
                    "cumulative_periods": cum,
                    "status": calc.credit_status(dpd, overdue=periods > 0, closed=closed_kind),
                }
            )
    return out


CREDIT_COLUMNS = [
    tabular.Column("month", "报送月份", gettext_lazy("Month")),
    tabular.Column("contract", "合同号", gettext_lazy("Contract")),
    tabular.Column("name", "借款人", gettext_lazy("Borrower")),
    tabular.Column("id_number", "证件号码", gettext_lazy("ID number")),
    tabular.Column("principal", "贷款金额", gettext_lazy("Principal")),
    tabular.Column("disbursed_on", "发放日期", gettext_lazy("Disbursed on")),
    tabular.Column("balance", "贷款余额", gettext_lazy("Principal outstanding")),
    tabular.Column("overdue_periods", "当前逾期期数", gettext_lazy("Overdue periods")),
    tabular.Column("overdue_amount", "当前逾期总额", gettext_lazy("Overdue amount")),
    tabular.Column("cumulative_periods", "累计逾期期数", gettext_lazy("Cumulative overdue periods")),
    tabular.Column("status", "还款状态", gettext_lazy("Repayment status")),
]
