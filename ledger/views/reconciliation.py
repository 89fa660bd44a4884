"""The three-ledger reconciliation page (三账平衡)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.business_date import today
from core.errors import Forbidden
from core.tables import list_page
from ledger import selectors
from ledger.filters import ReconciliationRunFilter
from ledger.reconciliation import reconcile
from ledger.tables import ReconciliationRunTable


def reconciliation(request):
    if request.method == "POST":
        try:
            report = reconcile(actor=request.user, save=True)
        except Forbidden as exc:
            raise PermissionDenied(exc.message) from exc
        if report["ok"]:
            messages.success(request, _("The three ledgers agree."))
        else:
            messages.error(request, _("The reconciliation found differences; see the report below."))
        return redirect("ledger:reconciliation")
    runs = selectors.reconciliation_runs(request.GET, viewer=request.user)
    latest = runs.order_by("-id").first()
    return list_page(request, "ledger/reconciliation.html", table=ReconciliationRunTable(runs),
                     filename="reconciliation-runs", filterset=ReconciliationRunFilter(request.GET or None),
                     context={"runs": [latest] if latest else [], "latest": latest})


def ageing_report(request):
    """The monthly ageing report: the ageing stored by the last reconciliation of a month (default: this one)."""
    text = (request.GET.get("month") or "")[:7]
    month, error = selectors.parse_month(text) if text else (today().replace(day=1), None)
    run = selectors.last_run_of_month(month, viewer=request.user) if month else None
    return render(request, "ledger/ageing.html", {"run": run, "month": f"{month:%Y-%m}" if month else text,
                                                  "error": error}, status=400 if error else 200)
