"""The deposits' part of the staff home (``settings.HOME_PANELS``): deferrals waiting for the viewer, the lists
posted today and deposits by month."""

from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import dashboard, roles
from core.business_date import today
from deposits.models import DeferralApplication, RemittanceList

D = DeferralApplication
# Deferral and ratio-reduction applications waiting for each role (the deferral queue filtered by status).
DEFERRAL_TODO = ((roles.REVIEWER, D.Status.SUBMITTED, gettext_lazy("Deferrals and ratio reductions to review")),
                 (roles.APPROVER, D.Status.REVIEWED, gettext_lazy("Deferrals and ratio reductions to approve")))
JOBS = {"deposits.settle_interest": (gettext_lazy("Interest settlement"), "deposits:interest_settlement"),
        "deposits.match_incoming": (gettext_lazy("Matching of bank receipts"), "deposits:bank"),
        "deposits.remittance_upload": (gettext_lazy("Remittance list upload"), "deposits:remittances")}


def todo(*, viewer) -> list[dict]:
    mine = [(status, label) for role, status, label in DEFERRAL_TODO if roles.has_role(viewer, role)]
    if not mine:
        return []
    counts = DeferralApplication.objects.visible_to(viewer).order_by().aggregate(
        **{f"n_{status}": Count("id", filter=Q(status=status)) for status, _label in mine})
    return [dashboard.tile(f"deferrals-{status}", label, counts[f"n_{status}"],
                           f"{reverse('deposits:deferrals')}?{urlencode({'status': status})}")
            for status, label in mine]


def _posted(viewer):
    return RemittanceList.objects.visible_to(viewer).filter(status=RemittanceList.Status.POSTED).order_by()


def panel(*, viewer) -> dict:
    if not roles.is_staff_user(viewer):
        return {}
    day = _posted(viewer).filter(entry__business_date=today()).aggregate(n=Count("id"), s=Sum("total"))
    return {
        "todo": todo(viewer=viewer),
        "figures": [
            {"key": "deposits-lists", "label": _("Remittance lists posted today"), "value": day["n"]},
            {"key": "deposits-amount", "label": _("Deposits posted today"), "value": day["s"] or 0, "money": True},
        ],
    }


def charts(*, viewer) -> list[dict]:
    """The posted remittance lists by month remitted, over the last 12 months."""
    if not roles.is_staff_user(viewer):
        return []
    on = today()
    months = dashboard.month_starts(on=on)
    monthly = (_posted(viewer).filter(month__gte=months[0], month__lte=on).values("month").annotate(s=Sum("total"))
               .values_list("month", "s"))
    return [{"id": "flows", "title": _("Deposits and withdrawals by month"), "type": "bar",
             "categories": [f"{m:%Y-%m}" for m in months],
             "series": [{"name": _("Deposits"), "data": dashboard.by_month(monthly, months)}]}]
