"""FilterSets of the judicial app, shared by the selectors and the staff pages."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.filters import FilterSet, SearchFilter
from judicial.models import BasisType, Court, JudicialRequest

JR = JudicialRequest


class RegisterFilter(FilterSet):
    """The register of judicial deductions."""

    q = SearchFilter(label=_("Case number, request number, name, ID number or applicant"))
    court = django_filters.ModelChoiceFilter(label=_("Court"), queryset=Court.objects.all(),
                                             empty_label=_("All courts"))
    state = django_filters.ChoiceFilter(label=_("State"), choices=JR.State.choices, empty_label=_("All states"))
    basis_type = django_filters.ChoiceFilter(label=_("Basis document type"), choices=BasisType.choices,
                                             empty_label=_("All bases"))
    risk_flagged = django_filters.BooleanFilter(label=_("Flagged"), widget=forms.Select(choices=(
        ("", _("Flagged or not")), ("true", _("Flagged")), ("false", _("Not flagged")))))
    date_from = django_filters.DateFilter(label=_("Received from"), field_name="received_on", lookup_expr="gte",
                                          widget=forms.DateInput(attrs={"type": "date"}))
    date_to = django_filters.DateFilter(label=_("Received until"), field_name="received_on", lookup_expr="lte",
                                        widget=forms.DateInput(attrs={"type": "date"}))

    class Meta:
        model = JR
        fields = ["q", "court", "state", "basis_type", "risk_flagged", "date_from", "date_to"]

    def search(self, queryset, name, value):
        q = value.strip()
        if not q:
            return queryset
        return queryset.filter(Q(case_number__icontains=q) | Q(number=q) | Q(id_number=q.upper())
                               | Q(person_name=q) | Q(creditor_name__icontains=q))
