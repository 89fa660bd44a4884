"""Forms of the ledger's staff pages. They parse and bound the input; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import bootstrap_widgets
from ledger.models import Account, BankAccount


class LedgerForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap_widgets(self)

    def show_error(self, exc):
        self.add_error(None, exc.message)
        for name, messages in (exc.fields or {}).items():
            if name in self.fields:
                for message in messages:
                    self.add_error(name, message)


class OverdraftChangeForm(LedgerForm):
    account = forms.CharField(label=_("Ledger account code"), max_length=40)
    allowed = forms.TypedChoiceField(
        label=_("May go below zero"), coerce=lambda v: v == "1", choices=[("1", _("Yes")), ("0", _("No"))]
    )
    reason = forms.CharField(label=_("Reason"), max_length=200)

    def clean_account(self):
        code = self.cleaned_data["account"].strip()
        account = Account.objects.filter(code=code).first()
        if account is None:
            raise forms.ValidationError(_("There is no ledger account %(c)s.") % {"c": code})
        return account


class OpeningBalanceChangeForm(LedgerForm):
    bank_account = forms.ModelChoiceField(
        label=_("Center bank account"), empty_label=None, queryset=BankAccount.objects.order_by("bank", "number")
    )
    opening_balance = forms.DecimalField(label=_("Statement opening balance"), max_digits=17, decimal_places=2)
    reason = forms.CharField(label=_("Reason"), max_length=200)


class DecisionForm(LedgerForm):
    comment = forms.CharField(label=_("Comment"), max_length=500, required=False)
