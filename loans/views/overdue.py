"""Counter pages of overdue monitoring (DOMAIN.md §5): the dashboard (the overdue ratio by both definitions, the
buckets, the trend by month, the daily close of business with its progress), the collection workbench (overdue
loans by grade and days past due, exportable), a loan's collection page (its log, record a call or a visit, request
and approve accelerate / write-off) and the monthly credit-report file. Thin: parse, call one service or
selector, render."""

from decimal import Decimal

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import audit, batch, roles, tabular
from core.errors import ApplicationError
from core.tables import list_page
from loans import forms, overdue_selectors
from loans.forms import add_errors
from loans.models import LoanActionRequest, LoanCloseOfBusiness
from loans.services import close_of_business, collection
from loans.tables import CloseOfBusinessTable, OverdueTable

RUN_ROLES = close_of_business.RUN_ROLES


def _closes():
    return CloseOfBusinessTable(
        LoanCloseOfBusiness.objects.select_related("run").order_by("-business_date"), orderable=False
    )


def _bars(values: list[tuple[str, Decimal]], height=120):
    """Bars of an inline SVG chart: [(label, value)] → [{"label", "value", "x", "y", "h"}]."""
    top = max((v for _label, v in values), default=0) or 1
    return [
        {
            "label": label,
            "value": value,
            "x": 10 + i * 60,
            "h": int(value * height / top),
            "y": height - int(value * height / top),
        }
        for i, (label, value) in enumerate(values)
    ]


def dashboard(request, form=None):
    data = overdue_selectors.overview(viewer=request.user)
    figures = data["figures"]
    buckets = [(overdue_selectors.BUCKET_LABELS[k], Decimal(v["amount"])) for k, v in figures["buckets"].items()]
    trend = [(t["month"], Decimal(t["generic"])) for t in data["trend"]]
    return list_page(
        request,
        "loans/overdue_dashboard.html",
        table=_closes(),
        filename="loan_close_of_business",
        per_page=10,
        context={
            **data,
            "bucket_bars": _bars(buckets),
            "trend_bars": _bars(trend),
            "bucket_rows": [(overdue_selectors.BUCKET_LABELS[k], v) for k, v in figures["buckets"].items()],
            "can_run": roles.has_role(request.user, *RUN_ROLES),
            "form": form or forms.CloseOfBusinessForm(),
            "grades": overdue_selectors.grade_counts(viewer=request.user),
            "credit_form": forms.CreditReportForm(),
        },
    )


def progress(request):
    """The close-of-business runs with their progress bars, polled by htmx."""
    return list_page(request, "core/_table.html", table=_closes(), filename="loan_close_of_business", per_page=10)


@require_POST
def start(request):
    from loans import tasks

    form = forms.CloseOfBusinessForm(request.POST)
    if form.is_valid():
        try:
            until = close_of_business.check_date(form.cleaned_data["on"])
            dates = close_of_business.dates_to_close(until)
            if not dates:
                messages.info(request, _("Every business date up to %(d)s is closed.") % {"d": until.isoformat()})
                return redirect("loans:overdue")
            cob = close_of_business.start(on=dates[0], actor=request.user)
        except ApplicationError as exc:
            add_errors(form, exc)
        else:
            batch.queue(cob.run, tasks.close_of_business, until=until.isoformat())
            messages.success(
                request,
                _("The close of business up to %(d)s has started (%(n)d dates).")
                % {"d": until.isoformat(), "n": len(dates)},
            )
            return redirect("loans:overdue")
    request.method = "GET"
    return dashboard(request, form=form)


def workbench(request):
    form = forms.WorkbenchFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    qs = overdue_selectors.workbench(
        viewer=request.user,
        grade=filters.get("grade", ""),
        min_dpd=filters.get("min_dpd"),
        max_dpd=filters.get("max_dpd"),
        q=filters.get("q", ""),
    )
    return list_page(
        request,
        "loans/collection_workbench.html",
        table=OverdueTable(qs),
        filename="overdue_loans",
        context={"form": form, "grades": overdue_selectors.grade_counts(viewer=request.user)},
    )


def case(request, number, contact_form=None, action_form=None):
    contract = get_object_or_404(overdue_selectors.collection_contracts(viewer=request.user), number=number[:30])
    data = overdue_selectors.collection_case(viewer=request.user, contract=contract)
    pending = [r for r in data["requests"] if r.state == LoanActionRequest.State.REQUESTED]
    return render(
        request,
        "loans/collection_case.html",
        {
            **data,
            "contact_form": contact_form or forms.ContactForm(prefix="contact"),
            "action_form": action_form or forms.ActionRequestForm(prefix="action"),
            "pending": [(r, collection.FLOW.actions_for(r, request.user)) for r in pending],
            "can_record": roles.has_role(request.user, *collection.RECORD_ROLES),
            "can_request": roles.has_role(request.user, roles.LOAN_OFFICER),
        },
    )


def _contract(request, number):
    return get_object_or_404(overdue_selectors.collection_contracts(viewer=request.user), number=number[:30])


@require_POST
def record(request, number):
    contract = _contract(request, number)
    form = forms.ContactForm(request.POST, prefix="contact")
    if form.is_valid():
        try:
            collection.record_contact(actor=request.user, contract=contract, **form.cleaned_data)
        except ApplicationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Recorded on the collection log."))
            return redirect("loans:collection_case", number=contract.number)
    request.method = "GET"
    return case(request, number, contact_form=form)


@require_POST
def request_action(request, number):
    contract = _contract(request, number)
    form = forms.ActionRequestForm(request.POST, prefix="action")
    if form.is_valid():
        try:
            collection.request_action(actor=request.user, contract=contract, **form.cleaned_data)
        except ApplicationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Requested; another person must approve it."))
            return redirect("loans:collection_case", number=contract.number)
    request.method = "GET"
    return case(request, number, action_form=form)


@require_POST
def decide(request, number, pk):
    contract = _contract(request, number)
    req = get_object_or_404(LoanActionRequest, pk=pk, contract=contract)
    approve = request.POST.get("action") == "approve"
    try:
        collection.decide(
            actor=request.user, request=req, approve=approve, comment=request.POST.get("comment", "")[:500]
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Approved and carried out.") if approve else _("Rejected."))
    return redirect("loans:collection_case", number=contract.number)


def credit_report(request):
    form = forms.CreditReportForm(request.GET or None)
    if not form.is_bound or not form.is_valid():
        if form.is_bound:
            messages.error(request, _("Give the month as YYYY-MM."))
        return redirect("loans:overdue")
    month, fmt = form.cleaned_data["month"], form.cleaned_data["format"]
    rows = overdue_selectors.credit_report_rows(viewer=request.user, month=month)
    audit.record(
        actor=request.user, action="loan.credit_report.export", after={"month": f"{month:%Y-%m}", "rows": len(rows)}
    )
    body = tabular.write(rows, overdue_selectors.CREDIT_COLUMNS, fmt)
    return tabular.download(body, fmt, filename=f"credit_report_{month:%Y%m}")
