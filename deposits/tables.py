"""The deposits app's staff lists (django-tables2 on ``core.tables``): sorting, paging and CSV/XLSX export."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.models import BatchRun
from core.money import format_yuan
from core.tables import BadgeColumn, MoneyColumn, MonthColumn, Table
from deposits.models import (
    ArrearsRecord,
    BaseAdjustment,
    BaseAdjustmentLine,
    DeferralApplication,
    FlexibleDeposit,
    RemittanceLine,
    RemittanceList,
)

REMITTANCE_COLOURS = {
    "draft": "secondary",
    "confirmed": "warning",
    "posted": "success",
    "reversed": "danger",
    "cancelled": "light",
}


class EmployerNumberColumn(tables.Column):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("verbose_name", _("Employer account number"))
        kwargs.setdefault("accessor", "employer__account_number")
        kwargs.setdefault("attrs", {"td": {"class": "font-monospace small"}})
        super().__init__(*args, **kwargs)


class EmployerColumn(tables.Column):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("verbose_name", _("Employer"))
        kwargs.setdefault("accessor", "employer__name")
        kwargs.setdefault("linkify", lambda record: reverse("accounts:employer", args=[record.employer.account_number]))
        super().__init__(*args, **kwargs)


class RemittanceTable(Table):
    reference = tables.Column(
        verbose_name=_("Payment reference"),
        attrs={"td": {"class": "font-monospace"}},
        linkify=lambda record: reverse("deposits:remittance", args=[record.reference]),
    )
    employer = EmployerColumn()
    employer_number = EmployerNumberColumn()
    month = MonthColumn(verbose_name=_("Month"))
    kind = tables.Column(verbose_name=_("Kind"), accessor="get_kind_display", order_by=("kind",))
    status = BadgeColumn(verbose_name=_("Status"), colours=REMITTANCE_COLOURS)
    headcount = tables.Column(verbose_name=_("Employees"), attrs={"td": {"class": "text-end"}})
    total = MoneyColumn(verbose_name=_("Total"))

    class Meta(Table.Meta):
        model = RemittanceList
        fields = ()
        attrs = {**Table.Meta.attrs, "id": "remittance-lists"}
        empty_text = _("No remittance lists found.")


class ArrearsTable(Table):
    employer_number = EmployerNumberColumn()
    employer = EmployerColumn()
    month = MonthColumn(verbose_name=_("Month"))
    headcount = tables.Column(verbose_name=_("Employees"), attrs={"td": {"class": "text-end"}})
    amount_expected = MoneyColumn(verbose_name=_("Amount expected"))
    amount_received = MoneyColumn(verbose_name=_("Amount received"))
    amount_due = MoneyColumn(verbose_name=_("Amount in arrears"))
    deadline = tables.DateColumn(verbose_name=_("Deadline"), format="Y-m-d")
    status = BadgeColumn(verbose_name=_("Status"), colours={"open": "danger", "cleared": "success"})

    class Meta(Table.Meta):
        model = ArrearsRecord
        fields = ()
        attrs = {**Table.Meta.attrs, "id": "arrears"}
        empty_text = _("No arrears found.")


class DeferralTable(Table):
    pk = tables.Column(verbose_name="#", linkify=lambda record: reverse("deposits:deferral", args=[record.pk]))
    employer = EmployerColumn()
    employer_number = EmployerNumberColumn()
    kind = tables.Column(verbose_name=_("Kind"), accessor="get_kind_display", order_by=("kind",))
    month_from = MonthColumn(verbose_name=_("From month"))
    month_to = MonthColumn(verbose_name=_("To month"))
    employee_ratio = tables.Column(verbose_name=_("Reduced ratios"), orderable=False, default="—")
    submitted_at = tables.DateTimeColumn(verbose_name=_("Submitted at"), format="Y-m-d H:i")
    status = BadgeColumn(
        verbose_name=_("Status"),
        colours={"submitted": "warning", "reviewed": "info", "approved": "success", "rejected": "danger"},
    )

    class Meta(Table.Meta):
        model = DeferralApplication
        fields = ()
        attrs = {**Table.Meta.attrs, "id": "applications"}
        empty_text = _("No applications found.")

    def render_employee_ratio(self, value, record):
        if record.employee_ratio is None:
            return "—"
        return f"{_percent(record.employee_ratio)} / {_percent(record.employer_ratio)}"

    def value_employee_ratio(self, value, record):
        return self.render_employee_ratio(value, record)


def _percent(ratio):
    return f"{(ratio * 100).normalize():f}%" if ratio is not None else "—"


class BaseAdjustmentTable(Table):
    pk = tables.Column(verbose_name="#", linkify=lambda record: reverse("deposits:base_adjustment", args=[record.pk]))
    employer = EmployerColumn()
    employer_number = EmployerNumberColumn()
    effective_from = tables.DateColumn(verbose_name=_("Effective from"), format="Y-m-d")
    line_count = tables.Column(verbose_name=_("Employees"), attrs={"td": {"class": "text-end"}})
    clamped_count = tables.Column(verbose_name=_("Clamped"), attrs={"td": {"class": "text-end"}})
    source = tables.Column(verbose_name=_("Source"))
    submitted_at = tables.DateTimeColumn(verbose_name=_("Submitted at"), format="Y-m-d H:i")
    status = BadgeColumn(
        verbose_name=_("Status"), colours={"pending": "warning", "applied": "success", "superseded": "light"}
    )

    class Meta(Table.Meta):
        model = BaseAdjustment
        fields = ()
        attrs = {**Table.Meta.attrs, "id": "adjustments"}
        empty_text = _("No base adjustments found.")


class RatioColumn(tables.Column):
    """A contribution ratio: shown as 12%, exported as the number itself (0.12)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("attrs", {"td": {"class": "money"}, "th": {"class": "money"}})
        super().__init__(*args, **kwargs)

    def render(self, value):
        return _percent(value)

    def value(self, value):
        return value


def _account_link(record):
    return reverse("accounts:account", args=[record.account.number])


class RemittanceLineTable(Table):
    """The lines of one remittance list; a draft's lines have a remove button (left out of the export)."""

    account = tables.Column(
        verbose_name=_("Account number"),
        accessor="account__number",
        linkify=_account_link,
        attrs={"td": {"class": "font-monospace"}},
    )
    name = tables.Column(verbose_name=_("Name"), accessor="account__depositor__name")
    month = MonthColumn(verbose_name=_("Month"))
    base = MoneyColumn(verbose_name=_("Deposit base"))
    employee_ratio = RatioColumn(verbose_name=_("Employee ratio"))
    employer_ratio = RatioColumn(verbose_name=_("Employer ratio"))
    employee_amount = MoneyColumn(verbose_name=_("Employee part"))
    employer_amount = MoneyColumn(verbose_name=_("Employer part"))
    amount = MoneyColumn(verbose_name=_("Amount"))
    remove = tables.TemplateColumn(
        template_name="deposits/_remove_line.html",
        verbose_name="",
        orderable=False,
        exclude_from_export=True,
        attrs={"td": {"class": "text-end"}},
    )

    class Meta(Table.Meta):
        model = RemittanceLine
        fields = ()
        attrs = {**Table.Meta.attrs, "id": "lines"}
        empty_text = _("The list has no employees.")


class AdjustmentLineTable(Table):
    row = tables.Column(verbose_name=_("Row"))
    account = tables.Column(
        verbose_name=_("Personal account number"),
        accessor="account__number",
        linkify=_account_link,
        attrs={"td": {"class": "font-monospace"}},
    )
    name = tables.Column(verbose_name=_("Name"), accessor="account__depositor__name")
    wage = MoneyColumn(verbose_name=_("Average monthly wage"))
    old_base = MoneyColumn(verbose_name=_("Previous base"))
    new_base = MoneyColumn(verbose_name=_("New base"))
    clamped = tables.Column(verbose_name=_("Clamped"), accessor="get_clamped_display", order_by=("clamped",))

    class Meta(Table.Meta):
        model = BaseAdjustmentLine
        fields = ()
        attrs = {**Table.Meta.attrs, "id": "lines"}


class FlexibleDepositTable(Table):
    reference = tables.Column(verbose_name=_("Reference"), attrs={"td": {"class": "font-monospace"}})
    account = tables.Column(
        verbose_name=_("Personal account number"),
        accessor="account__number",
        linkify=_account_link,
        attrs={"td": {"class": "font-monospace"}},
    )
    name = tables.Column(verbose_name=_("Name"), accessor="account__depositor__name")
    month_from = MonthColumn(verbose_name=_("From month"))
    month_to = MonthColumn(verbose_name=_("To month"))
    months = tables.Column(verbose_name=_("Months"), attrs={"td": {"class": "text-end"}})
    amount = MoneyColumn(verbose_name=_("Amount"))
    bank_reference = tables.Column(verbose_name=_("Bank reference"), accessor="statement_line__bank_reference")

    class Meta(Table.Meta):
        model = FlexibleDeposit
        fields = ()
        attrs = {**Table.Meta.attrs, "id": "flexible-deposits"}
        empty_text = _("No deposits yet.")


RESULT_LABELS = {
    "accounts": _("Accounts"), "entries": _("Journal entries"), "total": _("Total"), "statements": _("Statements"),
    "identity_failures": _("Identity failures"), "chunks": _("Chunks"), "errors": _("Errors"),
}


def _result_value(key, value):
    """A batch run's result figure in words: amounts in yuan, counts with separators."""
    if key in ("total", "amount"):
        try:
            return format_yuan(value)
        except (ArithmeticError, TypeError, ValueError):
            return value
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else value


class InterestRunTable(Table):
    """Interest settlement runs (batch runs of the settlement job) with their progress."""

    key = tables.Column(verbose_name=_("Run"), attrs={"td": {"class": "font-monospace"}})
    status = BadgeColumn(verbose_name=_("Status"), colours={"running": "info", "done": "success", "failed": "danger"})
    progress = tables.TemplateColumn(
        template_name="core/_run_progress.html",
        verbose_name=_("Progress"),
        orderable=False,
        attrs={"th": {"style": "width:40%"}},
    )
    processed = tables.Column(verbose_name=_("Processed"), visible=False)
    total = tables.Column(verbose_name=_("Total"), visible=False)
    started_at = tables.DateTimeColumn(verbose_name=_("Started"), format="Y-m-d H:i")
    finished_at = tables.DateTimeColumn(verbose_name=_("Finished"), format="Y-m-d H:i")
    result = tables.Column(verbose_name=_("Result"), orderable=False, attrs={"td": {"class": "small"}})

    class Meta(Table.Meta):
        model = BatchRun
        fields = ()
        attrs = {**Table.Meta.attrs, "id": "interest-runs"}
        empty_text = _("No settlement has run yet.")

    def value_progress(self, record):
        return record.percent

    def render_result(self, value):
        return "; ".join(f"{RESULT_LABELS.get(k, k)}: {_result_value(k, v)}" for k, v in (value or {}).items())

    def value_result(self, value):
        return self.render_result(value)
