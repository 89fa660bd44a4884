"""Reads of the judicial app for the officer's workbench."""

import datetime

from core import roles
from core.business_date import today
from core.money import ZERO
from judicial.models import Freeze, JudicialRequest

WORKBENCH_ROLES = (roles.JUDICIAL_OFFICER, roles.AUDITOR, roles.SYSADMIN)
EXPIRING_DAYS = 30


def requests(*, viewer, state=None):
    """Requests by state, oldest first among those still open."""
    roles.require_role(viewer, *WORKBENCH_ROLES)
    qs = JudicialRequest.objects.visible_to(viewer).select_related("court", "account", "operator")
    if state in JudicialRequest.State.values:
        qs = qs.filter(state=state)
    return qs.order_by("received_on", "id")


def expiring_freezes(*, viewer, within_days=EXPIRING_DAYS):
    """Live freezes ending within ``within_days`` of the business date, soonest first."""
    roles.require_role(viewer, *WORKBENCH_ROLES)
    until = today() + datetime.timedelta(days=within_days)
    return (Freeze.objects.visible_to(viewer).filter(state__in=Freeze.LIVE_STATES, end_date__lte=until)
            .select_related("court", "account", "request").order_by("end_date", "id"))


def queues(*, viewer):
    """The live freezes of every account, in queue order per account (in force first, then waiting)."""
    roles.require_role(viewer, *WORKBENCH_ROLES)
    return (Freeze.objects.visible_to(viewer).filter(state__in=Freeze.LIVE_STATES)
            .select_related("court", "account", "request").order_by("account__number", "queue_position"))


def state_counts(*, viewer) -> dict:
    from django.db.models import Count

    roles.require_role(viewer, *WORKBENCH_ROLES)
    return dict(JudicialRequest.objects.visible_to(viewer).values_list("state").annotate(n=Count("id"))
                .values_list("state", "n"))


# --- sham-lawsuit risk: the register of judicial deductions and its monthly statistics (DOMAIN.md §6.4) ---------

REGISTER_ROLES = (roles.JUDICIAL_OFFICER, roles.APPROVER, roles.AUDITOR, roles.SYSADMIN)


def deduction_register(*, viewer, filters=None):
    """Every judicial deduction request, newest first, with its court, account, basis documents, risk signals and
    the decision of its latest second-level review (``review_decision``); filtered by
    ``judicial.filters.RegisterFilter`` data."""
    from django.db.models import OuterRef, Subquery

    from judicial.filters import RegisterFilter
    from judicial.models import Measure, RiskReview

    roles.require_role(viewer, *REGISTER_ROLES)
    latest = RiskReview.objects.filter(request=OuterRef("pk")).order_by("-id")
    qs = (JudicialRequest.objects.visible_to(viewer).filter(measure=Measure.DEDUCT)
          .select_related("court", "account", "original_freeze")
          .annotate(review_decision=Subquery(latest.values("decision")[:1])))
    if filters:
        qs = RegisterFilter.apply(filters, qs)
    return qs.order_by("-received_on", "-id")


DEDUCTED_STATES = (JudicialRequest.State.EXECUTED, JudicialRequest.State.PAID)


def monthly_statistics(*, viewer, filters=None) -> dict:
    """Deduction requests per month (of receipt) and court, and per month: how many, the amounts requested and
    deducted (executed or paid to the court), how many were flagged. Two aggregate queries."""
    from django.db.models import Count, Q, Sum
    from django.db.models.functions import TruncMonth

    qs = deduction_register(viewer=viewer, filters=filters).order_by()
    measures = {"count": Count("id"), "flagged": Count("id", filter=Q(risk_flagged=True)),
                "requested": Sum("amount"),
                "deducted": Sum("actual_amount", filter=Q(state__in=DEDUCTED_STATES))}
    by_month = qs.annotate(month=TruncMonth("received_on"))
    rows = list(by_month.values("month", "court__code", "court__name").annotate(**measures)
                .order_by("month", "court__code"))
    months = list(by_month.values("month").annotate(**measures).order_by("month"))
    for row in rows + months:
        row["requested"] = row["requested"] or ZERO
        row["deducted"] = row["deducted"] or ZERO
    return {"rows": rows, "months": months}


def risk_case(*, viewer, pk) -> dict:
    """The risk page of one deduction request: the request, its signals, reviews, letters and transitions."""
    from core import workflow
    from judicial.models import Measure, RiskLetter, RiskReview

    roles.require_role(viewer, *REGISTER_ROLES)
    req = (JudicialRequest.objects.visible_to(viewer).filter(measure=Measure.DEDUCT)
           .select_related("court", "account", "account__depositor", "operator", "checker").get(pk=pk))
    return {"req": req,
            "reviews": list(RiskReview.objects.visible_to(viewer).filter(request=req).select_related("reviewer")),
            "letters": list(RiskLetter.objects.visible_to(viewer).filter(request=req).select_related("sent_by")),
            "history": list(workflow.history(req))}


def risk_letter(*, viewer, pk, number=None) -> dict:
    """A letter to the court about a flagged deduction: a recorded one by its number, else a draft."""
    from judicial.models import Measure, RiskLetter

    roles.require_role(viewer, *REGISTER_ROLES)
    req = (JudicialRequest.objects.visible_to(viewer).filter(measure=Measure.DEDUCT, risk_flagged=True)
           .select_related("court").get(pk=pk))
    letter = RiskLetter.objects.visible_to(viewer).get(request=req, number=number) if number else None
    return {"req": req, "letter": letter}
