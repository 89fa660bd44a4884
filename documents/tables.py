"""Staff tables of the documents app (django-tables2)."""

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from core.tables import MoneyColumn, Table
from deposits.tables import InterestRunTable
from documents.models import AnnualStatement


class StatementRunTable(InterestRunTable):
    """Statement runs (batch runs of the statement job) with the same progress bars as interest settlement."""

    class Meta(InterestRunTable.Meta):
        attrs = {**InterestRunTable.Meta.attrs, "id": "statement-runs"}
        empty_text = _("No statement run yet.")


class FailedStatementTable(Table):
    """Statements whose identity opening + movements = closing does not hold."""

    year = tables.Column(verbose_name=_("Interest year ending in"))
    account = tables.Column(
        verbose_name=_("Account"),
        accessor="account__number",
        linkify=("accounts:account", {"number": tables.A("account__number")}),
    )
    name = tables.Column(verbose_name=_("Name"), accessor="account__depositor__name")
    opening = MoneyColumn(verbose_name=_("Opening balance"))
    movements = MoneyColumn(verbose_name=_("Movements"), orderable=False)
    closing = MoneyColumn(verbose_name=_("Closing balance (ledger)"))
    difference = MoneyColumn(verbose_name=_("Difference"), orderable=False)

    class Meta(Table.Meta):
        model = AnnualStatement
        fields = ()
        attrs = {**Table.Meta.attrs, "id": "failed-statements"}
        empty_text = _("Every identity holds.")
