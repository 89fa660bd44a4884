"""Counter pages for arrears (欠缴): the list (sorted, paged, exported as CSV/XLSX) and detection."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import roles
from core.errors import ApplicationError
from core.money import format_yuan
from core.tables import list_page
from deposits import selectors
from deposits.filters import ArrearsFilter
from deposits.services import arrears as arrears_services
from deposits.tables import ArrearsTable

WRITE = roles.ACCOUNT_WRITE_ROLES
ROWS_PER_PAGE = 100


def arrears(request):
    data = request.GET if "status" in request.GET else {**request.GET.dict(), "status": "open"}
    table = ArrearsTable(selectors.arrears_list(data, viewer=request.user))
    return list_page(request, "deposits/arrears.html", table=table, filename="arrears", filterset=ArrearsFilter(data),
                     context={"summary": list(selectors.arrears_by_employer(data, viewer=request.user)[:ROWS_PER_PAGE]),
                              "can_write": roles.has_role(request.user, *WRITE)})


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
