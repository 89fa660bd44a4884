"""Forms of the documents pages: the period and the year of an auditor's export, the year of a statement run."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import DateField, YearField, bootstrap_widgets

FORMAT_CHOICES = (("csv", "CSV"), ("xlsx", "XLSX"))


class PeriodExportForm(forms.Form):
    start = DateField(label=_("From"))
    end = DateField(label=_("To"))
    format = forms.ChoiceField(label=_("Format"), choices=FORMAT_CHOICES)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap_widgets(self)


class YearExportForm(forms.Form):
    year = YearField(label=_("Interest year ending in"))
    format = forms.ChoiceField(label=_("Format"), choices=FORMAT_CHOICES)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap_widgets(self)


class ReconciliationExportForm(forms.Form):
    run = forms.IntegerField(
        label=_("Reconciliation run (empty: the latest)"), required=False, min_value=1, max_value=2**62
    )
    format = forms.ChoiceField(label=_("Format"), choices=FORMAT_CHOICES)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap_widgets(self)
