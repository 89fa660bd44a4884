"""The auditor's read-only exports (CSV / XLSX): the journal of a period, a saved reconciliation report, the
judicial deduction register of a period, the register of the statements of a year. Every period is bounded;
every text cell that a spreadsheet would run as a formula is escaped (``core.tabular``)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core import tabular
from core.errors import ApplicationError, InvalidInput
from core.tables import export_response
from documents import selectors
from documents.forms import PeriodExportForm, ReconciliationExportForm, YearExportForm


def audit(request):
    return render(
        request,
        "documents/audit.html",
        {
            "journal_form": PeriodExportForm(prefix="journal"),
            "register_form": PeriodExportForm(prefix="judicial"),
            "statements_form": YearExportForm(prefix="statements"),
            "reconciliation_form": ReconciliationExportForm(prefix="reconciliation"),
        },
    )


def _refuse(request, form=None, error=None):
    if error is not None:
        messages.error(request, error.message)
    for errors in form.errors.values() if form is not None else []:
        for message in errors:
            messages.error(request, message)
    return redirect("documents:audit")


def _stream(request, count, headers, rows, fmt, filename):
    refused = tabular.too_many_to_export(count)
    if refused is not None:
        return _refuse(request, error=refused)
    return tabular.stream([str(h) for h in headers], rows, fmt, filename=filename, title=filename[:31])


def journal(request):
    form = PeriodExportForm(request.GET, prefix="journal")
    if not form.is_valid():
        return _refuse(request, form)
    d = form.cleaned_data
    try:
        count, rows = selectors.journal_lines(viewer=request.user, start=d["start"], end=d["end"])
    except ApplicationError as exc:
        return _refuse(request, error=exc)
    return _stream(
        request, count, selectors.JOURNAL_HEADERS, rows, d["format"], f"journal-{d['start']:%Y%m%d}-{d['end']:%Y%m%d}"
    )


def reconciliation(request):
    form = ReconciliationExportForm(request.GET, prefix="reconciliation")
    if not form.is_valid():
        return _refuse(request, form)
    run, rows = selectors.reconciliation_report(viewer=request.user, pk=form.cleaned_data["run"])
    if run is None:
        return _refuse(request, error=InvalidInput(_("There is no such saved reconciliation."), code="no_run"))
    return _stream(
        request,
        len(rows),
        selectors.RECONCILIATION_HEADERS,
        iter(rows),
        form.cleaned_data["format"],
        f"reconciliation-{run.pk}-{run.business_date:%Y%m%d}",
    )


def judicial_register(request):
    """The judicial app's register of deductions (its selector and table), for one bounded period."""
    from judicial import selectors as judicial_selectors
    from judicial.tables import RegisterTable

    form = PeriodExportForm(request.GET, prefix="judicial")
    if not form.is_valid():
        return _refuse(request, form)
    d = form.cleaned_data
    try:
        start, end = selectors.period(d["start"], d["end"])
    except ApplicationError as exc:
        return _refuse(request, error=exc)
    rows = judicial_selectors.deduction_register(
        viewer=request.user, filters={"date_from": start.isoformat(), "date_to": end.isoformat()}
    )
    return export_response(
        request, RegisterTable(rows), d["format"], filename=f"judicial-deductions-{start:%Y%m%d}-{end:%Y%m%d}"
    )


def statement_register(request):
    form = YearExportForm(request.GET, prefix="statements")
    if not form.is_valid():
        return _refuse(request, form)
    d = form.cleaned_data
    count, rows = selectors.statement_register(viewer=request.user, year=d["year"])
    return _stream(request, count, selectors.STATEMENT_HEADERS, rows, d["format"], f"statements-{d['year']}")
