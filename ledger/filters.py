"""FilterSets of the ledger app, shared by the selectors, the staff list pages and the API."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.filters import FilterSet, SearchFilter
from ledger.models import BankAccount, BankStatementLine, ReconciliationRun

DATE_INPUT = forms.DateInput(attrs={"type": "date"})


class StatementLineFilter(FilterSet):
    q = SearchFilter(label=_("Serial number, counterparty or remark"))
    bank_account = django_filters.ModelChoiceFilter(label=_("Bank account"), queryset=BankAccount.objects.all(),
                                                    empty_label=_("All bank accounts"))
    direction = django_filters.ChoiceFilter(label=_("Direction"), choices=BankStatementLine.Direction.choices,
                                            empty_label=_("Both directions"))
    match_status = django_filters.ChoiceFilter(label=_("Match"), choices=BankStatementLine.Match.choices,
                                               empty_label=_("Any match"))
    date_from = django_filters.DateFilter(label=_("Value date from"), field_name="value_date", lookup_expr="gte",
                                          widget=DATE_INPUT)
    date_to = django_filters.DateFilter(label=_("Value date until"), field_name="value_date", lookup_expr="lte",
                                        widget=DATE_INPUT)

    class Meta:
        model = BankStatementLine
        fields = ["q", "bank_account", "direction", "match_status", "date_from", "date_to"]

    def search(self, queryset, name, value):
        q = value.strip()
        if not q:
            return queryset
        return queryset.filter(Q(bank_reference=q) | Q(counterparty_name__icontains=q) | Q(remark__icontains=q)
                               | Q(counterparty_account=q))


class ReconciliationRunFilter(FilterSet):
    ok = django_filters.BooleanFilter(label=_("All agree"), widget=forms.Select(choices=[
        ("", _("Any result")), ("true", _("Agree")), ("false", _("Differences"))]))
    date_from = django_filters.DateFilter(label=_("Business date from"), field_name="business_date",
                                          lookup_expr="gte", widget=DATE_INPUT)
    date_to = django_filters.DateFilter(label=_("Business date until"), field_name="business_date",
                                        lookup_expr="lte", widget=DATE_INPUT)

    class Meta:
        model = ReconciliationRun
        fields = ["ok", "date_from", "date_to"]
