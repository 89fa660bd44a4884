"""The auditor's read-only exports (CSV / XLSX / signed PDF): the journal of a period, a saved reconciliation
report, the judicial deduction register of a period, the register of issued certificates of a period, the
register of the statements of a year. Every period is bounded; a PDF is bounded further by policy (rows and days,
documents.services.exports); every text cell that a spreadsheet would run as a formula is escaped
(``core.tabular``)."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from core import policy, tabular
from core.errors import ApplicationError, InvalidInput
from core.tables import export_response
from documents import selectors
from documents.forms import PeriodExportForm, ReconciliationExportForm, YearExportForm
from documents.services import exports


def audit(request):
    return render(
        request,
        "documents/audit.html",
        {
            "journal_form": PeriodExportForm(prefix="journal"),
            "register_form": PeriodExportForm(prefix="judicial"),
            "certificates_form": PeriodExportForm(prefix="certificates"),
            "statements_form": YearExportForm(prefix="statements"),
            "reconciliation_form": ReconciliationExportForm(prefix="reconciliation"),
            "pdf_days": policy.get("documents.pdf_export_max_days"),
            "pdf_rows": policy.get("documents.pdf_export_max_rows"),
        },
    )


def _refuse(request, form=None, error=None):
    if error is not None:
        messages.error(request, error.message)
    for errors in form.errors.values() if form is not None else []:
        for message in errors:
            messages.error(request, message)
    return redirect("documents:audit")


def _pdf(request, filename, **table):
    try:
        data = exports.signed_table(actor=request.user, **table)
    except ApplicationError as exc:
        return _refuse(request, error=exc)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _export(request, count, headers, rows, fmt, filename, *, title, subtitle, start=None, end=None):
    if fmt == "pdf":
        return _pdf(request, filename, title=title, subtitle=subtitle, headers=headers, rows=rows, count=count,
                    start=start, end=end)
    refused = tabular.too_many_to_export(count)
    if refused is not None:
        return _refuse(request, error=refused)
    return tabular.stream([str(h) for h in headers], rows, fmt, filename=filename, title=filename[:31])


def _period_text(start, end):
    return _("Period %(start)s – %(end)s") % {"start": start, "end": end}


def _period_form(request, prefix):
    """(cleaned data with a checked period, None) or (None, refusal response)."""
    form = PeriodExportForm(request.GET, prefix=prefix)
    if not form.is_valid():
        return None, _refuse(request, form)
    d = dict(form.cleaned_data)
    try:
        d["start"], d["end"] = selectors.period(d["start"], d["end"])
    except ApplicationError as exc:
        return None, _refuse(request, error=exc)
    return d, None


def _period_export(request, prefix, rows_of, headers, title):
    """An export of a period's rows (``rows_of(viewer=, start=, end=)`` → (count, rows)) in the format asked."""
    d, refused = _period_form(request, prefix)
    if refused:
        return refused
    count, rows = rows_of(viewer=request.user, start=d["start"], end=d["end"])
    return _export(request, count, headers, rows, d["format"], f"{prefix}-{d['start']:%Y%m%d}-{d['end']:%Y%m%d}",
                   title=title, subtitle=_period_text(d["start"], d["end"]), start=d["start"], end=d["end"])


def journal(request):
    return _period_export(request, "journal", selectors.journal_lines, selectors.JOURNAL_HEADERS,
                          _l("Journal of a period"))


def reconciliation(request):
    form = ReconciliationExportForm(request.GET, prefix="reconciliation")
    if not form.is_valid():
        return _refuse(request, form)
    run, rows = selectors.reconciliation_report(viewer=request.user, pk=form.cleaned_data["run"])
    if run is None:
        return _refuse(request, error=InvalidInput(_("There is no such saved reconciliation."), code="no_run"))
    return _export(request, len(rows), selectors.RECONCILIATION_HEADERS, iter(rows), form.cleaned_data["format"],
                   f"reconciliation-{run.pk}-{run.business_date:%Y%m%d}", title=_l("Reconciliation report"),
                   subtitle=_("Run %(run)s of %(date)s") % {"run": run.pk, "date": run.business_date})


def judicial_register(request):
    """The judicial app's register of deductions (its selector and table), for one bounded period."""
    from judicial import selectors as judicial_selectors
    from judicial.tables import RegisterTable

    d, refused = _period_form(request, "judicial")
    if refused:
        return refused
    start, end = d["start"], d["end"]
    rows = judicial_selectors.deduction_register(
        viewer=request.user, filters={"date_from": start.isoformat(), "date_to": end.isoformat()}
    )
    filename = f"judicial-deductions-{start:%Y%m%d}-{end:%Y%m%d}"
    if d["format"] != "pdf":
        return export_response(request, RegisterTable(rows), d["format"], filename=filename)
    try:
        exports.check_period(start, end)
        exports.check_rows(rows.count())
    except ApplicationError as exc:
        return _refuse(request, error=exc)
    values = iter(RegisterTable(rows).as_values())
    headers = next(values)
    return _pdf(request, filename, title=_l("Register of judicial deductions"), subtitle=_period_text(start, end),
                headers=headers, rows=values, count=rows.count(), start=start, end=end)


def certificate_register(request):
    return _period_export(request, "certificates", selectors.certificate_register, selectors.CERTIFICATE_HEADERS,
                          _l("Register of issued certificates"))


def statement_register(request):
    form = YearExportForm(request.GET, prefix="statements")
    if not form.is_valid():
        return _refuse(request, form)
    d = form.cleaned_data
    count, rows = selectors.statement_register(viewer=request.user, year=d["year"])
    return _export(request, count, selectors.STATEMENT_HEADERS, rows, d["format"], f"statements-{d['year']}",
                   title=_l("Register of annual statements"),
                   subtitle=_("Interest year ending in %(y)s") % {"y": d["year"]})
