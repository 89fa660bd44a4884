"""Counter pages for the center's bank statements: import, matching, booking to suspense."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import failed_forms
from core.errors import ApplicationError
from core.money import format_yuan
from core.tables import list_page
from deposits import forms, selectors
from deposits.services import matching
from ledger import selectors as ledger_selectors
from ledger import services as ledger_services
from ledger.filters import StatementLineFilter
from ledger.services import statement_imports
from ledger.tables import StatementLineTable


def _bank_page(request, import_form=None):
    return render(request, "deposits/bank.html", {
        "banks": selectors.bank_overview(viewer=request.user),
        "suspense_balances": selectors.employer_suspense_balances(viewer=request.user),
        "general_suspense": selectors.general_suspense_balance(),
        "import_form": import_form or forms.StatementImportForm(),
        **_match_runs(request.user), **_import_runs(request.user),
    })


def bank(request):
    failed = failed_forms.restore(request, "deposits:bank", {"import_form": forms.StatementImportForm})
    return _bank_page(request, import_form=failed.get("import_form"))


def bank_lines(request):
    """Every statement line, filtered, sorted, paged and exported."""
    table = StatementLineTable(ledger_selectors.statement_lines(request.GET, viewer=request.user))
    return list_page(request, "deposits/bank_lines.html", table=table, filename="bank-statement-lines",
                     filterset=StatementLineFilter(request.GET or None))


@require_POST
def bank_import(request):
    form = forms.StatementImportForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            outcome = statement_imports.start(bank_account=form.cleaned_data["bank_account"],
                                              file=form.cleaned_data["file"], actor=request.user,
                                              closing_balance=form.cleaned_data["closing_balance"])
        except ApplicationError as exc:
            form.show_error(exc)
        else:
            if outcome["background"]:
                messages.info(request, _("The file is large: it is checked and imported in the background; its "
                                         "progress is shown below.") if outcome["queued"] else
                              _("The file is recorded; the task queue cannot be reached now, so it will be imported "
                                "as soon as the queue is back."))
            else:
                messages.success(request, _("%(n)d statement lines imported (lines already imported are skipped).")
                                 % {"n": len(outcome["lines"])})
            messages.info(request, _("Another finance person must confirm the statement before its lines can be "
                                     "matched."))
            return redirect("deposits:bank")
    failed_forms.keep(request, "deposits:bank", "import_form", form)
    return redirect("deposits:bank")


@require_POST
def bank_match(request):
    try:
        outcome = matching.start(actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("deposits:bank")
    if outcome["background"]:
        messages.info(request, _("Many receipts are waiting: the matching runs in the background; its progress is "
                                 "shown below.") if outcome["queued"] else
                      _("The matching is recorded; the task queue cannot be reached now, so it will start by itself "
                        "as soon as the queue is back."))
    else:
        result = outcome["result"]
        messages.success(request, _("Matching done: %(p)d lists posted, %(e)d payments to employers' suspense, "
                                    "%(g)d to the general suspense.")
                         % {"p": result["posted"], "e": result["employer_suspense"], "g": result["general_suspense"]})
    return redirect("deposits:bank")


def bank_match_progress(request):
    """The background matching runs with their progress bars, polled by htmx while one is going."""
    return render(request, "deposits/_match_runs.html", _match_runs(request.user))


def bank_import_progress(request):
    """The background statement imports with their progress bars, polled by htmx while one is going."""
    return render(request, "deposits/_import_runs.html", _import_runs(request.user))


def _import_runs(user):
    runs = statement_imports.recent(viewer=user)
    return {"import_runs": runs, "import_running": any(r.status in statement_imports.LIVE for r in runs)}


def _match_runs(user):
    runs = list(matching.recent(viewer=user))
    return {"match_runs": runs, "match_running": any(r.status in ("pending", "running") for r in runs)}


@require_POST
def bank_suspense(request, pk):
    line = get_object_or_404(selectors.bank_lines(viewer=request.user), pk=pk)
    form = forms.SuspenseForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("deposits:bank")
    employer = form.cleaned_data["employer"]
    try:
        ledger_services.book_to_suspense(line=line, actor=request.user,
                                         suspense=employer.suspense_account if employer else None)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Bank line %(r)s (%(a)s yuan) is booked to %(s)s.")
                         % {"r": line.bank_reference, "a": format_yuan(line.amount),
                            "s": _("the suspense of %(e)s") % {"e": employer.name} if employer
                            else _("the general suspense")})
    return redirect("deposits:bank")
