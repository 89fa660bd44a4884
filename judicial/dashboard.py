"""The judicial part of the staff home (``settings.HOME_PANELS``): the court requests waiting for the judicial
officer and the freezes about to end."""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from core import dashboard, roles
from judicial import selectors
from judicial.models import JudicialRequest

R = JudicialRequest


def panel(*, viewer) -> dict:
    if not roles.has_role(viewer, roles.JUDICIAL_OFFICER):
        return {}
    counts = R.objects.visible_to(viewer).order_by().aggregate(
        received=Count("id", filter=Q(state=R.State.RECEIVED)), prepared=Count("id", filter=Q(state=R.State.PREPARED)))
    expiring = selectors.expiring_freezes(viewer=viewer).order_by().count()
    receipts = {timing: selectors.requests(viewer=viewer, receipt=timing).order_by().count()
                for timing in (selectors.RECEIPT_OVERDUE, selectors.RECEIPT_DUE_SOON)}
    url = reverse("judicial:workbench")
    return {"todo": [
        dashboard.tile("judicial-received", _("Court requests to handle"), counts["received"],
                       f"{url}?{urlencode({'state': R.State.RECEIVED})}"),
        dashboard.tile("judicial-prepared", _("Court requests waiting for the checker"), counts["prepared"],
                       f"{url}?{urlencode({'state': R.State.PREPARED})}"),
        dashboard.tile("judicial-receipts-overdue", _("Court requests past the answer deadline"),
                       receipts[selectors.RECEIPT_OVERDUE],
                       f"{url}?{urlencode({'receipt': selectors.RECEIPT_OVERDUE})}", "danger"),
        dashboard.tile("judicial-receipts-soon", _("Court answers due soon"), receipts[selectors.RECEIPT_DUE_SOON],
                       f"{url}?{urlencode({'receipt': selectors.RECEIPT_DUE_SOON})}", "warning"),
        dashboard.tile("judicial-expiring",
                       _("Freezes ending within %(days)d days") % {"days": selectors.EXPIRING_DAYS}, expiring,
                       f"{url}#expiring", "warning"),
    ]}
