"""Staff pages of the annual statements: the runs with their progress bars (the interest settlement's), starting a
run, and the statements whose identity fails."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import bounds, roles
from core.errors import ApplicationError
from core.tables import list_page
from documents import selectors
from documents.services import statements
from documents.tables import FailedStatementTable, StatementRunTable

RUNS_PER_PAGE = 10


def _runs(request):
    return StatementRunTable(selectors.statement_runs(viewer=request.user))


def runs(request):
    year = request.GET.get("year") or selectors.latest_failed_year(viewer=request.user)
    try:
        year = bounds.year(year) if year else None
    except ApplicationError as exc:
        messages.error(request, exc.message)
        year = None
    failed = FailedStatementTable(selectors.failed_statements(viewer=request.user, year=year)) if year else None
    return list_page(
        request,
        "documents/statement_runs.html",
        table=_runs(request),
        filename="statement-runs",
        per_page=RUNS_PER_PAGE,
        context={
            "can_start": roles.has_role(request.user, *selectors.RUN_START_ROLES),
            "can_zip": roles.has_role(request.user, *selectors.PDF_ROLES),
            "failed": failed,
            "failed_year": year,
        },
    )


def progress(request):
    """The progress bars, polled by htmx while a run is going."""
    return list_page(
        request, "deposits/_interest_runs.html", table=_runs(request), filename="statement-runs", per_page=RUNS_PER_PAGE
    )


@require_POST
def start(request):
    try:
        year = bounds.year(request.POST.get("year", ""))
        outcome = statements.start_statements(year=year, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("documents:statement_runs")
    if outcome["already_done"]:
        messages.info(request, _("The statements for %(y)d are complete; nothing was written.") % {"y": year})
    elif outcome["queued"]:
        messages.success(request, _("The statements for %(y)d are being built.") % {"y": year})
    else:
        messages.warning(
            request,
            _(
                "The statement run for %(y)d is recorded; the task queue cannot be reached now, "
                "so it will start by itself as soon as the queue is back."
            )
            % {"y": year},
        )
    return redirect("documents:statement_runs")
