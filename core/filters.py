"""Pieces shared by the apps' FilterSets (``<app>/filters.py``): one FilterSet class filters a selector's
queryset, renders the filter form of a staff list page and serves as the API view's ``filterset_class``."""

import datetime

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import bootstrap_widgets

MONTH_INPUT = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")


def month_start(value) -> datetime.date:
    return datetime.date(value.year, value.month, 1)


class MonthFilter(django_filters.DateFilter):
    """A month written YYYY-MM (or a date; its month counts), compared with ``lookup_expr`` on a field that
    holds the first day of a month."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("input_formats", ["%Y-%m", "%Y-%m-%d"])
        kwargs.setdefault("widget", MONTH_INPUT)
        kwargs.setdefault("error_messages", {"invalid": _("Enter a month as YYYY-MM.")})
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        return super().filter(qs, month_start(value) if value else value)


class SearchFilter(django_filters.CharFilter):
    """Free text matched by the FilterSet's ``search(queryset, text)`` (name, ID or account number ...)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("method", "search")
        kwargs.setdefault("max_length", 120)
        super().__init__(*args, **kwargs)


class FilterForm(forms.Form):
    """The form a FilterSet renders on a staff page: Bootstrap classes, invalid fields marked."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap_widgets(self)

    def full_clean(self):
        super().full_clean()
        for name in self._errors or {}:
            if name in self.fields:
                widget = self.fields[name].widget
                if "is-invalid" not in widget.attrs.get("class", ""):
                    widget.attrs["class"] = widget.attrs.get("class", "") + " is-invalid"


class FilterSet(django_filters.FilterSet):
    """Base of the apps' FilterSets: a bound FilterSet whose data are not valid ignores the invalid fields on a
    page (the form shows their errors) and answers 400 in the API (DjangoFilterBackend)."""

    def get_form_class(self):
        fields = {name: f.field for name, f in self.filters.items()}
        base = self._meta.form if self._meta.form is not forms.Form else FilterForm
        return type(f"{type(self).__name__}Form", (base,), fields)

    @classmethod
    def apply(cls, data, queryset, **kwargs):
        """The queryset filtered by ``data`` (a QueryDict, a dict of raw or cleaned values, or None)."""
        return cls(_plain(data), queryset=queryset, **kwargs).qs


def _plain(data):
    """Filter data as a form takes it: model instances by primary key, dates as ISO text."""
    if data is None:
        return {}
    if hasattr(data, "getlist"):
        return data
    out = {}
    for key, value in data.items():
        if value is None:
            continue
        if hasattr(value, "_meta") and hasattr(value, "pk"):
            value = value.pk
        elif isinstance(value, datetime.date):
            value = value.isoformat()
        out[key] = value
    return out
