"""FilterSets of the accounts app, shared by the selectors, the staff list pages and the API."""

import re

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Employer
from core.filters import FilterSet, SearchFilter

EMPLOYER_NUMBER_LIKE = re.compile(r"^\d{1,19}X?$")  # employer account numbers: digits and a MOD 11-2 check
USCC_LIKE = re.compile(r"^[0-9A-HJ-NP-RTUWXY]{2}\d{6}[0-9A-HJ-NP-RTUWXY]{10}$")


class EmployerFilter(FilterSet):
    q = SearchFilter(label=_("Name, account number or USCC"))
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Employer.Status.choices,
                                         empty_label=_("All statuses"))

    class Meta:
        model = Employer
        fields = ["q", "status"]

    def search(self, queryset, name, value):
        """An employer account number or a USCC by equality (unique indexes), else the name anywhere in it (the
        trigram index of migration accounts 0004 where the server has pg_trgm)."""
        q = value.strip()[:120]
        if not q:
            return queryset
        upper = q.upper().replace(" ", "")
        if USCC_LIKE.match(upper):
            return queryset.filter(uscc=upper)
        if EMPLOYER_NUMBER_LIKE.match(upper):
            return queryset.filter(account_number=upper)
        return queryset.filter(name__icontains=q)


class CaseFilter(FilterSet):
    """The filters of the case search (``accounts.cases.search_cases``), applied to each kind's rows: kind,
    state (``kind:state``), date range. ``q`` and ``account`` are matched by the selector itself, by index
    lookups, before this FilterSet narrows the rows."""

    q = django_filters.CharFilter(label=_("Case number, ID number, account number, name or employer"),
                                  max_length=60, method="matched_by_selector")
    kind = django_filters.ChoiceFilter(label=_("Kind"), field_name="c_kind", empty_label=_("All kinds"),
                                       choices=lambda: _cases().kind_choices())
    state = django_filters.ChoiceFilter(label=_("State"), empty_label=_("All states"), method="filter_state",
                                        choices=lambda: _cases().state_choices())
    date_from = django_filters.DateFilter(label=_("From date"), field_name="c_date", lookup_expr="gte",
                                          widget=forms.DateInput(attrs={"type": "date"}))
    date_to = django_filters.DateFilter(label=_("To date"), field_name="c_date", lookup_expr="lte",
                                        widget=forms.DateInput(attrs={"type": "date"}))
    account = django_filters.CharFilter(max_length=20, widget=forms.HiddenInput, method="matched_by_selector")

    def matched_by_selector(self, queryset, name, value):
        return queryset

    def filter_state(self, queryset, name, value):
        kind, _sep, state = value.partition(":")
        return queryset.filter(c_kind=kind, c_state=state)


def _cases():
    from accounts import cases

    return cases
