"""The withdrawals app's staff lists (django-tables2 on ``core.tables``): sorting, paging and CSV/XLSX export."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.tables import MoneyColumn, Table
from withdrawals.models import WithdrawalApplication


class ApplicationTable(Table):
    number = tables.Column(verbose_name=_("Application number"), attrs={"td": {"class": "font-monospace"}},
                           linkify=lambda record: reverse("withdrawals:case", args=[record.number]))
    name = tables.Column(verbose_name=_("Name"), accessor="depositor__name")
    account = tables.Column(verbose_name=_("Account number"), accessor="account__number",
                            attrs={"td": {"class": "font-monospace small"}})
    reason = tables.Column(verbose_name=_("Reason"), accessor="get_reason_display", order_by=("reason",))
    state = tables.Column(verbose_name=_("State"), accessor="get_state_display", order_by=("state",))
    application_date = tables.DateColumn(verbose_name=_("Applied on"), format="Y-m-d")
    amount_requested = MoneyColumn(verbose_name=_("Amount"))
    decision_due = tables.DateColumn(verbose_name=_("Decision due"), format="Y-m-d", default="—")

    class Meta(Table.Meta):
        model = WithdrawalApplication
        fields = ()
        attrs = {**Table.Meta.attrs, "id": "queue"}
        row_attrs = {"class": lambda record: "table-danger" if getattr(record, "overdue", False) else ""}
        empty_text = _("Nothing is waiting.")

    def render_decision_due(self, value, record):
        if value is None:
            return "—"
        if getattr(record, "overdue", False):
            return format_html('{} <span class="badge text-bg-danger">{}</span>', f"{value:%Y-%m-%d}", _("Overdue"))
        return f"{value:%Y-%m-%d}"

    def value_decision_due(self, value):
        return value or ""
