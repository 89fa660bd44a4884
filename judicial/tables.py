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
