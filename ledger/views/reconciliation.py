"""The three-ledger reconciliation page (三账平衡)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from ledger.models import ReconciliationRun
from ledger.reconciliation import reconcile


def reconciliation(request):
    if request.method == "POST":
        report = reconcile(save=True)
        if report["ok"]:
            messages.success(request, _("The three ledgers agree."))
        else:
            messages.error(request, _("The reconciliation found differences; see the report below."))
        return redirect("ledger:reconciliation")
    runs = ReconciliationRun.objects.all()[:20]
    return render(request, "ledger/reconciliation.html", {"runs": runs, "latest": runs[0] if runs else None})
