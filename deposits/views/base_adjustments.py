"""Counter pages for the annual base adjustments (基数调整) employers submit."""

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from core import roles
from core.tables import list_page
from core.views_helpers import staff_required
from deposits import selectors
from deposits.filters import BaseAdjustmentFilter
from deposits.models import BaseAdjustment
from deposits.tables import BaseAdjustmentTable

READ = roles.READ_ROLES
ROWS_PER_PAGE = 100


@staff_required(*READ)
def base_adjustments(request):
    table = BaseAdjustmentTable(selectors.base_adjustments(request.GET, viewer=request.user))
    return list_page(request, "deposits/base_adjustments.html", table=table, filename="base-adjustments",
                     filterset=BaseAdjustmentFilter(request.GET or None))


@staff_required(*READ)
def base_adjustment(request, pk):
    adjustment = get_object_or_404(BaseAdjustment.objects.select_related("employer", "submitted_by"), pk=pk)
    return render(request, "deposits/base_adjustment.html", {
        "adjustment": adjustment, "clamped": selectors.clamped_lines(adjustment),
        "lines": Paginator(adjustment.lines.select_related("account__depositor").order_by("row"),
                           ROWS_PER_PAGE * 5).get_page(request.GET.get("page"))})
