"""Staff pages for interest: the annual settlement with its progress bar, and an account's breakdown."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import FundAccount
from core import roles
from core.errors import ApplicationError
from core.models import BatchRun
from deposits.services import interest

SETTLE_ROLES = (roles.FINANCE, roles.SYSADMIN)


def _runs():
    return BatchRun.objects.filter(job=interest.JOB).order_by("-id")[:10]


def settlement(request):
    return render(request, "deposits/interest_settlement.html", {
        "runs": _runs(), "can_settle": roles.has_role(request.user, *SETTLE_ROLES)})


def settlement_progress(request):
    """The progress bars, polled by htmx while a run is going."""
    return render(request, "deposits/_interest_runs.html", {"runs": _runs()})


@require_POST
def settlement_start(request):
    try:
        year = int(request.POST.get("year", "")[:6])
    except ValueError:
        messages.error(request, _("Enter the year whose June 30 settlement to run, e.g. 2026."))
        return redirect("deposits:interest_settlement")
    try:
        outcome = interest.start_settlement(year=year, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("deposits:interest_settlement")
    if outcome["already_settled"]:
        messages.info(request, _("Interest for %(y)d is already settled; nothing was posted.") % {"y": year})
    elif outcome["queued"]:
        messages.success(request, _("The settlement for %(y)d has started.") % {"y": year})
    else:
        messages.warning(request, _("The settlement for %(y)d is recorded; the task queue cannot be reached now, "
                                    "so it will start by itself as soon as the queue is back.") % {"y": year})
    return redirect("deposits:interest_settlement")


def account_interest(request, number):
    account = get_object_or_404(FundAccount.objects.visible_to(request.user).select_related("depositor",
                                                                                            "ledger_account"),
                                number=number)
    result, problem = interest.breakdown_for_page(account, request.GET.get("year"))
    if problem:
        messages.error(request, problem)
    return render(request, "deposits/account_interest.html", {"account": account, "result": result})
