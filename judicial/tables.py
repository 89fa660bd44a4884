"""The judicial workbench lists (django-tables2 on ``core.tables``)."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.tables import BadgeColumn, MoneyColumn, Table
from judicial.models import Freeze, JudicialRequest

STATE_COLOURS = {"received": "primary", "prepared": "warning", "executed": "success", "refused": "danger",
                 "paid": "success", "returned": "danger", "active": "success", "waiting": "warning"}


class ReceiptTimingColumn(tables.Column):
    """Whether the receipt is overdue (none yet, past the time limit) or went late; nothing when it is in time."""

    LABELS = {"overdue": (_("Receipt overdue"), "danger"), "late": (_("Receipt sent late"), "warning")}

    def render(self, value):
        from django.utils.html import format_html

        label, colour = self.LABELS[value]
        return format_html('<span class="badge text-bg-{}" data-receipt="{}">{}</span>', colour, value, label)

    def value(self, value):
        return str(self.LABELS[value][0]) if value in self.LABELS else ""


class RiskLinkColumn(tables.Column):
    """For a deduction: the link to its risk page (second-level review, letters), marked when flagged."""

    def render(self, value, record):
        from django.utils.html import format_html

        if record.measure != "deduct":
            return "—"
        url = reverse("judicial:risk_case", args=[record.pk])
        if record.risk_flagged:
            return format_html('<a class="badge text-bg-danger" href="{}" data-risk="flagged">{}</a>', url,
                               _("Flagged: review"))
        return format_html('<a href="{}" data-risk="clear">{}</a>', url, _("Risk review"))

    def value(self, value, record):
        return str(_("Flagged")) if record.measure == "deduct" and record.risk_flagged else ""


class RequestTable(Table):
    received_on = tables.DateColumn(verbose_name=_("Received on"), format="Y-m-d")
    court = tables.Column(verbose_name=_("Court"), accessor="court__name")
    number = tables.Column(verbose_name=_("Request number"),
                           linkify=lambda record: reverse("judicial:request", args=[record.pk]))
    measure = tables.Column(verbose_name=_("Measure"))
    case_number = tables.Column(verbose_name=_("Case number"))
    person_name = tables.Column(verbose_name=_("Person"))
    amount = MoneyColumn(verbose_name=_("Amount requested"))
    actual_amount = MoneyColumn(verbose_name=_("Actual amount"))
    state = BadgeColumn(verbose_name=_("State"), colours=STATE_COLOURS)
    answer_due = tables.DateColumn(verbose_name=_("Answer due"), format="Y-m-d", orderable=False)
    receipt_timing = ReceiptTimingColumn(verbose_name=_("Time limit"), orderable=False, empty_values=("",))
    risk = RiskLinkColumn(verbose_name=_("Sham-lawsuit risk"), accessor="measure", orderable=False, empty_values=())

    class Meta(Table.Meta):
        model = JudicialRequest
        fields = ()
        attrs = {**Table.Meta.attrs, "id": "requests"}
        empty_text = _("No requests.")


class FreezeTable(Table):
    account = tables.Column(verbose_name=_("Account"), accessor="account__number")
    position = tables.Column(verbose_name=_("Queue position"), accessor="queue_position")
    court = tables.Column(verbose_name=_("Court"), accessor="court__name")
    case_number = tables.Column(verbose_name=_("Case number"))
    amount_requested = MoneyColumn(verbose_name=_("Amount requested"))
    amount_frozen = MoneyColumn(verbose_name=_("Amount frozen"))
    end_date = tables.DateColumn(verbose_name=_("End date"), format="Y-m-d")
    state = BadgeColumn(verbose_name=_("State"), colours=STATE_COLOURS)

    class Meta(Table.Meta):
        model = Freeze
        fields = ()
        empty_text = _("No freezes.")


REVIEW_COLOURS = {"proceed": "success", "verify": "danger"}


class SignalsColumn(tables.Column):
    """The risk signals that fired, in Chinese, one per line (exported joined by "；")."""

    def render(self, value):
        from django.utils.html import format_html_join

        return format_html_join("", '<div class="small">{}</div>', ((s.get("message", ""),) for s in value or ()))

    def value(self, value):
        return "；".join(s.get("message", "") for s in value or ())


class ReviewColumn(tables.Column):
    def render(self, value):
        from django.utils.html import format_html

        from judicial.models import RiskReview

        label = dict(RiskReview.Decision.choices).get(value, value)
        return format_html('<span class="badge text-bg-{}">{}</span>', REVIEW_COLOURS.get(value, "secondary"), label)

    def value(self, value):
        from judicial.models import RiskReview

        return str(dict(RiskReview.Decision.choices).get(value, value or ""))


class RegisterTable(Table):
    """The register of judicial deductions (DOMAIN.md §6.4) with their basis documents and risk flags."""

    received_on = tables.DateColumn(verbose_name=_("Received on"), format="Y-m-d")
    court = tables.Column(verbose_name=_("Court"), accessor="court__name")
    case_number = tables.Column(verbose_name=_("Case number"),
                                linkify=("judicial:risk_case", {"pk": tables.A("pk")}))
    number = tables.Column(verbose_name=_("Request number"))
    person_name = tables.Column(verbose_name=_("Person"))
    account = tables.Column(verbose_name=_("Account"), accessor="account__number")
    basis_type = tables.Column(verbose_name=_("Basis document type"))
    ruling_number = tables.Column(verbose_name=_("Ruling number"))
    notice_number = tables.Column(verbose_name=_("Assistance notice number"))
    ruling_date = tables.DateColumn(verbose_name=_("Ruling date"), format="Y-m-d")
    creditor_name = tables.Column(verbose_name=_("Applicant"))
    amount = MoneyColumn(verbose_name=_("Amount requested"))
    actual_amount = MoneyColumn(verbose_name=_("Amount deducted"))
    risk_score = tables.Column(verbose_name=_("Risk score"))
    risk_signals = SignalsColumn(verbose_name=_("Risk signals"), orderable=False)
    review_decision = ReviewColumn(verbose_name=_("Second-level review"))
    state = BadgeColumn(verbose_name=_("State"), colours=STATE_COLOURS)

    class Meta(Table.Meta):
        model = JudicialRequest
        fields = ()
        attrs = {**Table.Meta.attrs, "id": "register"}
        empty_text = _("No deductions.")
