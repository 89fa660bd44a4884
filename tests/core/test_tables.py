"""core.tables and the streaming exports of core.tabular: every staff list exports through one path that
streams, escapes text cells and stops at the row cap with a message."""

import csv
import datetime
import io
import tracemalloc
from decimal import Decimal

import pytest
from django.http import FileResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from core import tabular
from tests import factories


def _csv(response):
    return list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig"), newline="")))


def test_stream_csv_escapes_text_and_keeps_numbers():
    rows = [
        ['=HYPERLINK("http://evil.example")', Decimal("-12.50"), -3, datetime.date(2026, 1, 31)],
        ["-1", None, True, "张三"],
    ]
    data = b"".join(tabular.stream_csv(["姓名", "金额", "n", "d"], iter(rows), chunk=10))
    assert data.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert table == [
        ["姓名", "金额", "n", "d"],
        ['\'=HYPERLINK("http://evil.example")', "-12.50", "-3", "2026-01-31"],
        ["'-1", "", "True", "张三"],
    ]


def test_xlsx_file_escapes_text_and_keeps_negative_amounts_numbers():
    out = tabular.xlsx_file(["名称", "金额"], iter([["@SUM(A1)", Decimal("-7.25")], ["+1", 3]]), title="a/b:c")
    sheet = load_workbook(out).active
    assert sheet.title == "abc"
    assert sheet["A2"].value == "'@SUM(A1)" and sheet["A2"].data_type == "s"
    assert sheet["B2"].value == -7.25 and sheet["B2"].data_type == "n"
    assert sheet["A3"].value == "'+1" and sheet["B3"].value == 3


def test_a_large_xlsx_export_does_not_hold_its_rows_in_memory():
    rows = ([f"账户{i}", Decimal(i) / 100] for i in range(30_000))
    tracemalloc.start()
    try:
        out = tabular.xlsx_file(["a", "b"], rows)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * 1024 * 1024, peak
    assert sum(1 for _ in load_workbook(out, read_only=True).active.iter_rows(values_only=True)) == 30_001


@pytest.fixture
def employers(clerk):
    return [factories.employer(clerk, name=name) for name in ("甲公司", "乙公司", '=HYPERLINK("x")')]


def test_list_export_streams_csv_and_xlsx(client, clerk, employers):
    client.force_login(clerk)
    url = reverse("accounts:employers")
    response = client.get(url, {"sort": "name", "export": "csv"})
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Disposition"] == 'attachment; filename="employers.csv"'
    rows = _csv(response)
    assert len(rows) == 4 and '\'=HYPERLINK("x")' in [r[1] for r in rows]
    response = client.get(url, {"export": "xlsx"})
    assert isinstance(response, FileResponse)
    sheet = load_workbook(io.BytesIO(response.getvalue())).active
    assert sheet.max_row == 4


def test_an_export_over_the_row_cap_is_refused_with_a_message(client, clerk, employers, settings):
    client.force_login(clerk)
    url = reverse("accounts:employers")
    settings.EXPORT_MAX_ROWS = 2
    response = client.get(url, {"sort": "name", "export": "xlsx"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 302 and response["Location"] == f"{url}?sort=name"
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "共 3 行，一次最多导出 2 行" in page
    # a filter that brings the list under the cap exports
    assert len(_csv(client.get(url, {"q": "甲公司", "export": "csv"}))) == 2
    settings.EXPORT_MAX_ROWS = 3
    assert len(_csv(client.get(url, {"export": "csv"}))) == 4


def test_a_status_badge_is_coloured_by_the_stored_code_and_shows_its_label(db, clerk):
    from accounts.models import Employer
    from accounts.tables import EmployerTable
    from core.tables import export_rows

    factories.employer(clerk, name="甲公司")
    emp = Employer.objects.get(name="甲公司")
    assert emp.status == "01"
    with translation.override("zh-hans"):
        cell = EmployerTable(Employer.objects.filter(pk=emp.pk)).rows[0].get_cell("status")
        assert cell == f'<span class="badge text-bg-success">{emp.get_status_display()}</span>'
        header, *rows = list(export_rows(EmployerTable(Employer.objects.filter(pk=emp.pk))))
    assert str(emp.get_status_display()) in rows[0]
