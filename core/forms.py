"""Form helpers shared by every app's staff forms and filter forms, and the bounded fields every form uses
for numbers, dates, months and years (the rules are in ``core.bounds``)."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core import bounds
from core.errors import InvalidInput


def bootstrap_widgets(form):
    """Give every widget of ``form`` its Bootstrap 5 class (check box, select or text control)."""
    for field in form.fields.values():
        widget = field.widget
        css = (
            "form-check-input"
            if isinstance(widget, forms.CheckboxInput)
            else ("form-select" if isinstance(widget, forms.Select) else "form-control")
        )
        widget.attrs.setdefault("class", css)


# --- bounded fields: every number, date, month and year a form takes (the rules are in core.bounds) --------


MONTH_INPUT_FORMATS = ["%Y-%m", "%Y-%m-%d"]


def _bounded(check, value, **kwargs):
    try:
        return check(value, **kwargs)
    except InvalidInput as exc:
        raise ValidationError(exc.message, code=exc.code) from exc


class _ShortNumber:
    """Text longer than any number worth reading is refused before it is parsed."""

    def to_python(self, value):
        if isinstance(value, str) and len(value.strip()) > bounds.MAX_NUMBER_TEXT:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class MoneyField(_ShortNumber, forms.DecimalField):
    """An amount in yuan: at most two places and ``bounds.MONEY_MAX``; negative only with ``negative=True``."""

    def __init__(self, *, negative=False, **kwargs):
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", bounds.MONEY_PLACES)
        self.negative = negative
        super().__init__(**kwargs)

    def validate(self, value):
        super().validate(value)
        if value not in self.empty_values:
            _bounded(bounds.money, value, negative=self.negative)


class PercentField(_ShortNumber, forms.DecimalField):
    """A ratio typed in percent (12 = 12%): 0 to 100 with at most two places; the form divides it by 100."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 5)
        kwargs.setdefault("decimal_places", bounds.PERCENT_PLACES)
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", 100)
        super().__init__(**kwargs)


class DateField(forms.DateField):
    """A date within the plausible window (``bounds.date``); ``ahead``: months after the business date's."""

    def __init__(self, *, ahead=1, **kwargs):
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
        self.ahead = ahead
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, str) and len(value) > 40:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)

    def validate(self, value):
        super().validate(value)
        if value not in self.empty_values:
            _bounded(bounds.date, value, ahead=self.ahead)


class MonthField(DateField):
    """A month typed as YYYY-MM (or a date in it), cleaned to its first day, within the plausible window."""

    default_error_messages = {"invalid": _("Enter a month as YYYY-MM.")}

    def __init__(self, *, ahead=1, **kwargs):
        kwargs.setdefault("input_formats", MONTH_INPUT_FORMATS)
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "month"}, format="%Y-%m"))
        super().__init__(ahead=ahead, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return datetime.date(value.year, value.month, 1) if value else value

    def validate(self, value):
        forms.DateField.validate(self, value)
        if value not in self.empty_values:
            _bounded(bounds.month, value, ahead=self.ahead)


class YearField(_ShortNumber, forms.IntegerField):
    """An interest year (the calendar year in which it ends), within ``bounds.year``."""

    def validate(self, value):
        super().validate(value)
        if value not in self.empty_values:
            _bounded(bounds.year, value)


def check_text_numbers(form, *, money=(), whole=(), whole_max=600):
    """For forms that keep numbers as text (facts stored as given): each non-empty field of ``money`` must be a
    bounded amount (``bounds.money``), each of ``whole`` a whole number from 1 to ``whole_max``; a bad one gets
    the bound's message under the field. The cleaned value is the normalized text."""
    data = form.cleaned_data
    for names, check in ((money, bounds.money), (whole, lambda v: bounds.whole(v, minimum=1, maximum=whole_max))):
        for name in names:
            value = data.get(name)
            if value in (None, ""):
                continue
            try:
                data[name] = str(check(value))
            except InvalidInput as exc:
                form.add_error(name, exc.message)
