from django import forms
from django.utils.translation import gettext_lazy as _

from withdrawals.models import DocumentType, Reason

FACT_FIELDS = ("monthly_rent", "months", "family_income", "property", "invoice", "fee", "cost", "repaid",
               "medical_cost", "patient", "share_cost", "owner_id_number", "owner_relation", "retired_on")


class ApplicationForm(forms.Form):
    account = forms.CharField(label=_("Personal account number"), max_length=20)
    reason = forms.ChoiceField(label=_("Reason"), choices=Reason.choices)
    amount = forms.CharField(label=_("Amount (blank: whole balance for a closing withdrawal)"), max_length=20,
                             required=False)
    payee_card = forms.CharField(label=_("Bank card number"), max_length=23)
    payee_name = forms.CharField(label=_("Card holder"), max_length=60)
    monthly_rent = forms.CharField(label=_("Monthly rent"), required=False)
    months = forms.CharField(label=_("Months of rent"), required=False)
    family_income = forms.CharField(label=_("Family monthly wage income"), required=False)
    property = forms.CharField(label=_("Certificate or contract number of the home"), required=False)
    invoice = forms.CharField(label=_("Invoice amount"), required=False)
    fee = forms.CharField(label=_("Property fee paid"), required=False)
    cost = forms.CharField(label=_("Cost"), required=False)
    repaid = forms.CharField(label=_("Loan repaid in the last 12 months"), required=False)
    medical_cost = forms.CharField(label=_("Self-paid medical cost"), required=False)
    patient = forms.ChoiceField(label=_("Patient"), required=False, choices=[
        ("self", _("Applicant")), ("spouse", _("Spouse")), ("child", _("Child"))])
    share_cost = forms.CharField(label=_("Household share of the lift cost"), required=False)
    owner_id_number = forms.CharField(label=_("Owner's ID number (parent's home)"), required=False)
    owner_relation = forms.ChoiceField(label=_("Owner is"), required=False, choices=[
        ("", "—"), ("parent", _("Applicant's parent")), ("spouse_parent", _("Spouse's parent"))])
    retired_on = forms.DateField(label=_("Retirement date"), required=False)
    doc_type = forms.ChoiceField(label=_("Document type"), choices=DocumentType.choices)
    documents = forms.FileField(label=_("Scanned documents"), required=False)

    def facts(self):
        data = self.cleaned_data
        return {k: (str(data[k]) if k == "retired_on" else data[k]) for k in FACT_FIELDS if data.get(k)}


class DecisionForm(forms.Form):
    comment = forms.CharField(label=_("Comment or reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
