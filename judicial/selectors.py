"""Reads of the judicial app for the officer's workbench."""

import datetime

from django.utils.translation import gettext_lazy as _

from core import roles, visibility
from core.business_date import today
from core.money import ZERO, format_yuan
from judicial.models import Freeze, JudicialDocument, JudicialRequest

WORKBENCH_ROLES = (roles.JUDICIAL_OFFICER, roles.AUDITOR, roles.SYSADMIN)
EXPIRING_DAYS = 30


RECEIPT_OVERDUE, RECEIPT_LATE = "overdue", "late"
RECEIPT_DUE_SOON = "soon"  # a filter of the workbench (``?receipt=soon``), not a timing


def requests(*, viewer, state=None, receipt=None):
    """Requests by state, oldest first among those still open, each with its ``answer_due`` date and its
    ``receipt_timing``: "overdue" (no receipt yet and the time limit has passed), "late" (the receipt went after
    the time limit) or "" (answered within the limit, or still within it); business dates throughout.
    ``receipt``: "overdue" or "soon" keeps the requests without a receipt past or near their time limit."""
    from django.db.models import Case as DbCase
    from django.db.models import CharField, F, Q, Value, When

    roles.require_role(viewer, *WORKBENCH_ROLES)
    qs = JudicialRequest.objects.visible_to(viewer).select_related("court", "account", "operator")
    if state in JudicialRequest.State.values:
        qs = qs.filter(state=state)
    qs = qs.annotate(answer_due=_due())
    timing = DbCase(
        When(Q(answered_at__isnull=True) & Q(answer_due__lt=today()), then=Value(RECEIPT_OVERDUE)),
        When(answered_on__gt=F("answer_due"), then=Value(RECEIPT_LATE)),
        default=Value(""), output_field=CharField())
    qs = qs.annotate(receipt_timing=timing)
    if receipt == RECEIPT_OVERDUE:  # no receipt yet, past the time limit
        qs = qs.filter(receipt_timing=RECEIPT_OVERDUE)
    elif receipt == RECEIPT_DUE_SOON:  # no receipt yet, the time limit within ``core.dashboard.DUE_SOON_DAYS`` days
        from core.dashboard import due_soon_until

        on = today()
        qs = qs.filter(answered_at__isnull=True, answer_due__gte=on, answer_due__lte=due_soon_until(on))
    return qs.order_by("received_on", "id")


def _due():
    """``received_on`` + the answer days in force today, as a column (one policy read for the whole list)."""
    from django.db.models import DateField, ExpressionWrapper, F

    from core import policy

    days = datetime.timedelta(days=policy.get("judicial.answer_days"))
    return ExpressionWrapper(F("received_on") + days, output_field=DateField())


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


def answer_due(req: JudicialRequest) -> datetime.date:
    """The day by which the court must have the receipt (policy ``judicial.answer_days`` after receipt)."""
    from core import policy

    return req.received_on + datetime.timedelta(days=policy.get("judicial.answer_days", on=req.received_on))


def court_request(*, court, number) -> JudicialRequest | None:
    """One of ``court``'s own requests by its number (another court's is never found)."""
    number = str(number or "").strip()
    if not number or len(number) > 40:
        return None
    return (JudicialRequest.objects.filter(court=court, number=number)
            .select_related("court", "operator", "checker", "original_freeze__request", "freeze__request").first())


def request_page(*, viewer, pk) -> dict | None:
    """One request with what the officer and the checker need: the prepared effect, the freeze and the actions
    the viewer may take now (the operator of a prepared request cannot confirm it)."""
    roles.require_role(viewer, *WORKBENCH_ROLES)
    req = (JudicialRequest.objects.visible_to(viewer).select_related(
        "court", "account", "operator", "checker", "original_freeze__request", "freeze__request")
        .filter(pk=pk).first())
    if req is None:
        return None
    actions = []
    if roles.has_role(viewer, roles.JUDICIAL_OFFICER):
        if req.state == JudicialRequest.State.RECEIVED:
            actions = ["prepare"]
        elif req.state == JudicialRequest.State.PREPARED and req.operator_id != viewer.pk:
            actions = ["confirm", "refuse", "send_back"]
    return {"req": req, "freeze": getattr(req, "freeze", None) or req.original_freeze, "actions": actions,
            "proposal": proposal_rows(req.proposal), "answer_due": answer_due(req),
            "overdue": req.answered_at is None and answer_due(req) < today(),
            "answered_late": req.answered_on is not None and req.answered_on > answer_due(req)}


PROPOSAL_LABELS = {
    "balance": _("Balance"), "frozen": _("Frozen"), "available": _("Available"), "would_freeze": _("Would freeze"),
    "would_deduct": _("Would deduct"), "withdrawal_ground": _("Withdrawal condition met"), "refusal": _("Refusal"),
    "freeze_state": _("Freeze state"), "freeze_end_date": _("Freeze ends on"), "amount_frozen": _("Amount frozen"),
    "found": _("Account found"), "name": _("Name"), "message": _("Message"),
}
PROPOSAL_MONEY = ("balance", "frozen", "available", "would_freeze", "would_deduct", "amount_frozen")


def proposal_rows(proposal) -> list[tuple]:
    """The prepared effect as (label, value) rows in words: amounts in yuan, states by name, yes or no."""
    rows = []
    for key, value in (proposal or {}).items():
        if key == "accounts":
            continue
        if key in PROPOSAL_MONEY and value not in (None, ""):
            value = format_yuan(value)
        elif key == "freeze_state":
            value = Freeze.State(value).label if value in Freeze.State.values else value
        elif isinstance(value, bool):
            value = _("Yes") if value else _("No")
        rows.append((PROPOSAL_LABELS.get(key, key), value if value not in (None, "") else "—"))
    return rows


# --- paper requests and their scans (judicial staff only) ------------------------------------------------------


def paper_request(*, viewer, pk):
    """A request with its scanned documents, for the judicial staff (a 404 for anyone else)."""
    from django.http import Http404

    roles.require_role(viewer, *WORKBENCH_ROLES)
    req = (JudicialRequest.objects.visible_to(viewer).select_related("court", "account", "received_by")
           .filter(pk=pk).first())
    if req is None:
        raise Http404
    return req


def documents_of(req, *, viewer):
    return list(JudicialDocument.objects.visible_to(viewer).filter(request=req).order_by("doc_type"))


def document(*, viewer, pk):
    """A scanned court document, for the judicial staff only (``JudicialDocument.objects.visible_to``)."""
    from django.http import Http404

    doc = JudicialDocument.objects.visible_to(viewer).select_related("request").filter(pk=pk).first()
    if doc is None:
        raise Http404
    return doc


# --- holds on the account page (staff) and in the portal (the depositor) ----------------------------------------

# Who sees the court, the case and the queue of an account's freezes on the account page: the judicial officers,
# the counter (read only) and the auditors. Other staff see the holds only as amounts.
HOLD_VIEW_ROLES = (roles.JUDICIAL_OFFICER, roles.CLERK, roles.REVIEWER, roles.APPROVER, roles.AUDITOR,
                   roles.SYSADMIN)


def account_freezes(*, viewer, account):
    """The account's live freezes in queue order (in force, then waiting), for the staff who may see them; ``None``
    for other viewers."""
    if not roles.has_role(viewer, *HOLD_VIEW_ROLES):
        return None
    return visibility.own_rows("account_freezes", viewer, lambda user, pk: Freeze.objects.visible_to(user).filter(
        account=pk, state__in=Freeze.LIVE_STATES).select_related("court", "request").order_by("queue_position"),
        (account.pk,))


def account_panel(*, viewer, account):
    """The judicial panel of the staff account page (``settings.ACCOUNT_PAGE_PANELS``), or ``None``."""
    freezes = account_freezes(viewer=viewer, account=account)
    if freezes is None:
        return None
    return {"template": "judicial/_account_freezes.html", "freezes": freezes,
            "in_force": [f for f in freezes if f.state == Freeze.State.ACTIVE],
            "waiting": [f for f in freezes if f.state == Freeze.State.WAITING]}


def freezes_in_force(account, *, viewer):
    """What the depositor is shown: the freezes in force on their own account (amount, court, case number, dates).
    Never a query, nor a request not yet carried out, nor a waiting freeze (DOMAIN.md §6.3)."""
    return visibility.own_rows("freezes_in_force", viewer, lambda user, pk: Freeze.objects.visible_to(user).filter(
        account=pk, state=Freeze.State.ACTIVE).select_related("court").order_by("queue_position"), (account.pk,))


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
    from judicial.models import Measure, RiskLetter, RiskReview
    from judicial.services.flow import FLOW

    roles.require_role(viewer, *REGISTER_ROLES)
    req = (JudicialRequest.objects.visible_to(viewer).filter(measure=Measure.DEDUCT)
           .select_related("court", "account", "account__depositor", "operator", "checker").get(pk=pk))
    return {"req": req,
            "reviews": list(RiskReview.objects.visible_to(viewer).filter(request=req).select_related("reviewer")),
            "letters": list(RiskLetter.objects.visible_to(viewer).filter(request=req).select_related("sent_by")),
            "history": FLOW.labelled_history(req)}


def risk_letter(*, viewer, pk, number=None) -> dict:
    """A letter to the court about a flagged deduction: a recorded one by its number, else a draft."""
    from judicial.models import Measure, RiskLetter

    roles.require_role(viewer, *REGISTER_ROLES)
    req = (JudicialRequest.objects.visible_to(viewer).filter(measure=Measure.DEDUCT, risk_flagged=True)
           .select_related("court").get(pk=pk))
    letter = RiskLetter.objects.visible_to(viewer).get(request=req, number=number) if number else None
    return {"req": req, "letter": letter}
