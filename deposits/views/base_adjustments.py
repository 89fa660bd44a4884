"""Counter pages for the annual base adjustments (基数调整) employers submit."""

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from core.tables import list_page
from deposits import selectors
from deposits.filters import BaseAdjustmentFilter
from deposits.tables import BaseAdjustmentTable

ROWS_PER_PAGE = 100


def base_adjustments(request):
    table = BaseAdjustmentTable(selectors.base_adjustments(request.GET, viewer=request.user))
    return list_page(request, "deposits/base_adjustments.html", table=table, filename="base-adjustments",
                     filterset=BaseAdjustmentFilter(request.GET or None))


def base_adjustment(request, pk):
    adjustment = get_object_or_404(selectors.base_adjustments(viewer=request.user), pk=pk)
    return render(request, "deposits/base_adjustment.html", {
        "adjustment": adjustment, "clamped": selectors.clamped_lines(adjustment, viewer=request.user),
        "lines": Paginator(selectors.adjustment_lines(adjustment, viewer=request.user),
                           ROWS_PER_PAGE * 5).get_page(request.GET.get("page"))})
