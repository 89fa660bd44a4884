"""Counter forms. They parse and check the input; the services decide. ``show_error`` puts an
ApplicationError's message next to the fields it names."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Depositor, EconomicType, Employer, FundAccount
from accounts.widgets import employer_lookup
from core import business_date
from core.forms import MoneyField, PercentField, bootstrap_widgets
from core.identity import validate_phone, validate_resident_id, validate_uscc
from ledger.models import Bank

HUNDRED = Decimal(100)
EMPLOYER_DEFAULT = _("In percent, e.g. 12. Leave empty to use the employer's ratio.")
CENTER_DEFAULT = _("In percent, e.g. 12. Leave empty for the center's default.")


def _label(model, name):
    return capfirst(model._meta.get_field(name).verbose_name)


def _percent_field(label, help_text=EMPLOYER_DEFAULT):
    return PercentField(label=label, required=False, help_text=help_text)


def _money_field(label):
    return MoneyField(label=label)


class CounterForm(forms.Form):
    """Bootstrap classes on every widget, percent inputs turned into ratios, service errors shown."""

    percent_fields: tuple = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap_widgets(self)

    def add_error(self, field, error):
        super().add_error(field, error)
        for name in self._errors or {}:
            if name in self.fields:
                widget = self.fields[name].widget
                if "is-invalid" not in widget.attrs.get("class", ""):
                    widget.attrs["class"] = widget.attrs.get("class", "") + " is-invalid"

    def clean(self):
        data = super().clean()
        for name in self.percent_fields:
            if data.get(name) is not None:
                data[name] = data[name] / HUNDRED
        return data

    def show_error(self, exc):
        """Show an ApplicationError: each message under the field it names, the rest above the form."""
        placed = False
        for name, messages in (exc.fields or {}).items():
            if name in self.fields:
                for message in messages:
                    self.add_error(name, message)
                placed = True
        if not placed:
            self.add_error(None, exc.message)


class EmployerForm(CounterForm):
    percent_fields = ("employer_ratio", "employee_ratio")

    uscc = forms.CharField(label=_label(Employer, "uscc"), max_length=30)
    name = forms.CharField(label=_label(Employer, "name"), max_length=120)
    address = forms.CharField(label=_label(Employer, "address"), max_length=200)
    legal_representative = forms.CharField(label=_label(Employer, "legal_representative"), max_length=60)
    contact_name = forms.CharField(label=_label(Employer, "contact_name"), max_length=60)
    contact_phone = forms.CharField(label=_label(Employer, "contact_phone"), max_length=20)
    economic_type = forms.ChoiceField(label=_label(Employer, "economic_type"), choices=EconomicType.choices)
    industry = forms.CharField(label=_label(Employer, "industry"), max_length=60, required=False)
    payday = forms.IntegerField(label=_label(Employer, "payday"), min_value=1, max_value=28,
                                help_text=Employer._meta.get_field("payday").help_text)
    bank = forms.ChoiceField(label=_label(Employer, "bank"), choices=Bank.choices)
    employer_ratio = _percent_field(_label(Employer, "employer_ratio"), CENTER_DEFAULT)
    employee_ratio = _percent_field(_label(Employer, "employee_ratio"), CENTER_DEFAULT)

    def clean_uscc(self):
        return validate_uscc(self.cleaned_data["uscc"])

    def clean_contact_phone(self):
        return validate_phone(self.cleaned_data["contact_phone"])


class EmployerChangeForm(EmployerForm):
    """The registered facts that may change (the USCC may not: a new code is a new registration)."""

    def __init__(self, *args, employer, **kwargs):
        initial = {name: getattr(employer, name) for name in self.base_fields if name != "uscc"}
        for name in self.percent_fields:
            initial[name] = (initial[name] * HUNDRED).normalize()
        super().__init__(*args, initial=initial, **kwargs)
        del self.fields["uscc"]
        for name in self.percent_fields:
            self.fields[name].required = True
            self.fields[name].help_text = _("In percent, e.g. 12.")
        self.employer = employer

    def changes(self):
        """Only what differs from the employer as it is."""
        return {name: value for name, value in self.cleaned_data.items()
                if value != getattr(self.employer, name)}


class EmployerCloseForm(CounterForm):
    reason = forms.CharField(label=_("Reason for closing"), max_length=200)


class OpenAccountForm(CounterForm):
    percent_fields = ("employee_ratio", "employer_ratio")

    employer = forms.CharField(label=_("Employer account number"), max_length=20, widget=employer_lookup())
    name = forms.CharField(label=_("Name"), max_length=60)
    id_number = forms.CharField(label=_label(Depositor, "id_number"), max_length=30)
    phone = forms.CharField(label=_label(Depositor, "phone"), max_length=20, required=False)
    marital_status = forms.ChoiceField(label=_label(Depositor, "marital_status"), choices=Depositor.Marital.choices)
    local_hukou = forms.BooleanField(label=_label(Depositor, "local_hukou"), required=False, initial=True)
    children = forms.IntegerField(label=_label(Depositor, "children"), min_value=0, max_value=20, initial=0)
    base = _money_field(_label(FundAccount, "base"))
    employee_ratio = _percent_field(_label(FundAccount, "employee_ratio"))
    employer_ratio = _percent_field(_label(FundAccount, "employer_ratio"))

    def clean_employer(self):
        return employer_by_number(self.cleaned_data["employer"])

    def clean_id_number(self):
        return validate_resident_id(self.cleaned_data["id_number"], today=business_date.today())


class SealForm(CounterForm):
    reason = forms.CharField(label=_label(FundAccount, "seal_reason"), max_length=200,
                             help_text=_("For example: left the employer, retired."))


class UnsealForm(CounterForm):
    percent_fields = ("employee_ratio", "employer_ratio")

    employer = forms.CharField(label=_("Employer account number"), max_length=20, widget=employer_lookup())
    base = MoneyField(label=_label(FundAccount, "base"), required=False,
                      help_text=_("Leave empty to keep the current base."))
    employee_ratio = _percent_field(_label(FundAccount, "employee_ratio"))
    employer_ratio = _percent_field(_label(FundAccount, "employer_ratio"))

    def clean_employer(self):
        return employer_by_number(self.cleaned_data["employer"])


def employer_by_number(value) -> Employer:
    number = (value or "").strip().upper()
    employer = Employer.objects.filter(account_number=number).first()
    if employer is None:
        raise ValidationError(gettext("There is no employer with the account number %(n)s.") % {"n": number},
                              code="unknown_employer")
    return employer


class RefuseRegistrationForm(CounterForm):
    reason = forms.CharField(label=_("Reason for refusal"), max_length=200,
                             help_text=_("The applicant is told this reason."))
