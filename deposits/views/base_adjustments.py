"""Counter pages for the annual base adjustments (基数调整) employers submit."""

from django.shortcuts import get_object_or_404

from core.tables import list_page
from deposits import selectors
from deposits.filters import BaseAdjustmentFilter
from deposits.tables import AdjustmentLineTable, BaseAdjustmentTable

LINES_PER_PAGE = 500


def base_adjustments(request):
    table = BaseAdjustmentTable(selectors.base_adjustments(request.GET, viewer=request.user))
    return list_page(request, "deposits/base_adjustments.html", table=table, filename="base-adjustments",
                     filterset=BaseAdjustmentFilter(request.GET or None))


def base_adjustment(request, pk):
    adjustment = get_object_or_404(selectors.base_adjustments(viewer=request.user), pk=pk)
    only_clamped = request.GET.get("clamped") == "1"  # the report: bases raised to the floor or lowered to the cap
    lines = selectors.clamped_lines if only_clamped else selectors.adjustment_lines
    table = AdjustmentLineTable(lines(adjustment, viewer=request.user))
    return list_page(request, "deposits/base_adjustment.html", table=table, per_page=LINES_PER_PAGE,
                     filename=f"base-adjustment-{adjustment.pk}{'-clamped' if only_clamped else ''}",
                     context={"adjustment": adjustment, "only_clamped": only_clamped})
