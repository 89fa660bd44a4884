"""The judicial workbench lists (django-tables2 on ``core.tables``)."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.tables import BadgeColumn, MoneyColumn, Table
from judicial.models import Freeze, JudicialRequest

STATE_COLOURS = {"received": "primary", "prepared": "warning", "executed": "success", "refused": "danger",
                 "paid": "success", "returned": "danger", "active": "success", "waiting": "warning"}


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
