"""FilterSets of the loans app, for the loan officer's list of applications."""

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core import roles
from core.business_date import today
from core.dashboard import due_soon_until
from core.filters import FilterSet, SearchFilter
from core.templatetags.counter import staff_name
from loans.models import LoanApplication

A = LoanApplication


def officers(request=None):
    """Loan officers (the people who enter applications at the counter)."""
    return get_user_model().objects.filter(groups__name=roles.LOAN_OFFICER).order_by("username")


class ApplicationFilter(FilterSet):
    q = SearchFilter(label=_("Borrower's name, ID number, account or application number"))
    state = django_filters.ChoiceFilter(label=_("State"), choices=A.State.choices, empty_label=_("All states"))
    officer = django_filters.ModelChoiceFilter(
        label=_("Entered by"), field_name="created_by", queryset=officers, empty_label=_("Everyone")
    )
    date_from = django_filters.DateFilter(
        label=_("Applied from"),
        field_name="application_date",
        lookup_expr="gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = django_filters.DateFilter(
        label=_("Applied until"),
        field_name="application_date",
        lookup_expr="lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    due = django_filters.ChoiceFilter(label=_("Decision deadline"), method="deadline", empty_label=_("Any deadline"),
                                      choices=[("overdue", _("Past the deadline")), ("soon", _("Due soon"))])

    class Meta:
        model = A
        fields = ["q", "state", "officer", "date_from", "date_to", "due"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["officer"].field.label_from_instance = staff_name  # 王芳, not the user name

    def search(self, queryset, name, value):
        q = value.strip()
        if not q:
            return queryset
        upper = q.upper().replace(" ", "")
        return queryset.filter(
            Q(number=upper) | Q(account__number=upper) | Q(borrower__id_number=upper) | Q(borrower__name__icontains=q)
        )

    def deadline(self, queryset, name, value):
        """Applications waiting for a decision (accepted or reviewed) past their deadline, or due within
        ``core.dashboard.DUE_SOON_DAYS`` days of the business date (the counts of the staff home)."""
        on = today()
        deciding = queryset.filter(state__in=(A.State.ACCEPTED, A.State.REVIEWED))
        if value == "overdue":
            return deciding.filter(decision_due__lt=on)
        if value == "soon":
            return deciding.filter(decision_due__gte=on, decision_due__lte=due_soon_until(on))
        return queryset
