from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from accounts.forms import CounterForm, EmployerForm
from core.forms import DateField, MoneyField, MonthField, bootstrap_widgets, check_text_numbers
from core.identity import validate_resident_id
from withdrawals import forms as withdrawal_forms
from withdrawals.models import DocumentType, Reason, StandingInstruction


class DepositorLoginForm(AuthenticationForm):
    """Log in with the ID number (the user name of a depositor) and a password."""

    username = forms.CharField(label=_("ID number"), max_length=18,
                               widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}))

    def clean_username(self):
        value = self.cleaned_data["username"]
        return validate_resident_id(value)


class MonthForm(forms.Form):
    month = MonthField(label=_("Month"))


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Remittance list file (.xlsx or .csv)"))


class LineForm(forms.Form):
    account = forms.CharField(label=_("Personal account number"), max_length=20)
    base = MoneyField(label=_("Deposit base"), required=False)


class PortalApplicationForm(withdrawal_forms.ApplicationForm):
    """The counter's withdrawal application form, for the depositor's own account (no death cases)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["account"]
        # Death is applied for by the heirs at the counter, never from the depositor's own login.
        for name in ("no_heirs", "heirs"):
            del self.fields[name]
        self.fields["reason"].choices = [c for c in self.fields["reason"].choices if c[0] != Reason.DEATH]


class StandingForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap_widgets(self)

    def clean(self):
        data = super().clean()
        check_text_numbers(self, money=withdrawal_forms.MONEY_FACTS)
        return data

    kind = forms.ChoiceField(label=_("Kind"), choices=StandingInstruction.Kind.choices)
    monthly_amount = forms.CharField(label=_("Monthly rent or installment"), max_length=20)
    payee_card = forms.CharField(label=_("Bank card number"), max_length=23)
    payee_name = forms.CharField(label=_("Card holder"), max_length=60)


class PasswordResetRequestForm(forms.Form):
    id_number = forms.CharField(label=_("ID number"), max_length=18)
    phone = forms.CharField(label=_("Mobile phone"), max_length=20)


class PasswordResetConfirmForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=12)
    new_password1 = forms.CharField(label=_("New password"), max_length=128, widget=forms.PasswordInput)
    new_password2 = forms.CharField(label=_("New password again"), max_length=128, widget=forms.PasswordInput)

    def clean(self):
        data = super().clean()
        if data.get("new_password1") and data.get("new_password1") != data.get("new_password2"):
            self.add_error("new_password2", _("The two passwords do not match."))
        return data


class CaseDocumentForm(forms.Form):
    """One more document for the depositor's own withdrawal (asked for on a return)."""

    doc_type = forms.ChoiceField(label=_("Document type"), choices=DocumentType.choices)
    file = forms.FileField(label=_("File (PDF, JPEG or PNG)"))

    def __init__(self, *args, wanted=(), **kwargs):
        super().__init__(*args, **kwargs)
        if wanted:  # the types the case still needs first
            choices = DocumentType.choices
            self.fields["doc_type"].choices = ([c for c in choices if c[0] in wanted]
                                               + [c for c in choices if c[0] not in wanted])
        bootstrap_widgets(self)


class EmployeeSearchForm(forms.Form):
    q = forms.CharField(label=_("Name, ID number or account number"), max_length=40, required=False)


class EmployerRegistrationForm(EmployerForm):
    """An employer's online application: the counter's employer form without the ratios (the center's default
    for new employers applies), with the password of the portal login the approval makes."""

    password1 = forms.CharField(label=_("Password for the employer portal"), max_length=128,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                                help_text=_("Your user name will be the unified social credit code."))
    password2 = forms.CharField(label=_("Password again"), max_length=128,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.percent_fields:
            del self.fields[name]
        self.percent_fields = ()

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords do not match."))
        return data


class SealEmployeeForm(CounterForm):
    sealed_on = DateField(label=_("Date of leaving"))
    reason = forms.CharField(label=_("Reason for sealing"), max_length=200,
                             help_text=_("For example: left the employer, retired."))
