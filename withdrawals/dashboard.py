"""The withdrawals' part of the staff home (``settings.HOME_PANELS``): the viewer's queue counts, today's
figures, withdrawals by month and by reason."""

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import dashboard, roles
from core.business_date import today
from withdrawals import selectors
from withdrawals.models import Reason, WithdrawalApplication

W = WithdrawalApplication
TODO_LABELS = {
    W.State.SUBMITTED: gettext_lazy("Withdrawals to accept"),
    W.State.RETURNED: gettext_lazy("Withdrawals returned for documents"),
    W.State.ACCEPTED: gettext_lazy("Withdrawals to review"),
    W.State.REVIEWED: gettext_lazy("Withdrawals to approve"),
    W.State.APPROVED: gettext_lazy("Withdrawals to pay"),
    W.State.PAID: gettext_lazy("Withdrawals paid, awaiting the bank"),
}
DECIDING = (W.State.ACCEPTED, W.State.REVIEWED)  # the states with a decision deadline
# What the charts count as money paid out: approved and paid (or being paid), by the month of the decision.
PAID_OUT = (W.State.APPROVED, W.State.PAID, W.State.CLOSED)
JOBS = {"withdrawals.run_standing": (gettext_lazy("Standing monthly withdrawals"), "")}


def _queue_url(**params):
    return f"{reverse('withdrawals:queue')}?{urlencode(params)}"


def todo(*, viewer) -> list[dict]:
    """The counts of the viewer's withdrawal queue (``withdrawals.selectors.queue``) by state, and its cases
    whose decision is overdue or due soon; each links to the queue filtered to the same cases."""
    states = [s for role, sts in selectors.QUEUE_OF_ROLE.items() if roles.has_role(viewer, role) for s in sts]
    if not states:
        return []
    on = today()
    deciding = Q(state__in=DECIDING)
    counts = selectors.queue(viewer=viewer).order_by().aggregate(
        **{f"n_{s}": Count("id", filter=Q(state=s)) for s in states},
        n_overdue=Count("id", filter=deciding & Q(decision_due__lt=on)),
        n_soon=Count("id", filter=deciding & Q(decision_due__gte=on, decision_due__lte=dashboard.due_soon_until(on))))
    tiles = [dashboard.tile(f"withdrawals-{s}", TODO_LABELS[s], counts[f"n_{s}"], _queue_url(state=s))
             for s in states]
    if set(states) & set(DECIDING):
        tiles.append(dashboard.tile("withdrawals-overdue", _("Withdrawals past the decision deadline"),
                                    counts["n_overdue"], _queue_url(due="overdue"), "danger"))
        tiles.append(dashboard.tile("withdrawals-soon", _("Withdrawal decisions due soon"), counts["n_soon"],
                                    _queue_url(due="soon"), "warning"))
    return tiles


def panel(*, viewer) -> dict:
    if not roles.is_staff_user(viewer):
        return {}
    on = today()
    day = W.objects.visible_to(viewer).order_by().filter(Q(application_date=on) | Q(decided_on=on)).aggregate(
        received=Count("id", filter=Q(application_date=on)),
        approved=Count("id", filter=Q(state__in=PAID_OUT, decided_on=on)),
        amount=Sum("amount_approved", filter=Q(state__in=PAID_OUT, decided_on=on)))
    return {
        "todo": todo(viewer=viewer),
        "figures": [
            {"key": "withdrawals-received", "label": _("Withdrawal applications received today"),
             "value": day["received"]},
            {"key": "withdrawals-approved", "label": _("Withdrawals approved today"), "value": day["approved"]},
            {"key": "withdrawals-amount", "label": _("Amount of withdrawals approved today"),
             "value": day["amount"] or 0, "money": True},
        ],
    }


def charts(*, viewer) -> list[dict]:
    """Withdrawals approved and paid by month of the decision, and by reason, over the last 12 months."""
    if not roles.is_staff_user(viewer):
        return []
    on = today()
    months = dashboard.month_starts(on=on)
    period = W.objects.visible_to(viewer).order_by().filter(state__in=PAID_OUT, decided_on__gte=months[0],
                                                             decided_on__lte=on)
    monthly = period.annotate(m=TruncMonth("decided_on")).values("m").annotate(s=Sum("amount_approved"))
    reasons = list(period.values("reason").annotate(n=Count("id"), s=Sum("amount_approved")).order_by("-s"))
    labels = dict(Reason.choices)
    return [
        {"id": "flows", "title": _("Deposits and withdrawals by month"), "type": "bar",
         "categories": [f"{m:%Y-%m}" for m in months],
         "series": [{"name": _("Withdrawals"),
                     "data": dashboard.by_month(((r["m"], r["s"]) for r in monthly), months)}]},
        {"id": "withdrawal-reasons", "title": _("Withdrawals by reason (last 12 months)"), "type": "pie",
         "categories": [str(labels.get(r["reason"], r["reason"])) for r in reasons],
         "series": [{"name": _("Amount"), "data": [str(r["s"] or 0) for r in reasons]}]},
    ]
