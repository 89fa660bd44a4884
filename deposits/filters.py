"""FilterSets of the deposits app, shared by the selectors, the staff list pages and the API."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Employer
from core import roles
from core.filters import FilterSet, MonthFilter, SearchFilter
from deposits.models import ArrearsRecord, BaseAdjustment, DeferralApplication, RemittanceList


def _employers(request):
    """Employers an ``employer`` filter may name: through the API an agent names only its own employer, so the
    answer (400 for an unknown id) tells nothing about others."""
    user = getattr(request, "user", None)
    agent = getattr(user, "employer_agent", None) if user is not None and roles.has_role(
        user, roles.EMPLOYER_AGENT) and not roles.has_role(user, *roles.READ_ROLES) else None
    return Employer.objects.filter(pk=agent.employer_id) if agent is not None else Employer.objects.all()


class EmployerNumberFilter(django_filters.CharFilter):
    def __init__(self, *args, field_name="employer__account_number", **kwargs):
        kwargs.setdefault("label", _("Employer account number"))
        kwargs.setdefault("max_length", 20)
        super().__init__(*args, field_name=field_name, **kwargs)

    def filter(self, qs, value):
        return super().filter(qs, value.strip().upper() if value else value)


class RemittanceFilter(FilterSet):
    q = SearchFilter(label=_("Employer or reference"))
    month = MonthFilter(label=_("Month"))
    status = django_filters.ChoiceFilter(label=_("Status"), choices=RemittanceList.Status.choices,
                                         empty_label=_("All statuses"))
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=RemittanceList.Kind.choices,
                                       empty_label=_("All kinds"))
    employer = django_filters.ModelChoiceFilter(queryset=_employers, widget=forms.HiddenInput)

    class Meta:
        model = RemittanceList
        fields = ["q", "month", "status", "kind", "employer"]

    def search(self, queryset, name, value):
        q = value.strip()
        if not q:
            return queryset
        return queryset.filter(Q(employer__account_number=q.upper()) | Q(reference=q.upper())
                               | Q(employer__name__icontains=q))


class ArrearsFilter(FilterSet):
    employer_number = EmployerNumberFilter()
    name = django_filters.CharFilter(label=_("Employer name"), field_name="employer__name", lookup_expr="icontains",
                                     max_length=120)
    month_from = MonthFilter(label=_("From month"), field_name="month", lookup_expr="gte")
    month_to = MonthFilter(label=_("To month"), field_name="month", lookup_expr="lte")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ArrearsRecord.Status.choices,
                                         empty_label=_("All statuses"))
    min_amount = django_filters.NumberFilter(label=_("Amount in arrears at least"), field_name="amount_due",
                                             lookup_expr="gte", min_value=0, max_digits=18, decimal_places=2)
    employer = django_filters.ModelChoiceFilter(queryset=_employers, widget=forms.HiddenInput)

    class Meta:
        model = ArrearsRecord
        fields = ["employer_number", "name", "month_from", "month_to", "status", "min_amount", "employer"]


class DeferralFilter(FilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=DeferralApplication.Status.choices,
                                         empty_label=_("All statuses"))
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=DeferralApplication.Kind.choices,
                                       empty_label=_("All kinds"))
    employer = django_filters.ModelChoiceFilter(queryset=_employers, widget=forms.HiddenInput)

    class Meta:
        model = DeferralApplication
        fields = ["status", "kind", "employer"]


class BaseAdjustmentFilter(FilterSet):
    employer_number = EmployerNumberFilter()
    status = django_filters.ChoiceFilter(label=_("Status"), choices=BaseAdjustment.Status.choices,
                                         empty_label=_("All statuses"))
    effective_from = django_filters.DateFilter(label=_("Effective from"), widget=forms.DateInput(
        attrs={"type": "date"}))

    class Meta:
        model = BaseAdjustment
        fields = ["employer_number", "status", "effective_from"]
