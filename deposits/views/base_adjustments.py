"""Counter pages for the annual base adjustments (基数调整) employers submit."""

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from deposits import forms, selectors

ROWS_PER_PAGE = 100


def base_adjustments(request):
    form = forms.BaseAdjustmentFilterForm(request.GET or None)
    qs = selectors.base_adjustments(viewer=request.user)
    if form.is_valid():
        if form.cleaned_data["employer_number"]:
            qs = qs.filter(employer__account_number=form.cleaned_data["employer_number"].strip().upper())
        if form.cleaned_data["status"]:
            qs = qs.filter(status=form.cleaned_data["status"])
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "deposits/base_adjustments.html", {
        "form": form, "page": Paginator(qs.order_by("employer__account_number", "-effective_from", "-id"),
                                        ROWS_PER_PAGE).get_page(request.GET.get("page")),
        "query": query.urlencode()})


def base_adjustment(request, pk):
    adjustment = get_object_or_404(selectors.base_adjustments(viewer=request.user), pk=pk)
    return render(request, "deposits/base_adjustment.html", {
        "adjustment": adjustment, "clamped": selectors.clamped_lines(adjustment, viewer=request.user),
        "lines": Paginator(selectors.adjustment_lines(adjustment, viewer=request.user),
                           ROWS_PER_PAGE * 5).get_page(request.GET.get("page"))})
