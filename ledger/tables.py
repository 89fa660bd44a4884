"""The ledger app's staff lists (django-tables2 on ``core.tables``): sorting, paging and CSV/XLSX export."""

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.tables import MoneyColumn, Table
from ledger.models import BankStatementLine, ReconciliationRun


class ReconciliationRunTable(Table):
    id = tables.Column(verbose_name="#")
    business_date = tables.DateColumn(verbose_name=_("Business date"), format="Y-m-d")
    created_at = tables.DateTimeColumn(verbose_name=_("Run at"), format="Y-m-d H:i:s")
    ok = tables.Column(verbose_name=_("Result"))
    differences = tables.Column(verbose_name=_("Checks with differences"), accessor="report", orderable=False)

    class Meta(Table.Meta):
        model = ReconciliationRun
        fields = ()
        attrs = {**Table.Meta.attrs, "id": "runs"}
        empty_text = _("No reconciliation has been run yet.")

    def render_ok(self, value):
        return format_html('<span class="badge text-bg-{}">{}</span>', "success" if value else "danger",
                           self.value_ok(value))

    def value_ok(self, value):
        return str(_("All agree") if value else _("Differences"))

    def render_differences(self, value):
        failed = [str(c.get("title") or c.get("name")) for c in (value or {}).get("checks", []) if not c.get("ok")]
        return "、".join(failed) or "—"

    def value_differences(self, value):
        return self.render_differences(value)


class StatementLineTable(Table):
    bank_account = tables.Column(verbose_name=_("Bank account"), accessor="bank_account__number",
                                 attrs={"td": {"class": "font-monospace small"}})
    bank_reference = tables.Column(verbose_name=_("Bank serial number"), attrs={"td": {"class": "font-monospace"}})
    value_date = tables.DateColumn(verbose_name=_("Value date"), format="Y-m-d")
    direction = tables.Column(verbose_name=_("Direction"), accessor="get_direction_display",
                              order_by=("direction",))
    amount = MoneyColumn(verbose_name=_("Amount"))
    counterparty_name = tables.Column(verbose_name=_("Counterparty"))
    counterparty_account = tables.Column(verbose_name=_("Counterparty account"),
                                         attrs={"td": {"class": "font-monospace small"}})
    remark = tables.Column(verbose_name=_("Remark"))
    match_status = tables.Column(verbose_name=_("Match"), accessor="get_match_status_display",
                                 order_by=("match_status",))

    class Meta(Table.Meta):
        model = BankStatementLine
        fields = ()
        attrs = {**Table.Meta.attrs, "id": "statement-lines"}
        empty_text = _("No statement lines found.")
