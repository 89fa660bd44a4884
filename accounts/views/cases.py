"""Counter pages: find any case (every kind, filters, paging) and the lookups of employer and account fields."""

from django.shortcuts import render

from accounts import cases, selectors
from accounts.filters import CaseFilter
from accounts.models import FundAccount
from accounts.tables import CaseTable
from core.tables import list_page

CASES_PER_PAGE = 25


def case_search(request):
    found = cases.search_cases(viewer=request.user, filters=request.GET)
    filterset = CaseFilter(request.GET or None, queryset=FundAccount.objects.none())
    return list_page(request, "accounts/cases.html", table=CaseTable(found.rows), filename="cases",
                     filterset=filterset, per_page=CASES_PER_PAGE, context={"found": found})


def _typed(request):
    """What was typed in the field asking (its own name, e.g. ``employer`` or ``account``), bounded."""
    return next((value for value in request.GET.values() if value.strip()), "")[:60]


def lookup_employers(request):
    rows = selectors.lookup_employers(viewer=request.user, q=_typed(request))
    return render(request, "accounts/_lookup_options.html",
                  {"options": [(e.account_number, e.name) for e in rows]})


def lookup_accounts(request):
    rows = selectors.lookup_accounts(viewer=request.user, q=_typed(request))
    return render(request, "accounts/_lookup_options.html",
                  {"options": [(a.number, f"{a.depositor.name} · {a.employer.name if a.employer else '—'}")
                               for a in rows]})
