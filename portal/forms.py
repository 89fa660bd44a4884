from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from core.identity import validate_resident_id


class DepositorLoginForm(AuthenticationForm):
    """Log in with the ID number (the user name of a depositor) and a password."""

    username = forms.CharField(label=_("ID number"), max_length=18,
                               widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}))

    def clean_username(self):
        value = self.cleaned_data["username"]
        return validate_resident_id(value)


class MonthForm(forms.Form):
    month = forms.DateField(label=_("Month"), input_formats=["%Y-%m"],
                            widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"))


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Remittance list file (.xlsx or .csv)"))


class LineForm(forms.Form):
    account = forms.CharField(label=_("Personal account number"), max_length=20)
    base = forms.DecimalField(label=_("Deposit base"), max_digits=18, decimal_places=2, required=False)
