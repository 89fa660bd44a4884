"""FilterSets of the withdrawals app, shared by the selectors, the staff queue page and the API."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.filters import FilterSet, SearchFilter
from withdrawals.models import Reason, WithdrawalApplication

W = WithdrawalApplication


class ApplicationFilter(FilterSet):
    q = SearchFilter(label=_("Name, ID number, account or application number"))
    state = django_filters.ChoiceFilter(label=_("State"), choices=W.State.choices, empty_label=_("All states"))
    reason = django_filters.ChoiceFilter(label=_("Reason"), choices=Reason.choices, empty_label=_("All reasons"))
    date_from = django_filters.DateFilter(label=_("Applied from"), field_name="application_date", lookup_expr="gte",
                                          widget=forms.DateInput(attrs={"type": "date"}))
    date_to = django_filters.DateFilter(label=_("Applied until"), field_name="application_date", lookup_expr="lte",
                                        widget=forms.DateInput(attrs={"type": "date"}))

    class Meta:
        model = W
        fields = ["q", "state", "reason", "date_from", "date_to"]

    def search(self, queryset, name, value):
        q = value.strip()
        if not q:
            return queryset
        upper = q.upper().replace(" ", "")
        return queryset.filter(Q(number=upper) | Q(account__number=upper) | Q(depositor__id_number=upper)
                               | Q(depositor__name__icontains=q))
