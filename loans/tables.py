"""The loans app's staff lists (django-tables2 on ``core.tables``): sorting, paging and CSV/XLSX export."""

import django_tables2 as tables
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.business_date import today
from core.tables import BadgeColumn, MoneyColumn, RateColumn, Table
from loans.models import LoanApplication, ScheduleInstallment
from loans.selectors import decision_clock, fast_lane_hours, promise_clock


def _promise(record, table):
    """The record's clocks, computed once per row; the fast-lane promise is read once per table."""
    if not hasattr(record, "_promise"):
        if not hasattr(table, "_clock_on"):
            table._clock_on = today()
            table._fast_hours = fast_lane_hours(table._clock_on)
        record._promise = promise_clock(record, on=table._clock_on, hours=table._fast_hours)
    return record._promise


def _late(record, table) -> bool:
    clock = _promise(record, table) or {}
    return bool(clock.get("decision", {}).get("late") or clock.get("fast", {}).get("late"))


STATE_COLOURS = {
    "draft": "light",
    "submitted": "info",
    "accepted": "primary",
    "reviewed": "warning",
    "approved": "success",
    "rejected": "danger",
    "returned": "secondary",
    "cancelled": "dark",
}


class ApplicationTable(Table):
    number = tables.Column(
        verbose_name=_("Application number"),
        attrs={"td": {"class": "font-monospace"}},
        linkify=lambda record: reverse("loans:case", args=[record.number]),
    )
    name = tables.Column(verbose_name=_("Borrower"), accessor="borrower__name")
    account = tables.Column(
        verbose_name=_("Account number"), accessor="account__number", attrs={"td": {"class": "font-monospace small"}}
    )
    state = BadgeColumn(verbose_name=_("State"), colours=STATE_COLOURS)
    channel = tables.Column(verbose_name=_("Channel"), accessor="get_channel_display", order_by=("channel",))
    application_date = tables.DateColumn(verbose_name=_("Applied on"), format="Y-m-d")
    requested_amount = MoneyColumn(verbose_name=_("Amount requested"))
    term_months = tables.Column(verbose_name=_("Term (months)"), attrs={"td": {"class": "text-end"}})
    limit_amount = MoneyColumn(verbose_name=_("Loan limit"), default="—")
    officer = tables.Column(verbose_name=_("Entered by"), accessor="created_by__username")
    decision_due = tables.DateColumn(verbose_name=_("Decision due"), format="Y-m-d", default="—")
    promise = tables.Column(verbose_name=_("Promise"), empty_values=(), orderable=False)

    class Meta(Table.Meta):
        model = LoanApplication
        fields = ()
        attrs = {**Table.Meta.attrs, "id": "loan-applications"}
        empty_text = _("No loan applications.")
        row_attrs = {
            "class": lambda record, table: "table-danger" if _late(record, table) else "",
            "data-fast-lane": lambda record: "1" if record.fast_lane else "",
        }

    def render_number(self, value, record):
        if record.fast_lane:
            return format_html('{} <span class="badge text-bg-success">{}</span>', value, _("Fast lane"))
        return value

    def render_promise(self, record):
        clock = _promise(record, self)
        if not clock:
            return "—"
        return render_to_string("loans/_promise.html", {"promise": clock})

    def value_promise(self, record):
        clock = _promise(record, self) or {}
        parts = []
        if "decision" in clock:
            parts.append(f"{clock['decision']['elapsed']}/{clock['decision']['promise']}")
        if "fast" in clock:
            parts.append(f"{clock['fast']['elapsed']}/{clock['fast']['promise']}h")
        return " ".join(parts)

    def render_decision_due(self, value, record):
        if value is None:
            return "—"
        clock = decision_clock(record) or {}
        if "overdue" in clock:
            return format_html('{} <span class="badge text-bg-danger">{}</span>', f"{value:%Y-%m-%d}", _("Overdue"))
        if "left" in clock:
            return format_html(
                '{} <span class="badge text-bg-info">{}</span>',
                f"{value:%Y-%m-%d}",
                ngettext("%(days)s day left", "%(days)s days left", clock["left"]) % {"days": clock["left"]},
            )
        return f"{value:%Y-%m-%d}"

    def value_decision_due(self, value):
        return value or ""

    def value_limit_amount(self, value):
        return value if value is not None else ""


class InstallmentTable(Table):
    number = tables.Column(verbose_name=_("Installment"), attrs={"td": {"class": "text-end"}})
    due_date = tables.DateColumn(verbose_name=_("Due date"), format="Y-m-d")
    payment = MoneyColumn(verbose_name=_("Payment"))
    principal = MoneyColumn(verbose_name=_("Principal"))
    interest = MoneyColumn(verbose_name=_("Interest"))
    balance = MoneyColumn(verbose_name=_("Principal remaining"))
    annual_rate = RateColumn(verbose_name=_("Annual rate"))

    class Meta(Table.Meta):
        model = ScheduleInstallment
        fields = ()
        attrs = {**Table.Meta.attrs, "id": "schedule"}
        empty_text = _("No schedule yet.")


class DebitRunTable(Table):
    """The bank debit runs with their orders' counts and amounts (finance)."""

    on = tables.Column(
        verbose_name=_("Debit date"),
        accessor="params__on",
        orderable=False,
        linkify=lambda record: f"{reverse('loans:debit_run')}?id={record.pk}",
    )
    month = tables.Column(verbose_name=_("Whole month"), accessor="params__month", orderable=False)
    status = BadgeColumn(verbose_name=_("Run"), colours={"done": "success", "failed": "danger", "running": "info"})
    orders = tables.Column(verbose_name=_("Orders"), attrs={"td": {"class": "text-end"}})
    amount = MoneyColumn(verbose_name=_("Amount due"), default="0.00")
    paid = tables.Column(verbose_name=_("Debited in full"), attrs={"td": {"class": "text-end"}})
    partial = tables.Column(verbose_name=_("Debited in part"), attrs={"td": {"class": "text-end"}})
    failed = tables.Column(verbose_name=_("Failed"), attrs={"td": {"class": "text-end"}})
    open = tables.Column(verbose_name=_("Waiting for the bank"), attrs={"td": {"class": "text-end"}})
    debited = MoneyColumn(verbose_name=_("Amount debited"), default="0.00")
    created_at = tables.DateTimeColumn(verbose_name=_("Started at"), format="Y-m-d H:i")

    class Meta(Table.Meta):
        fields = ()
        attrs = {**Table.Meta.attrs, "id": "loan-debit-runs"}
        empty_text = _("No debit runs yet.")

    def render_month(self, value):
        return _("Yes") if value else _("No")


class DebitBatchTable(Table):
    """The batches (批量代扣) of a debit run."""

    reference = tables.Column(verbose_name=_("Batch reference"), attrs={"td": {"class": "font-monospace"}})
    status = BadgeColumn(verbose_name=_("State"), colours={"sent": "info", "returned": "warning", "applied": "success"})
    count = tables.Column(verbose_name=_("Orders"), attrs={"td": {"class": "text-end"}})
    amount = MoneyColumn(verbose_name=_("Amount due"))
    debited = MoneyColumn(verbose_name=_("Amount debited"))
    statement = tables.Column(
        verbose_name=_("Bank credit"), accessor="statement_line__statement__status", default="—", orderable=False
    )
    orders_file = tables.Column(
        verbose_name=_("Order file"), empty_values=(), orderable=False, exclude_from_export=True
    )

    class Meta(Table.Meta):
        fields = ()
        attrs = {**Table.Meta.attrs, "id": "loan-debit-batches"}
        empty_text = _("No batch: nothing was due.")

    def render_statement(self, value, record):
        if value == "pending":
            return _("Waiting for a second finance person")
        return _("Confirmed")

    def render_orders_file(self, record):
        return format_html(
            '<a href="{}?batch={}">{}</a>', reverse("loans:debit_orders"), record.reference, _("Download (CSV)")
        )


# --- overdue monitoring ------------------------------------------------------------------------------------------

GRADE_COLOURS = {"01": "success", "02": "info", "03": "warning", "04": "danger", "05": "dark"}


class OverdueTable(Table):
    """The collection workbench: overdue loans by grade and days past due."""

    contract__number = tables.Column(
        verbose_name=_("Contract"),
        linkify=lambda record: reverse("loans:collection_case", args=[record.contract.number]),
    )
    contract__borrower__name = tables.Column(verbose_name=_("Borrower"))
    grade = BadgeColumn(verbose_name=_("Risk grade"), colours=GRADE_COLOURS)
    dpd = tables.Column(verbose_name=_("Days past due"), attrs={"td": {"class": "text-end"}})
    periods = tables.Column(verbose_name=_("Overdue periods"), attrs={"td": {"class": "text-end"}})
    consecutive = tables.Column(verbose_name=_("Consecutive"), attrs={"td": {"class": "text-end"}})
    cumulative = tables.Column(verbose_name=_("Cumulative"), attrs={"td": {"class": "text-end"}})
    principal = MoneyColumn(verbose_name=_("Overdue principal"))
    interest = MoneyColumn(verbose_name=_("Overdue interest"))
    penalty = MoneyColumn(verbose_name=_("Penalty interest"))
    outstanding = MoneyColumn(verbose_name=_("Principal outstanding"))
    as_of = tables.DateColumn(verbose_name=_("As of"), format="Y-m-d")

    class Meta(Table.Meta):
        empty_text = _("No loan is overdue.")


class CloseOfBusinessTable(Table):
    business_date = tables.DateColumn(verbose_name=_("Business date"), format="Y-m-d")
    status = BadgeColumn(verbose_name=_("Status"), colours={"done": "success", "running": "warning"})
    progress = tables.Column(verbose_name=_("Progress"), empty_values=(), orderable=False)
    overdue = tables.Column(verbose_name=_("Overdue loans"), empty_values=(), orderable=False)
    deductions = tables.Column(verbose_name=_("Fund deductions"), empty_values=(), orderable=False)
    finished_at = tables.DateTimeColumn(verbose_name=_("Finished at"), format="Y-m-d H:i")

    class Meta(Table.Meta):
        empty_text = _("No business date has been closed yet.")

    def render_progress(self, record):
        if record.run is None:
            return "—"
        return render_to_string("core/_run_progress.html", {"record": record.run})

    def value_progress(self, record):
        return record.run.percent if record.run else 0

    def render_overdue(self, record):
        return (record.result or {}).get("overdue", "—")

    def render_deductions(self, record):
        return (record.result or {}).get("deductions", "—")
