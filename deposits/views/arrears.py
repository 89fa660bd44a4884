"""Counter pages for arrears (欠缴): the list, its CSV/XLSX export, and detection."""

import csv
import io

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import roles
from core.errors import ApplicationError
from core.money import format_yuan
from deposits import forms, selectors
from deposits.services import arrears as arrears_services

WRITE = roles.ACCOUNT_WRITE_ROLES
ROWS_PER_PAGE = 100
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _arrears_rows(records):
    for r in records:
        yield [r.employer.account_number, r.employer.name, f"{r.month:%Y-%m}", r.headcount,
               format_yuan(r.amount_expected), format_yuan(r.amount_received), format_yuan(r.amount_due),
               r.deadline.isoformat(), r.get_status_display()]


def _arrears_export(records, fmt):
    header = [_("Employer account number"), _("Employer"), _("Month"), _("Employees"), _("Amount expected"),
              _("Amount received"), _("Amount in arrears"), _("Deadline"), _("Status")]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(_arrears_rows(records.iterator(chunk_size=2000)))
        response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="arrears.csv"'
        return response
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Arrears"))
    ws.append(header)
    for row in _arrears_rows(records.iterator(chunk_size=2000)):
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="arrears.xlsx"'
    return response


def arrears(request):
    form = forms.ArrearsFilterForm(request.GET if "status" in request.GET else {**request.GET.dict(),
                                                                               "status": "open"})
    filters = form.cleaned_data if form.is_valid() else {"status": "open"}
    records = selectors.arrears_list(filters, viewer=request.user)
    if request.GET.get("export") in ("csv", "xlsx"):
        return _arrears_export(records, request.GET["export"])
    query = request.GET.copy()
    for key in ("page", "export"):
        query.pop(key, None)
    return render(request, "deposits/arrears.html", {
        "form": form, "page": Paginator(records, ROWS_PER_PAGE).get_page(request.GET.get("page")),
        "summary": list(selectors.arrears_by_employer(filters, viewer=request.user)[:ROWS_PER_PAGE]),
        "query": query.urlencode(), "can_write": roles.has_role(request.user, *WRITE),
    })


@require_POST
def arrears_detect(request):
    try:
        result = arrears_services.detect_arrears(actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Arrears checked: %(e)d employers owe %(m)d months, %(a)s yuan in all "
                                    "(%(n)d new, %(c)d cleared, %(r)d reminders).")
                         % {"e": result["employers"], "m": result["months"], "a": format_yuan(result["amount_due"]),
                            "n": result["new"], "c": result["cleared"], "r": result["reminders"]})
    return redirect("deposits:arrears")
