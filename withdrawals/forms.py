from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.widgets import account_lookup
from core.forms import DateField, bootstrap_widgets, check_text_numbers
from withdrawals.models import DocumentType, Reason

FACT_FIELDS = ("monthly_rent", "months", "public_rental", "family_income", "property", "invoice", "fee", "cost",
               "loan_kind", "repaid", "medical_cost", "bill_number", "invoice_number", "lease_number", "lease_total",
               "patient", "share_cost", "owner_id_number", "owner_relation", "retired_on", "employment_ended")
# Facts and inputs that are amounts of money, kept as text and checked against core.bounds.
MONEY_FACTS = ("amount", "monthly_rent", "family_income", "invoice", "fee", "cost", "repaid", "medical_cost",
               "share_cost", "monthly_amount", "lease_total")
# The fields shown for a reason are those its rule reads (rules.Rule.fields); these are always shown.
COMMON_FIELDS = ("account", "reason", "amount", "payee_card", "payee_name")


class ApplicationForm(forms.Form):
    account = forms.CharField(label=_("Personal account number"), max_length=20, widget=account_lookup())
    reason = forms.ChoiceField(label=_("Reason"), choices=Reason.applicable())
    amount = forms.CharField(label=_("Amount (blank: whole balance for a closing withdrawal)"), max_length=20,
                             required=False)
    payee_card = forms.CharField(label=_("Bank card number"), max_length=23, required=False)
    payee_name = forms.CharField(label=_("Card holder"), max_length=60, required=False)
    monthly_rent = forms.CharField(label=_("Monthly rent"), required=False)
    months = forms.CharField(label=_("Months of rent"), required=False)
    public_rental = forms.BooleanField(label=_("Public rental housing (the actual rent counts)"), required=False)
    lease_number = forms.CharField(label=_("Registered lease number (if any)"), max_length=60, required=False)
    lease_total = forms.CharField(label=_("Total rent of the lease"), required=False)
    family_income = forms.CharField(label=_("Family monthly wage income"), required=False)
    property = forms.CharField(label=_("Certificate or contract number of the home"), required=False)
    invoice = forms.CharField(label=_("Invoice amount"), required=False)
    fee = forms.CharField(label=_("Property fee paid"), required=False)
    cost = forms.CharField(label=_("Cost"), required=False)
    loan_kind = forms.ChoiceField(label=_("Loan"), required=False, choices=[
        ("", "—"), ("center", _("A housing fund loan of this center")), ("other", _("A commercial or other loan"))])
    repaid = forms.CharField(label=_("Loan repaid in the last 12 months"), required=False)
    medical_cost = forms.CharField(label=_("Self-paid medical cost"), required=False)
    bill_number = forms.CharField(label=_("Medical bill number"), max_length=60, required=False)
    invoice_number = forms.CharField(label=_("Invoice number"), max_length=60, required=False)
    patient = forms.ChoiceField(label=_("Patient"), required=False, choices=[
        ("self", _("Applicant")), ("spouse", _("Spouse")), ("child", _("Child"))])
    share_cost = forms.CharField(label=_("Household share of the lift cost"), required=False)
    owner_id_number = forms.CharField(label=_("Owner's ID number (parent's home)"), required=False)
    owner_relation = forms.ChoiceField(label=_("Owner is"), required=False, choices=[
        ("", "—"), ("parent", _("Applicant's parent")), ("spouse_parent", _("Spouse's parent"))])
    retired_on = DateField(label=_("Retirement date"), required=False, widget=forms.DateInput())
    employment_ended = forms.BooleanField(label=_("The employment relationship has ended"), required=False)
    heirs = forms.CharField(
        label=_("Heirs or legatees (death): one per line, name, bank card number, share"), required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "李四,6222020200000000009,0.5"}))
    no_heirs = forms.BooleanField(
        label=_("Death: there is no heir or legatee (the balance goes to value-added income)"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap_widgets(self)

    def clean(self):
        data = super().clean()
        check_text_numbers(self, money=MONEY_FACTS, whole=("months",))
        return data

    def clean_heirs(self):
        heirs = []
        for number, line in enumerate((self.cleaned_data.get("heirs") or "").splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.replace("，", ",").split(",")]
            try:
                share = Decimal(parts[2]) if len(parts) == 3 else None
            except InvalidOperation:
                share = None
            if share is None or not parts[0] or not parts[1] or not share.is_finite() or share <= 0:
                raise forms.ValidationError(
                    _("Line %(n)d: write the heir's name, bank card number and share, separated by commas."),
                    params={"n": number})
            heirs.append({"name": parts[0], "card": parts[1], "share": str(share)})
        return heirs

    def facts(self):
        data = self.cleaned_data
        facts = {k: (str(data[k]) if k == "retired_on" else data[k]) for k in FACT_FIELDS if data.get(k)}
        if data.get("heirs"):
            facts["heirs"] = data["heirs"]
        if data.get("no_heirs"):
            facts["no_heirs"] = True
        return facts


def preview_context(form, account):
    """The preview fragment's context: the outcome of the form's facts for the account, or what is wrong."""
    from core.errors import ApplicationError
    from withdrawals import services

    if account is None:
        return {"problem": _("Enter the personal account number first.")}
    if not form.is_valid():
        errors = [e for field_errors in form.errors.values() for e in field_errors]
        return {"problem": errors[0] if errors else _("Check the form.")}
    try:
        outcome = services.preview(account=account, reason=form.cleaned_data["reason"], facts=form.facts())
    except ApplicationError as exc:
        return {"problem": exc.message}
    return {"outcome": outcome, "documents": [DocumentType(d).label for d in outcome.evidence],
            "doc_values": [str(d) for d in outcome.evidence]}


def uploaded_documents(files):
    """[(document type, file)] from the form's upload inputs, one input per document type (``doc_<type>``)."""
    return [(doc_type, upload) for doc_type in DocumentType.values for upload in files.getlist(f"doc_{doc_type}")]


def form_context(options, preview_url):
    """What the application templates need besides the form: the upload inputs (one per document type) and,
    for the page's script, the documents and the facts each reason in force needs."""
    inputs = [{"name": f"doc_{value}", "value": value, "label": label} for value, label in DocumentType.choices]
    needs = {o["reason"]: {"docs": [str(d) for d in o["evidence"]], "fields": o["fields"]} for o in options}
    return {"preview_url": preview_url, "common_fields": COMMON_FIELDS, "document_inputs": inputs,
            "reason_needs": needs}


class DecisionForm(forms.Form):
    comment = forms.CharField(label=_("Comment or reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap_widgets(self)
