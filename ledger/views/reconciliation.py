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
from ledger.services import reconciliation_runs
from ledger.tables import ReconciliationRunTable


def reconciliation(request):
    if request.method == "POST":
        try:
            outcome = reconciliation_runs.start(actor=request.user)
        except Forbidden as exc:
            raise PermissionDenied(exc.message) from exc
        if outcome["background"]:
            messages.info(request, _("The ledger is large: the reconciliation runs in the background; its progress "
                                     "is shown below.") if outcome["queued"] else
                          _("The reconciliation is recorded; the task queue cannot be reached now, so it will start "
                            "by itself as soon as the queue is back."))
        elif outcome["report"]["ok"]:
            messages.success(request, _("The three ledgers agree."))
        else:
            messages.error(request, _("The reconciliation found differences; see the report below."))
        return redirect("ledger:reconciliation")
    runs = selectors.reconciliation_runs(request.GET, viewer=request.user)
    latest = runs.order_by("-id").first()
    background = list(reconciliation_runs.recent(viewer=request.user))
    return list_page(request, "ledger/reconciliation.html", table=ReconciliationRunTable(runs),
                     filename="reconciliation-runs", filterset=ReconciliationRunFilter(request.GET or None),
                     context={"runs": [latest] if latest else [], "latest": latest, "background": background,
                              "ageing": selectors.ageing_for_page(latest.report.get("ageing")) if latest else None,
                              "background_running": _running(background)})


def reconciliation_progress(request):
    """The background reconciliations with their progress bars, polled by htmx while one is going."""
    background = list(reconciliation_runs.recent(viewer=request.user))
    return render(request, "ledger/_reconciliation_runs.html", {"background": background,
                                                                "background_running": _running(background)})


def _running(runs):
    return any(run.status in ("pending", "running") for run in runs)


def ageing_report(request):
    """The monthly ageing report: the ageing stored by the last reconciliation of a month (default: this one)."""
    text = (request.GET.get("month") or "")[:7]
    month, error = selectors.parse_month(text) if text else (today().replace(day=1), None)
    run = selectors.last_run_of_month(month, viewer=request.user) if month else None
    ageing = selectors.ageing_for_page(run.report.get("ageing")) if run else None
    return render(request, "ledger/ageing.html", {"run": run, "month": f"{month:%Y-%m}" if month else text,
                                                  "ageing": ageing, "error": error}, status=400 if error else 200)
