"""FilterSets of the accounts app, shared by the selectors, the staff list pages and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Employer
from core.filters import FilterSet, SearchFilter


class EmployerFilter(FilterSet):
    q = SearchFilter(label=_("Name, account number or USCC"))
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Employer.Status.choices,
                                         empty_label=_("All statuses"))

    class Meta:
        model = Employer
        fields = ["q", "status"]

    def search(self, queryset, name, value):
        q = value.strip()
        if not q:
            return queryset
        upper = q.upper()
        return queryset.filter(Q(name__icontains=q) | Q(account_number=upper) | Q(uscc=upper))
