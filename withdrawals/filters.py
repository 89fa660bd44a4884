"""FilterSets of the withdrawals app, shared by the selectors, the staff queue page and the API."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.business_date import today
from core.dashboard import due_soon_until
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
    due = django_filters.ChoiceFilter(label=_("Decision deadline"), method="deadline", empty_label=_("Any deadline"),
                                      choices=[("overdue", _("Past the deadline")), ("soon", _("Due soon"))])

    class Meta:
        model = W
        fields = ["q", "state", "reason", "date_from", "date_to", "due"]

    def deadline(self, queryset, name, value):
        """Cases waiting for a decision (accepted or reviewed) past their deadline, or due within
        ``core.dashboard.DUE_SOON_DAYS`` days of the business date (the counts of the staff home)."""
        on = today()
        deciding = queryset.filter(state__in=(W.State.ACCEPTED, W.State.REVIEWED))
        if value == "overdue":
            return deciding.filter(decision_due__lt=on)
        if value == "soon":
            return deciding.filter(decision_due__gte=on, decision_due__lte=due_soon_until(on))
        return queryset

    def search(self, queryset, name, value):
        q = value.strip()
        if not q:
            return queryset
        upper = q.upper().replace(" ", "")
        return queryset.filter(Q(number=upper) | Q(account__number=upper) | Q(depositor__id_number=upper)
                               | Q(depositor__name__icontains=q))
