"""Forms of the certificate pages: issue (counter and portal), revoke, upload a copy to verify."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.widgets import employer_lookup
from core.forms import DateField, YearField, bootstrap_widgets
from documents.models import Certificate
from documents.services.certificates import MAX_MONTHS


class _Form(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap_widgets(self)

    def show_error(self, exc):
        """A business error next to the field it concerns (else above the form)."""
        field = next((name for name in (exc.fields or {}) if name in self.fields), None)
        self.add_error(field, exc.message)


class IssueForm(_Form):
    kind = forms.ChoiceField(label=_("Certificate"), choices=Certificate.Kind.choices)
    months = forms.IntegerField(label=_("Months of deposits listed"), min_value=1, max_value=MAX_MONTHS, initial=12,
                                required=False, help_text=_("Deposit certificate only."))
    addressee = forms.CharField(label=_("Lending city's fund center"), max_length=60, required=False,
                                help_text=_("Other-place loan certificate only, e.g. 杭州住房公积金管理中心."))
    contract_number = forms.ChoiceField(label=_("Paid-off loan"), required=False,
                                        help_text=_("Payoff certificate only."))
    valid_until = DateField(label=_("Valid until"), required=False,
                            help_text=_("Empty: the longest validity the policy allows."))

    def __init__(self, *args, contracts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contract_number"].choices = [("", "—")] + [(n, n) for n in contracts]

    def service_data(self):
        data = dict(self.cleaned_data)
        data["months"] = data.get("months") or 12
        return data


class RevokeForm(_Form):
    reason = forms.CharField(label=_("Reason for the revocation"), max_length=200)


class UploadForm(_Form):
    file = forms.FileField(label=_("The PDF you received"))


FORMAT_CHOICES = (("csv", "CSV"), ("xlsx", "XLSX"), ("pdf", _("Signed PDF")))


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


class ZipOrderForm(forms.Form):
    employer = forms.CharField(label=_("Employer account number"), max_length=20, widget=employer_lookup())
    year = YearField(label=_("Interest year ending in"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap_widgets(self)
