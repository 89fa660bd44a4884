"""Counter forms for remittance lists and bank statements. They parse the input; the services decide.

``show_error`` puts an ApplicationError's message above the form, its per-field messages under the
fields, and keeps the row problems of an upload (``fields["rows"]``) for the page to list."""

import datetime
import re

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import CounterForm, employer_by_number
from accounts.widgets import account_lookup, employer_lookup
from core.forms import DateField, MoneyField, MonthField, PercentField
from core.money import format_yuan
from deposits.models import DeferralApplication
from ledger.models import BankAccount, BankStatementLine

MAX_SUPPLEMENTARY_MONTHS = 120
DEFERRAL_AHEAD = 36  # months after the business date a deferral period may reach (at most the policy's maximum)
FLEXIBLE_AHEAD = 12  # a flexible worker may pay up to a year ahead


def month_field(label, required=True, help_text="", ahead=1):
    return MonthField(label=label, required=required, help_text=help_text, ahead=ahead)


def months_from_to(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    months, month = [], datetime.date(first.year, first.month, 1)
    while month <= last:
        months.append(month)
        month = datetime.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return months



def _clean_month_range(form, data):
    """month_from … month_to (one month when the end is blank) into ``data["months"]``, at most
    MAX_SUPPLEMENTARY_MONTHS of them."""
    first, last = data.get("month_from"), data.get("month_to") or data.get("month_from")
    if first and last:
        if last < first:
            form.add_error("month_to", _("The last month cannot be before the first month."))
        elif len(months_from_to(first, last)) > MAX_SUPPLEMENTARY_MONTHS:
            form.add_error("month_to", _("At most %(n)d months at a time.") % {"n": MAX_SUPPLEMENTARY_MONTHS})
        else:
            data["months"] = months_from_to(first, last)

class DepositForm(CounterForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.row_errors = []

    def show_error(self, exc):
        """The message above the form, each field message under its field, upload rows kept for the page."""
        self.row_errors = list((exc.fields or {}).get("rows", []))
        placed = set()
        for name, messages in (exc.fields or {}).items():
            if name in self.fields:
                for message in messages:
                    self.add_error(name, message)
                    placed.add(str(message))
        summary = getattr(exc, "summary", None)
        if self.row_errors and summary:  # the rows are listed below: the heading does not repeat the first
            self.add_error(None, summary)
        elif str(exc.message) not in placed:  # a message shown under its field is not repeated above the form
            self.add_error(None, exc.message)


class GenerateForm(DepositForm):
    month = month_field(_("Month"))


class UploadForm(DepositForm):
    file = forms.FileField(label=_("Filled-in list (.xlsx or .csv)"))


class LineForm(DepositForm):
    percent_fields = ("employee_ratio", "employer_ratio")

    account = forms.CharField(label=_("Personal account number"), max_length=20, widget=account_lookup())
    month = month_field(_("Month covered"), required=False,
                        help_text=_("Only for supplementary lists; empty: the list's month."))
    base = MoneyField(label=_("Deposit base"), required=False, help_text=_("Empty: the account's base."))
    employee_ratio = PercentField(label=_("Employee ratio (%)"), required=False,
                                  help_text=_("Empty: the account's ratio."))
    employer_ratio = PercentField(label=_("Employer ratio (%)"), required=False,
                                  help_text=_("Empty: the account's ratio."))

    def clean_account(self):
        return self.cleaned_data["account"].strip()


class RemoveLineForm(DepositForm):
    account = forms.CharField(max_length=20, widget=forms.HiddenInput)
    month = DateField(required=False, widget=forms.HiddenInput)


class PaymentForm(DepositForm):
    """The bank line that paid the list. The list shows the lines of the same amount; any unmatched
    incoming line is accepted here so that the service, not the form, judges the amount."""

    line = forms.ModelChoiceField(label=_("Incoming bank line"), queryset=BankStatementLine.objects.none(),
                                  empty_label=_("Choose the bank line"))

    def __init__(self, *args, queryset=None, **kwargs):
        super().__init__(*args, **kwargs)
        if queryset is not None:
            self.fields["line"].queryset = queryset

    def show_candidates(self, lines):
        """The lines offered in the drop-down (those of the list's amount)."""
        self.fields["line"].choices = [("", _("Choose the bank line")), *[(c.pk, bank_line_label(c)) for c in lines]]


def bank_line_label(line) -> str:
    parts = [line.value_date.isoformat(), line.bank_reference, format_yuan(line.amount), line.counterparty_name,
             line.remark]
    return " · ".join(p for p in parts if p)


class AllocateForm(DepositForm):
    EMPLOYER, GENERAL = "employer", "general"
    source = forms.ChoiceField(label=_("Take the money from"), initial=EMPLOYER,
                               widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                               choices=[(EMPLOYER, _("The employer's suspense")),
                                        (GENERAL, _("The general suspense (payer unknown)"))])


class ReverseForm(DepositForm):
    reason = forms.CharField(label=_("Reason for the correction"), required=False, max_length=200,
                             widget=forms.Textarea(attrs={"rows": 2}))


class SupplementaryForm(DepositForm):
    month_from = month_field(_("From month"))
    month_to = month_field(_("To month"), required=False, help_text=_("Empty: the same month."))
    accounts = forms.CharField(label=_("Personal account numbers"), required=False,
                               widget=forms.Textarea(attrs={"rows": 2}),
                               help_text=_("Separated by spaces, commas or new lines. Empty: every active employee."))
    reason = forms.CharField(label=_("Reason"), required=False, max_length=200,
                             help_text=_("For example: missed when the employee joined."))

    def clean(self):
        data = super().clean()
        _clean_month_range(self, data)
        data["account_numbers"] = [n.upper() for n in re.split(r"[\s,，;；、]+", data.get("accounts") or "") if n]
        return data


class StatementImportForm(DepositForm):
    bank_account = forms.ModelChoiceField(label=_("Center bank account"), empty_label=None,
                                          queryset=BankAccount.objects.order_by("bank", "number"))
    file = forms.FileField(label=_("Statement file (.csv or .xlsx)"))
    closing_balance = forms.DecimalField(label=_("Bank's closing balance"), max_digits=17, decimal_places=2,
                                         help_text=_("The balance the bank's statement shows after its last line."))


class SuspenseForm(DepositForm):
    employer = forms.CharField(label=_("Employer account number"), required=False, max_length=20,
                               widget=employer_lookup(),
                               help_text=_("Empty: the general suspense."))

    def clean_employer(self):
        value = (self.cleaned_data.get("employer") or "").strip()
        return employer_by_number(value) if value else None


# --- arrears, deferral and ratio reduction, flexible workers, base adjustment ------------------------------

class DecisionForm(DepositForm):
    comment = forms.CharField(label=_("Comment"), required=False, max_length=500,
                              widget=forms.Textarea(attrs={"rows": 2}))


class DeferralApplyForm(DepositForm):
    """An employer's application. The evidence is optional here so that the service gives its own reason."""

    percent_fields = ("employee_ratio", "employer_ratio")

    kind = forms.ChoiceField(label=_("Kind"), choices=DeferralApplication.Kind.choices)
    month_from = month_field(_("First month"), ahead=DEFERRAL_AHEAD)
    month_to = month_field(_("Last month"), ahead=DEFERRAL_AHEAD)
    employee_ratio = PercentField(label=_("Reduced employee ratio (%)"), required=False,
                                  help_text=_("Only for a ratio reduction."))
    employer_ratio = PercentField(label=_("Reduced employer ratio (%)"), required=False,
                                  help_text=_("Only for a ratio reduction."))
    reason = forms.CharField(label=_("Difficulties of the employer"), required=False,
                             widget=forms.Textarea(attrs={"rows": 3}))
    decision_date = DateField(label=_("Date of the workers' congress or union decision"))
    evidence = forms.FileField(label=_("Decision of the workers' congress or union (PDF, JPG or PNG)"),
                               required=False)


class FlexibleRegisterForm(DepositForm):
    percent_fields = ("ratio",)

    name = forms.CharField(label=_("Name"), max_length=50)
    id_number = forms.CharField(label=_("ID number"), max_length=18)
    phone = forms.CharField(label=_("Mobile phone"), required=False, max_length=20)
    base = MoneyField(label=_("Declared base"))
    ratio = PercentField(label=_("Combined ratio (%)"),
                         help_text=_("The person pays both sides, 10% to 24% of the base."))


class FlexibleSelfForm(DepositForm):
    """A depositor continuing a sealed account as a flexible worker."""

    percent_fields = ("ratio",)

    base = MoneyField(label=_("Declared base"))
    ratio = PercentField(label=_("Combined ratio (%)"), help_text=_("You pay both sides, 10% to 24% of the base."))


class FlexibleDepositForm(DepositForm):
    account = forms.CharField(label=_("Personal account number"), max_length=20, widget=account_lookup())
    month_from = month_field(_("From month"), ahead=FLEXIBLE_AHEAD)
    month_to = month_field(_("To month"), required=False, help_text=_("Empty: the same month."), ahead=FLEXIBLE_AHEAD)
    line = forms.ModelChoiceField(label=_("Incoming bank line"), queryset=BankStatementLine.objects.none(),
                                  empty_label=_("Choose the bank line"))

    def __init__(self, *args, queryset=None, **kwargs):
        super().__init__(*args, **kwargs)
        if queryset is not None:
            self.fields["line"].queryset = queryset
            self.fields["line"].label_from_instance = bank_line_label

    def clean(self):
        data = super().clean()
        _clean_month_range(self, data)
        data["account"] = (data.get("account") or "").strip().upper()
        return data


class BaseFileForm(DepositForm):
    file = forms.FileField(label=_("Filled-in base file (.xlsx or .csv)"))


