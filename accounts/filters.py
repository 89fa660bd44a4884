"""FilterSets of the accounts app, shared by the selectors, the staff list pages and the API."""

import re

import django_filters
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
        trigram index of migration accounts 0003 where the server has pg_trgm)."""
        q = value.strip()[:120]
        if not q:
            return queryset
        upper = q.upper().replace(" ", "")
        if USCC_LIKE.match(upper):
            return queryset.filter(uscc=upper)
        if EMPLOYER_NUMBER_LIKE.match(upper):
            return queryset.filter(account_number=upper)
        return queryset.filter(name__icontains=q)
