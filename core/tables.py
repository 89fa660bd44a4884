"""Staff lists on django-tables2: every list page sorts (``?sort=``), pages (``?page=``) and exports every
row it shows, filtered and sorted, as CSV or XLSX (``?export=csv|xlsx``). The export goes through
``core.tabular``, so its cells are escaped against formula injection like every other file the center writes;
it is streamed from the database in chunks, and a list over the row cap (``tabular.export_max_rows()``) is not
exported: the page says so.

A page builds its table from a selector's queryset and calls :func:`list_page`; the table's columns carry
translated headers; columns such as action buttons set ``exclude_from_export``."""

from decimal import Decimal

import django_tables2 as tables
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django_tables2 import RequestConfig

from core import tabular
from core.money import format_yuan

EXPORT_PARAM = "export"
PER_PAGE = 50
MAX_PER_PAGE = 500  # ``?per_page=`` is honoured up to this


class Table(tables.Table):
    """Base of the staff lists: Bootstrap 5 markup, 50 rows a page, CSV/XLSX export links."""

    export_formats = tabular.FORMATS

    class Meta:
        template_name = "core/_table.html"
        attrs = {"class": "table table-sm table-hover bg-white align-middle"}
        empty_text = _("Nothing found.")


class PlainRowsTable(Table):
    """A long table whose rows are written in one pass by :meth:`row_cells` instead of django-tables2's per-cell
    machinery (an accessor walk, a signature inspection and an attribute merge for every cell): the columns,
    headers, paging and export stay django-tables2's own, only the body of the page is written here.
    ``row_cells(record)`` returns ``{column name: cell content}`` exactly as the column's ``render`` shows it
    (plain strings are escaped, safe strings kept); the columns' ``td`` attributes must not depend on the row."""

    class Meta(Table.Meta):
        template_name = "core/_table_plain_rows.html"

    def row_cells(self, record) -> dict:
        raise NotImplementedError

    def body_html(self):
        """The ``<tr>`` rows of the current page (even/odd classes as django-tables2 gives them)."""
        from django.utils.html import conditional_escape
        from django.utils.safestring import mark_safe

        columns = list(self.columns)
        tds = []
        for column in columns:
            attrs = column.attrs["td"].as_html()
            tds.append(f"<td {attrs}>" if attrs else "<td>")
        out = []
        for i, row in enumerate(self.paginated_rows):
            cells = self.row_cells(row.record)
            out.append('<tr class="even">' if i % 2 == 0 else '<tr class="odd">')
            for td, column in zip(tds, columns, strict=True):
                out.append(f"{td}{conditional_escape(cells[column.name])}</td>")
            out.append("</tr>\n")
        return mark_safe("".join(out))  # noqa: S308 - every cell escaped above


class MoneyColumn(tables.Column):
    """An amount in yuan: shown as 1,234.50, exported as the number itself."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("attrs", {"td": {"class": "money"}, "th": {"class": "money"}})
        super().__init__(*args, **kwargs)

    def render(self, value):
        return format_yuan(value)

    def value(self, value):
        return value


class RateColumn(tables.Column):
    """A rate or ratio: shown as a percentage (0.026 -> 2.6%), exported as the number itself."""

    def render(self, value):
        return f"{(Decimal(value) * 100).normalize():f}%"

    def value(self, value):
        return value


class MonthColumn(tables.DateColumn):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("format", "Y-m")
        super().__init__(*args, **kwargs)

    def value(self, value):
        return f"{value:%Y-%m}" if value else ""


class BadgeColumn(tables.Column):
    """A choice shown as a coloured badge (``colours``: stored value → Bootstrap colour), exported as its label.
    django-tables2 hands a choice column its label, so the stored value is read from the record itself."""

    def __init__(self, *args, colours=None, **kwargs):
        self.colours = colours or {}
        super().__init__(*args, **kwargs)

    @staticmethod
    def _code_and_label(record, bound_column):
        path = str(bound_column.accessor)
        *parents, field = path.split("__")
        owner = tables.A("__".join(parents)).resolve(record, quiet=True) if parents else record
        code = getattr(owner, field, None)
        display = getattr(owner, f"get_{field}_display", None)
        return code, (display() if callable(display) else code)

    def render(self, value, record, bound_column):
        code, label = self._code_and_label(record, bound_column)
        return format_html('<span class="badge text-bg-{}">{}</span>', self.colours.get(code, "secondary"), label)

    def value(self, value, record, bound_column):
        return str(self._code_and_label(record, bound_column)[1] or "")


def export_rows(table, exclude_columns=()):
    """The table's export headers, then its rows as values (django-tables2's ``as_values``), read from the
    filtered, sorted queryset in chunks instead of all at once."""
    from django.db.models import QuerySet
    from django.utils.encoding import force_str
    from django_tables2.rows import BoundRow

    columns = [
        column
        for column in table.columns.iterall()
        if not (column.column.exclude_from_export or column.name in exclude_columns)
    ]
    yield [force_str(column.header, strings_only=True) for column in columns]
    data = table.data.data
    records = data.iterator(chunk_size=2000) if isinstance(data, QuerySet) else iter(data)
    for record in records:
        row = BoundRow(record, table=table)
        yield [force_str(row.get_cell_value(column.name), strings_only=True) for column in columns]


def export_response(request, table, fmt, *, filename):
    """The whole filtered and sorted table as a streamed file; over the row cap, the page again with a message
    saying so (nothing is exported)."""
    refused = tabular.too_many_to_export(len(table.data))
    if refused is not None:
        messages.error(request, refused.message)
        query = request.GET.copy()
        query.pop(EXPORT_PARAM, None)
        return redirect(f"{request.path}?{query.urlencode()}" if query else request.path)
    values = export_rows(table)
    headers = [str(h) for h in next(values)]
    return tabular.stream(headers, values, fmt, filename=filename, title=str(filename)[:31])


def list_page(request, template, *, table, filename, filterset=None, context=None, per_page=PER_PAGE):
    """Render ``table`` on ``template`` (as ``table``, with the FilterSet as ``filter``), sorted and paged by the
    request; or, with ``?export=csv|xlsx``, answer the whole filtered and sorted list as a file."""
    if "per_page" in request.GET:  # django-tables2 takes any number, 0 included: keep it within bounds
        try:
            asked = int(request.GET["per_page"])
        except ValueError:
            asked = per_page
        request.GET = request.GET.copy()
        request.GET["per_page"] = str(min(max(asked, 1), MAX_PER_PAGE))
    RequestConfig(request, paginate={"per_page": per_page}).configure(table)
    fmt = request.GET.get(EXPORT_PARAM)
    if fmt in tabular.FORMATS:
        return export_response(request, table, fmt, filename=filename)
    return render(request, template, {"table": table, "filter": filterset, **(context or {})})
