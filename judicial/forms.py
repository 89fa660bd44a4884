"""Counter forms of the judicial app. They parse and bound the input; the services decide (one rule set for every
channel: ``judicial.services.intake``)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Depositor
from core.forms import DateField, MoneyField, bootstrap_widgets
from judicial.models import Authority, Court, JudicialDocumentType, Measure
from judicial.services.counter import OFFICER_FIELDS

REQUEST_FIELDS = ("number", "measure", "authority", "person_name", "id_type", "id_number", "judge", "judge_phone",
                  "case_number", "ruling_number", "notice_number", "account_number", "amount", "start_date",
                  "end_date", "payee_name", "payee_account", "payee_bank", "original_number")


def _text(label, size, required=True, help_text=""):
    return forms.CharField(label=label, max_length=size, required=required, help_text=help_text)


class PaperRequestForm(forms.Form):
    """A court's paper request (DOMAIN.md §6.2) with the two officers' credentials and the scans."""

    court = forms.ModelChoiceField(label=_("Court"), queryset=Court.objects.none())
    authority = forms.ChoiceField(label=_("Authority"), choices=Authority.choices, initial=Authority.COURT)
    number = _text(_("Request number"), 40)
    measure = forms.ChoiceField(label=_("Measure"), choices=Measure.choices)
    case_number = _text(_("Enforcement case number (执行案号)"), 80, help_text=_("e.g. (2026)粤0305执30003号"))
    person_name = _text(_("Person's name"), 60)
    id_type = forms.ChoiceField(label=_("ID type"), choices=Depositor.IdType.choices,
                                initial=Depositor.IdType.RESIDENT_ID)
    id_number = _text(_("ID number"), 18)
    account_number = _text(_("Fund account number"), 20, required=False,
                           help_text=_("Leave empty to act on the person's open account."))
    judge = _text(_("Judge in charge"), 60)
    judge_phone = _text(_("Judge's phone"), 20, required=False)
    ruling_number = _text(_("Ruling number (裁定书)"), 80, required=False)
    notice_number = _text(_("Assistance notice number (协助执行通知书)"), 80, required=False)
    amount = MoneyField(label=_("Amount requested (yuan)"), required=False)
    start_date = DateField(label=_("Start date"), required=False)
    end_date = DateField(label=_("End date"), required=False, ahead=12 * 10,
                         help_text=_("Leave empty for the default period of the authority."))
    original_number = _text(_("Original freeze request number"), 40, required=False,
                            help_text=_("For a renewal, an unfreeze or a deduction."))
    payee_name = _text(_("Court enforcement account name"), 120, required=False)
    payee_account = _text(_("Court enforcement account number"), 40, required=False)
    payee_bank = _text(_("Court enforcement account bank"), 120, required=False)
    officer1_name = _text(_("First officer's name"), OFFICER_FIELDS["officer1_name"])
    officer1_work_card = _text(_("First officer's work-card number"), OFFICER_FIELDS["officer1_work_card"])
    officer1_certificate = _text(_("First officer's enforcement-certificate number"),
                                 OFFICER_FIELDS["officer1_certificate"])
    officer2_name = _text(_("Second officer's name"), OFFICER_FIELDS["officer2_name"])
    officer2_work_card = _text(_("Second officer's work-card number"), OFFICER_FIELDS["officer2_work_card"])
    officer2_certificate = _text(_("Second officer's enforcement-certificate number"),
                                 OFFICER_FIELDS["officer2_certificate"])
    ruling = forms.FileField(label=_("Scan of the ruling (PDF, JPEG or PNG)"), required=False)
    notice = forms.FileField(label=_("Scan of the assistance notice (PDF, JPEG or PNG)"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["court"].queryset = Court.objects.filter(active=True).order_by("code")
        bootstrap_widgets(self)

    def add_error(self, field, error):
        super().add_error(field, error)
        for name in self._errors or {}:
            if name in self.fields:
                widget = self.fields[name].widget
                if "is-invalid" not in widget.attrs.get("class", ""):
                    widget.attrs["class"] = widget.attrs.get("class", "") + " is-invalid"

    SECTIONS = (
        (_("Request"), ("court", "authority", "number", "measure", "case_number", "person_name", "id_type",
                        "id_number", "account_number", "judge", "judge_phone")),
        (_("Documents, amount and dates"), ("ruling_number", "notice_number", "amount", "start_date", "end_date",
                                            "original_number", "payee_name", "payee_account", "payee_bank")),
        (_("The two court officers"), tuple(OFFICER_FIELDS)),
        (_("Scanned documents"), ("ruling", "notice")),
    )

    def sections(self):
        return [(title, [self[name] for name in names]) for title, names in self.SECTIONS]

    def service_data(self) -> dict:
        data = {name: self.cleaned_data.get(name) for name in REQUEST_FIELDS + tuple(OFFICER_FIELDS)}
        return {k: v for k, v in data.items() if v not in (None, "")}

    def documents(self) -> dict:
        return {t: self.cleaned_data[t] for t in JudicialDocumentType.values if self.cleaned_data.get(t)}

    def show_error(self, exc):
        """Each message under the field it names, the rest above the form."""
        placed = False
        for name, messages in (exc.fields or {}).items():
            if name in self.fields:
                for message in messages:
                    self.add_error(name, message)
                placed = True
        if not placed:
            self.add_error(None, exc.message)
