"""Forms of the loan pages (counter and portal). Numbers are kept as text here and checked by the services
(``loans.services.applications.clean``) and the calculations (``loans.calculations``), so each bound has one
implementation; their refusals come back per field (:func:`add_errors`)."""

from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.widgets import account_lookup
from core.errors import ApplicationError
from core.forms import DateField, MoneyField, MonthField, bootstrap_widgets
from loans import calculations as calc
from loans.models import (
    CollectionLog,
    FemaleCategory,
    LoanActionRequest,
    LoanDocumentType,
    LoanParty,
    Method,
    PayeeKind,
    PropertyKind,
    Purpose,
    RiskGrade,
)

NUMBER = {"max_length": 24}
MAX_CO_BORROWER_LINES = 6


class _Bootstrap:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap_widgets(self)


def add_errors(form, exc: ApplicationError):
    """A service's refusal shown on the form: under each field it names (when the form has it), else on top."""
    placed = False
    for name, messages in (exc.fields or {}).items():
        field = name if name in form.fields else None
        for message in messages:
            form.add_error(field, message)
            placed = True
    if not placed:
        form.add_error(None, exc.message)


class ApplicationForm(_Bootstrap, forms.Form):
    """A loan application: the home, the household, the request. The counter form adds the borrower's account
    number and the parties; the portal form is for the depositor's own account."""

    purpose = forms.ChoiceField(label=_("Purpose"), choices=Purpose.choices)
    property_address = forms.CharField(label=_("Property address"), max_length=200)
    property_kind = forms.ChoiceField(label=_("Property kind"), choices=PropertyKind.choices)
    property_price = forms.CharField(label=_("Price (yuan)"), **NUMBER)
    property_area = forms.CharField(label=_("Area (m²)"), **NUMBER)
    green_building = forms.BooleanField(label=_("Green or prefabricated building"), required=False)
    ownership_share = forms.CharField(
        label=_("Buyer's ownership share (1 unless shared ownership)"), initial="1", **NUMBER
    )
    purchase_certificate_number = forms.CharField(
        label=_("Purchase contract or title certificate number of this home"), max_length=60, required=False
    )
    children = forms.IntegerField(label=_("Number of children"), min_value=0, max_value=20, initial=0)
    monthly_income = forms.CharField(label=_("Monthly income of all borrowers (yuan)"), **NUMBER)
    other_monthly_debt = forms.CharField(label=_("Other monthly debt payments (yuan)"), initial="0", **NUMBER)
    requested_amount = forms.CharField(label=_("Amount requested (yuan)"), **NUMBER)
    term_months = forms.IntegerField(label=_("Term (months)"), min_value=1, max_value=calc.MAX_MONTHS)
    method = forms.ChoiceField(label=_("Repayment method"), choices=Method.choices)
    commercial_remaining = forms.CharField(
        label=_("Commercial principal still owed (conversion only)"), required=False, **NUMBER
    )
    commercial_remaining_months = forms.IntegerField(
        label=_("Months remaining on the commercial loan (conversion only)"),
        required=False,
        min_value=1,
        max_value=calc.MAX_MONTHS,
    )
    commercial_bank = forms.CharField(
        label=_("Commercial bank (conversion or combined loan)"), max_length=120, required=False
    )
    commercial_loan_number = forms.CharField(
        label=_("Commercial loan number (conversion or combined loan)"), max_length=40, required=False
    )
    commercial_amount = forms.CharField(label=_("Combined loan: the commercial part (yuan)"), required=False, **NUMBER)
    commercial_rate = forms.CharField(label=_("Combined loan: commercial annual rate (%)"), required=False, **NUMBER)
    commercial_term_months = forms.IntegerField(
        label=_("Combined loan: commercial term (months)"), required=False, min_value=1, max_value=calc.MAX_MONTHS
    )
    commercial_method = forms.ChoiceField(
        label=_("Combined loan: commercial repayment method"), required=False, choices=[("", "—"), *Method.choices]
    )
    female_category = forms.ChoiceField(
        label=_("Retirement category (women only)"), required=False, choices=[("", "—"), *FemaleCategory.choices]
    )

    def clean_commercial_rate(self):
        """The commercial rate in percent, as the service's fraction (3.95 → 0.0395)."""
        text = (self.cleaned_data.get("commercial_rate") or "").strip().rstrip("%")
        if not text:
            return ""
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise forms.ValidationError(_("Enter the annual rate in percent, e.g. 3.95.")) from None
        if not value.is_finite() or not 0 <= value <= 100:
            raise forms.ValidationError(_("Enter the annual rate in percent, e.g. 3.95."))
        return value / 100

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        for name in (
            "account",
            "spouse_name",
            "spouse_id_number",
            "spouse_balance",
            "spouse_female_category",
            "co_borrowers",
        ):
            data.pop(name, None)
        return data

    @classmethod
    def initial_from(cls, app) -> dict:
        out = {name: getattr(app, name) for name in cls.base_fields if hasattr(app, name)}
        if app.commercial_rate is not None:
            out["commercial_rate"] = (app.commercial_rate * 100).normalize()
        return out


class CounterApplicationForm(ApplicationForm):
    """The loan officer's entry form: the borrower by fund account number, the spouse when not linked to the
    borrower at this center, co-borrowers one per line."""

    account = forms.CharField(label=_("Borrower's personal account number"), max_length=20,
                              widget=account_lookup())
    spouse_name = forms.CharField(
        label=_("Spouse's name (a spouse not depositing with this center)"), max_length=60, required=False
    )
    spouse_id_number = forms.CharField(label=_("Spouse's ID number"), max_length=18, required=False)
    spouse_balance = forms.CharField(label=_("Spouse's fund balance at another center"), required=False, **NUMBER)
    spouse_female_category = forms.ChoiceField(
        label=_("Spouse's retirement category (a woman; worker unless recorded)"),
        required=False,
        choices=[("", "—"), *FemaleCategory.choices],
    )
    co_borrowers = forms.CharField(
        label=_(
            "Co-borrowers: one per line, either the personal account number at this center, or name, ID "
            "number, fund balance at another center"
        ),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    field_order = ["account"]

    def parties(self, accounts) -> list:
        """The spouse and co-borrowers as the service takes them; ``accounts`` finds a depositor by account
        number (the viewer's visible accounts), returning None when there is none."""
        data = self.cleaned_data
        out = []
        category = data.get("spouse_female_category") or ""
        if data.get("spouse_name") or data.get("spouse_id_number"):
            out.append(
                {
                    "role": LoanParty.Role.SPOUSE,
                    "name": data.get("spouse_name", ""),
                    "id_number": data.get("spouse_id_number", ""),
                    "other_center_balance": data.get("spouse_balance") or None,
                    "female_category": category,
                }
            )
        elif category:  # the spouse linked at this center (added by the service): only the category
            out.append({"linked": True, "female_category": category})
        lines = [line.strip() for line in (data.get("co_borrowers") or "").splitlines() if line.strip()]
        if len(lines) > MAX_CO_BORROWER_LINES:
            raise forms.ValidationError(_("At most %(n)d co-borrowers.") % {"n": MAX_CO_BORROWER_LINES})
        for number, line in enumerate(lines, start=1):
            parts = [p.strip() for p in line.replace("，", ",").split(",")]
            if len(parts) == 1:
                depositor = accounts(parts[0])
                if depositor is None:
                    raise forms.ValidationError(
                        _("Line %(n)d: no account %(a)s at this center.") % {"n": number, "a": parts[0][:20]}
                    )
                out.append({"role": LoanParty.Role.CO_BORROWER, "depositor": depositor})
            elif len(parts) in (2, 3):
                out.append(
                    {
                        "role": LoanParty.Role.CO_BORROWER,
                        "name": parts[0],
                        "id_number": parts[1],
                        "other_center_balance": (parts[2] or None) if len(parts) == 3 else None,
                    }
                )
            else:
                raise forms.ValidationError(
                    _("Line %(n)d: write an account number, or name, ID number and balance separated by commas.")
                    % {"n": number}
                )
        return out


def parties_initial(app) -> dict:
    """The counter form's party fields for an existing draft (the linked spouse is added by the service)."""
    out, lines = {}, []
    for party in app.parties.select_related("depositor"):
        if party.role == LoanParty.Role.SPOUSE:
            if party.depositor_id is None:
                out |= {
                    "spouse_name": party.name,
                    "spouse_id_number": party.id_number,
                    "spouse_balance": party.other_center_balance or "",
                }
            out["spouse_female_category"] = party.female_category
        elif party.depositor_id is not None:
            account = party.depositor.accounts.order_by("-pk").first()
            lines.append(account.number if account else party.name)
        else:
            lines.append(f"{party.name},{party.id_number},{party.other_center_balance or ''}")
    out["co_borrowers"] = "\n".join(lines)
    return out


class DecisionForm(_Bootstrap, forms.Form):
    comment = forms.CharField(
        label=_("Comment (the reason, for a rejection)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CreditForm(_Bootstrap, forms.Form):
    credit_ok = forms.TypedChoiceField(
        label=_("Credit report"),
        coerce=lambda v: v == "1",
        choices=[("1", _("Checked and good")), ("0", _("Not good"))],
    )


class SignForm(_Bootstrap, forms.Form):
    title_number = forms.CharField(label=_("Property title number"), max_length=60)
    mortgage_registered_on = DateField(label=_("Mortgage registered on"), required=False, ahead=0)


class CalculatorForm(_Bootstrap, forms.Form):
    """The public loan calculator: amount, term, annual rate in percent, method, optionally one prepayment.
    Every bound is checked by ``loans.calculations.simulate``."""

    principal = forms.CharField(label=_("Loan amount (yuan)"), initial="500000", **NUMBER)
    months = forms.IntegerField(label=_("Term (months)"), initial=240, min_value=1, max_value=calc.MAX_MONTHS)
    rate_percent = forms.CharField(label=_("Annual rate (%)"), initial="2.85", **NUMBER)
    method = forms.ChoiceField(label=_("Repayment method"), choices=Method.choices)
    prepay_after = forms.IntegerField(
        label=_("Prepay after installment (optional)"), required=False, min_value=1, max_value=calc.MAX_MONTHS
    )
    prepay_amount = forms.CharField(label=_("Prepayment amount (yuan)"), required=False, **NUMBER)
    prepay_keep = forms.ChoiceField(
        label=_("After the prepayment"),
        required=False,
        choices=[
            (calc.KEEP_TERM, _("keep the term, lower the payment")),
            (calc.KEEP_PAYMENT, _("keep the payment, shorten the term")),
        ],
    )

    FIELD_OF = {"annual_rate": "rate_percent"}

    def clean_rate_percent(self):
        text = self.cleaned_data["rate_percent"].strip().rstrip("%")
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise forms.ValidationError(_("Enter the annual rate in percent, e.g. 2.85.")) from None
        if not value.is_finite():
            raise forms.ValidationError(_("Enter the annual rate in percent, e.g. 2.85."))
        return value

    def prepayments(self) -> list:
        data = self.cleaned_data
        if data.get("prepay_after") is None and not data.get("prepay_amount"):
            return []
        return [
            {
                "after_installment": data.get("prepay_after"),
                "amount": data.get("prepay_amount"),
                "keep": data.get("prepay_keep") or calc.KEEP_TERM,
            }
        ]

    def simulate(self) -> calc.Simulation:
        data = self.cleaned_data
        return calc.simulate(
            data["principal"], data["rate_percent"] / 100, data["months"], data["method"], self.prepayments()
        )

    def add_errors(self, exc: ApplicationError):
        mapped = {}
        for name, messages in (exc.fields or {}).items():
            if name.startswith("prepayments"):
                name = {"after_installment": "prepay_after", "amount": "prepay_amount", "keep": "prepay_keep"}.get(
                    name.rsplit(".", 1)[-1], "prepay_amount"
                )
            mapped[self.FIELD_OF.get(name, name)] = messages
        add_errors(self, ApplicationError(exc.message, fields=mapped))


class DebitRunForm(_Bootstrap, forms.Form):
    """Start the bank debit run for a debit date (finance)."""

    on = DateField(label=_("Debit date"), ahead=1)
    month = forms.BooleanField(
        label=_("Every installment due since the first of the month"),
        required=False,
        help_text=_("Otherwise only the installments due on the debit date (and the arrears of overdue loans)."),
    )


class DebitResultForm(_Bootstrap, forms.Form):
    """The bank's result file of debit batches (finance); a second finance person confirms it."""

    file = forms.FileField(label=_("Bank result file (.csv or .xlsx)"))
    closing_balance = forms.DecimalField(
        label=_("Bank's closing balance"),
        required=False,
        max_digits=17,
        decimal_places=2,
        help_text=_("The balance the bank's statement shows after the batch credits; empty: computed."),
    )


# --- scanned documents -------------------------------------------------------------------------------------------

MAX_FILES_PER_TYPE = 10


def uploaded_documents(files) -> list:
    """[(document type, file)] from the upload inputs, one input per document type (``doc_<type>``); the files are
    judged by the service (``loans.services.documents.check_documents``)."""
    return [
        (doc_type, upload)
        for doc_type in LoanDocumentType.values
        for upload in files.getlist(f"doc_{doc_type}")[:MAX_FILES_PER_TYPE]
    ]


def document_inputs(required=()) -> list[dict]:
    """The upload inputs of the pages: one per document type, the required ones first and marked."""
    inputs = [
        {"name": f"doc_{value}", "value": value, "label": label, "required": value in required}
        for value, label in LoanDocumentType.choices
    ]
    return sorted(inputs, key=lambda i: not i["required"])


class DisburseForm(_Bootstrap, forms.Form):
    """放款: the payee (the kinds the home allows are checked by ``loans.services.disbursement``)."""

    payee_kind = forms.ChoiceField(label=_("Payee"), choices=PayeeKind.choices)
    payee_account = forms.CharField(label=_("Payee account number"), max_length=32)
    payee_name = forms.CharField(label=_("Payee name (not for an escrow account)"), max_length=120, required=False)
    payee_bank = forms.CharField(label=_("Payee bank (not for an escrow account)"), max_length=120, required=False)


class FailForm(_Bootstrap, forms.Form):
    reason = forms.CharField(label=_("Why the bank could not pay"), max_length=200)


KEEP_CHOICES = [
    (calc.KEEP_TERM, _("keep the term, lower the payment")),
    (calc.KEEP_PAYMENT, _("keep the payment, shorten the term")),
]


class FundRepaymentForm(_Bootstrap, forms.Form):
    """一键还贷: how much of the depositor's own fund balance, and what a prepayment keeps."""

    amount = MoneyField(label=_("Amount from my fund account (yuan)"))
    keep = forms.ChoiceField(label=_("After a prepayment"), choices=KEEP_CHOICES, initial=calc.KEEP_TERM)


class PrepaymentRequestForm(_Bootstrap, forms.Form):
    """A prepayment from the borrower's own money: the calculator (both results) and the request."""

    mode = forms.ChoiceField(
        label=_("Prepayment"),
        choices=[("partial", _("Partial prepayment")), ("payoff", _("Payoff"))],
        initial="partial",
    )
    amount = MoneyField(label=_("Prepayment amount (yuan)"), required=False)
    keep = forms.ChoiceField(label=_("After the prepayment"), choices=KEEP_CHOICES, required=False)

    def clean(self):
        data = super().clean()
        if data.get("mode") == "partial" and data.get("amount") is None:
            self.add_error("amount", _("Give the prepayment amount."))
        return data


class CounterRepaymentForm(_Bootstrap, forms.Form):
    """Finance applies money received at the bank (a transfer or cash paid in) to a loan."""

    ACTIONS = [
        ("repay", _("Repay the installments due")),
        ("prepay_term", _("Partial prepayment, keep the term")),
        ("prepay_payment", _("Partial prepayment, keep the payment")),
        ("payoff", _("Pay the loan off")),
    ]
    line = forms.IntegerField(label=_("Money received (bank line)"), min_value=1, max_value=2**62)
    action = forms.ChoiceField(label=_("Apply it as"), choices=ACTIONS)


class ReleaseForm(_Bootstrap, forms.Form):
    released_on = DateField(label=_("Mortgage released on"), ahead=0)
    number = forms.CharField(label=_("Release number of the real-estate registry"), max_length=60)


# --- overdue monitoring and collection ------------------------------------------------------------------------


class CloseOfBusinessForm(_Bootstrap, forms.Form):
    """Close the business dates not closed yet up to a date (finance)."""

    on = DateField(label=_("Close up to"), ahead=0)


class ContactForm(_Bootstrap, forms.Form):
    """A call, a visit or a written demand on a loan's collection log."""

    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[(k, k.label) for k in (CollectionLog.Kind.CALL, CollectionLog.Kind.VISIT, CollectionLog.Kind.LETTER)],
    )
    on = DateField(label=_("Date"), ahead=0)
    text = forms.CharField(label=_("What was said or done"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class ActionRequestForm(_Bootstrap, forms.Form):
    """Request to accelerate or write off a loan (a second person approves)."""

    kind = forms.ChoiceField(label=_("Action"), choices=LoanActionRequest.Kind.choices)
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class WorkbenchFilterForm(_Bootstrap, forms.Form):
    grade = forms.ChoiceField(label=_("Risk grade"), required=False, choices=[("", "—"), *RiskGrade.choices])
    min_dpd = forms.IntegerField(label=_("Days past due from"), required=False, min_value=0, max_value=99999)
    max_dpd = forms.IntegerField(label=_("to"), required=False, min_value=0, max_value=99999)
    q = forms.CharField(label=_("Contract or borrower"), required=False, max_length=60)


class CreditReportForm(_Bootstrap, forms.Form):
    month = MonthField(label=_("Month"), ahead=0)
    format = forms.ChoiceField(label=_("Format"), choices=[("csv", "CSV"), ("xlsx", "XLSX")], initial="csv")
