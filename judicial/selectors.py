"""Reads of the judicial app for the officer's workbench."""

import datetime

from core import roles
from core.business_date import today
from judicial.models import Freeze, JudicialDocument, JudicialRequest

WORKBENCH_ROLES = (roles.JUDICIAL_OFFICER, roles.AUDITOR, roles.SYSADMIN)
EXPIRING_DAYS = 30


def requests(*, viewer, state=None):
    """Requests by state, oldest first among those still open."""
    roles.require_role(viewer, *WORKBENCH_ROLES)
    qs = JudicialRequest.objects.visible_to(viewer).select_related("court", "account", "operator")
    if state in JudicialRequest.State.values:
        qs = qs.filter(state=state)
    return qs.annotate(answer_due=_due()).order_by("received_on", "id")


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
            "answer_due": answer_due(req), "overdue": req.answered_at is None and answer_due(req) < today()}


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
    return list(Freeze.objects.visible_to(viewer).filter(account=account, state__in=Freeze.LIVE_STATES)
                .select_related("court", "request").order_by("queue_position"))


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
    return list(Freeze.objects.visible_to(viewer).filter(account=account, state=Freeze.State.ACTIVE)
                .select_related("court").order_by("queue_position"))
