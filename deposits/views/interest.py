"""Staff pages for interest: the annual settlement with its progress bar, and an account's breakdown."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import FundAccount
from core import audit, bounds, roles
from core.errors import ApplicationError
from core.models import BatchRun
from core.tables import list_page
from deposits.services import interest
from deposits.tables import InterestRunTable
from deposits.tasks import start_settlement

SETTLE_ROLES = (roles.FINANCE, roles.SYSADMIN)


RUNS_PER_PAGE = 10


def _runs():
    return InterestRunTable(BatchRun.objects.filter(job=interest.JOB).order_by("-id"))


def settlement(request):
    return list_page(request, "deposits/interest_settlement.html", table=_runs(), filename="interest-runs",
                     per_page=RUNS_PER_PAGE, context={"can_settle": roles.has_role(request.user, *SETTLE_ROLES)})


def settlement_progress(request):
    """The progress bars, polled by htmx while a run is going."""
    return list_page(request, "deposits/_interest_runs.html", table=_runs(), filename="interest-runs",
                     per_page=RUNS_PER_PAGE)


@require_POST
def settlement_start(request):
    try:
        year = bounds.year(request.POST.get("year", ""))
        outcome = start_settlement(year=year, actor=request.user)
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
    audit.record_view(viewer=request.user, action="account.interest.view", obj=account,
                      depositor_id=account.depositor_id, number=account.number)
    result, problem = interest.breakdown_for_page(account, request.GET.get("year"))
    if problem:
        messages.error(request, problem)
    return render(request, "deposits/account_interest.html", {"account": account, "result": result})
