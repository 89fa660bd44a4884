"""The accounts app's staff lists (django-tables2 on ``core.tables``): sorting, paging and CSV/XLSX export."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.models import Employer, FundAccount
from core import identity
from core.money import format_yuan
from core.tables import BadgeColumn, MoneyColumn, PlainRowsTable, Table


def _employer_url(record):
    return reverse("accounts:employer", args=[record.account_number])


class EmployerTable(Table):
    account_number = tables.Column(verbose_name=_("Employer account number"), attrs={"td": {"class": "font-monospace"}},
                                   linkify=_employer_url)
    name = tables.Column(verbose_name=_("Employer name"), linkify=_employer_url)
    uscc = tables.Column(verbose_name=_("Unified social credit code"), attrs={"td": {"class": "font-monospace"}})
    status = BadgeColumn(verbose_name=_("Status"), colours={"01": "success", "02": "warning", "06": "danger"})
    active_count = tables.Column(verbose_name=_("Active employees"), attrs={"td": {"class": "text-end"}})
    sealed_count = tables.Column(verbose_name=_("Sealed"), attrs={"td": {"class": "text-end"}})
    suspense = MoneyColumn(verbose_name=_("Unallocated money"), accessor="suspense_account__balance",
                           default=0)

    class Meta(Table.Meta):
        model = Employer
        fields = ()
        attrs = {**Table.Meta.attrs, "id": "employers"}
        empty_text = _("No employers found.")


def _account_url(record):
    return reverse("accounts:account", args=[record.number])


class EmployeeTable(Table):
    """An employer's personal accounts; the ID number is masked on the page and in the export."""

    number = tables.Column(verbose_name=_("Account number"), attrs={"td": {"class": "font-monospace"}},
                           linkify=_account_url)
    name = tables.Column(verbose_name=_("Name"), accessor="depositor__name")
    id_number = tables.Column(verbose_name=_("ID number"), accessor="depositor__id_number",
                              attrs={"td": {"class": "font-monospace"}})
    status = BadgeColumn(verbose_name=_("Status"), colours={"01": "success", "02": "warning", "06": "danger"},
                         order_by=("status_order", "number"))
    base = MoneyColumn(verbose_name=_("Deposit base"))
    monthly_total = MoneyColumn(verbose_name=_("Monthly deposit"), accessor="monthly_total", orderable=False)
    balance = MoneyColumn(verbose_name=_("Balance"), accessor="ledger_account__balance")

    class Meta(Table.Meta):
        model = FundAccount
        fields = ()
        attrs = {**Table.Meta.attrs, "id": "employees"}
        empty_text = _("No employees yet.")

    def render_id_number(self, value):
        return identity.mask_id_number(value or "")

    def value_id_number(self, value):
        return identity.mask_id_number(value or "")


class LedgerLineTable(PlainRowsTable):
    """An account's ledger lines, newest first, with the balance after each; the order is fixed (the running
    balance only reads in posting order). A page of lines is written by :meth:`row_cells` (a hundred rows through
    django-tables2's cells cost more than the rest of the account page); the export reads the ``value_*``
    methods as before."""

    business_date = tables.DateColumn(verbose_name=_("Business date"), format="Y-m-d", orderable=False)
    memo = tables.Column(verbose_name=_("Memo"), orderable=False, empty_values=())
    debit = MoneyColumn(verbose_name=_("Debit"), accessor="amount", orderable=False, empty_values=())
    credit = MoneyColumn(verbose_name=_("Credit"), accessor="amount", orderable=False, empty_values=())
    running = MoneyColumn(verbose_name=_("Balance"), orderable=False)

    class Meta(PlainRowsTable.Meta):
        attrs = {**Table.Meta.attrs, "id": "ledger-lines"}
        empty_text = _("No postings yet.")

    def row_cells(self, record) -> dict:
        """The cells as the columns render them: the date as YYYY-MM-DD, the amount on its side, the balance."""
        amount = format_yuan(record.amount)
        running = getattr(record, "running", None)
        return {"business_date": record.business_date.isoformat() if record.business_date else self.default,
                "memo": self.render_memo(record),
                "debit": amount if record.side == "D" else "", "credit": amount if record.side == "C" else "",
                "running": self.default if running in (None, "") else format_yuan(running)}

    def render_memo(self, record):
        return record.localized_memo

    def value_memo(self, record):
        return self.render_memo(record)

    def render_debit(self, record):
        return format_yuan(record.amount) if record.side == "D" else ""

    def value_debit(self, record):
        return record.amount if record.side == "D" else None

    def render_credit(self, record):
        return format_yuan(record.amount) if record.side == "C" else ""

    def value_credit(self, record):
        return record.amount if record.side == "C" else None


# Colour of a case's state badge by its code, whatever its kind (the state itself is shown in words).
CASE_STATE_COLOURS = {
    "approved": "success", "paid": "success", "closed": "success", "posted": "success", "applied": "success",
    "normal": "success", "paid_off": "success", "executed": "success",
    "rejected": "danger", "refused": "danger", "overdue": "danger", "reversed": "danger", "written_off": "danger",
    "returned": "warning", "cancelled": "light", "draft": "secondary", "superseded": "light",
}


def _case_source(record):
    from accounts.cases import source_of

    return source_of(record["c_kind"])


class CaseTable(Table):
    """The rows of the case search (``accounts.cases.search_cases``): kind and state in words, the case number
    linked to its page, the person with the ID number masked, the employer. The order is the search's own
    (newest first)."""

    c_kind = tables.Column(verbose_name=_("Kind"), orderable=False)
    c_number = tables.Column(verbose_name=_("Number"), orderable=False, attrs={"td": {"class": "font-monospace"}},
                             linkify=lambda record: _case_source(record).url(record))
    c_person = tables.Column(verbose_name=_("Person"), orderable=False, empty_values=())
    c_account = tables.Column(verbose_name=_("Account number"), orderable=False, empty_values=(),
                              attrs={"td": {"class": "font-monospace"}})
    c_employer = tables.Column(verbose_name=_("Employer"), orderable=False, empty_values=())
    c_state = tables.Column(verbose_name=_("State"), orderable=False)
    c_date = tables.DateColumn(verbose_name=_("Date"), format="Y-m-d", orderable=False)

    class Meta(Table.Meta):
        attrs = {**Table.Meta.attrs, "id": "cases"}
        row_attrs = {"class": "case-row", "data-kind": lambda record: record["c_kind"]}
        empty_text = _("No case matches.")

    def render_c_kind(self, record):
        return _case_source(record).label

    def value_c_kind(self, record):
        return str(_case_source(record).label)

    def value_c_person(self, record):
        if not record["c_person"]:
            return ""
        masked = identity.mask_id_number(record["c_id_number"] or "")
        return f"{record['c_person']} {masked}".strip()

    def render_c_person(self, record):
        if not record["c_person"]:
            return "—"
        return format_html('{} <span class="font-monospace text-body-secondary small">{}</span>', record["c_person"],
                           identity.mask_id_number(record["c_id_number"] or ""))

    def render_c_account(self, record):
        if not record["c_account"]:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("accounts:account", args=[record["c_account"]]),
                           record["c_account"])

    def value_c_account(self, record):
        return record["c_account"] or ""

    def render_c_employer(self, record):
        if not record["c_employer"]:
            return "—"
        return format_html('{} <span class="font-monospace text-body-secondary small">{}</span>',
                           record["c_employer"], record["c_employer_number"] or "")

    def value_c_employer(self, record):
        return f"{record['c_employer'] or ''} {record['c_employer_number'] or ''}".strip()

    def render_c_state(self, record):
        return format_html('<span class="badge text-bg-{}">{}</span>',
                           CASE_STATE_COLOURS.get(record["c_state"], "info"),
                           _case_source(record).state_label(record["c_state"]))

    def value_c_state(self, record):
        return _case_source(record).state_label(record["c_state"])
