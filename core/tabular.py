"""Every file the center reads or writes: remittance lists, base adjustment files, property records, bank
statements and every export.

``read`` takes an upload (bytes or a file object) and a list of :class:`Column`; it judges the file by its
content, not by its name (a zip is a workbook, anything else is CSV text in UTF-8, UTF-8 with BOM or
GBK/GB18030, as Excel in China writes it; comma- or tab-separated), accepts the Chinese or the English header of
each column (or one of its aliases), finds the header row below a few title lines (as bank exports have: the
account, the period, then the header), checks the size before reading and stops at the row limit while
streaming, and returns the rows with every problem as one :class:`RowError` type. It raises ``InvalidInput``
only for a file it cannot read at all.

``write`` turns rows into a CSV (UTF-8 with BOM, so Excel shows Chinese) or XLSX file's bytes; ``stream`` makes
the same file an HTTP download that never holds the rows in memory: a CSV is streamed chunk by chunk, an XLSX is
written by openpyxl's write-only mode to a temporary file; at most ``export_max_rows()`` rows (setting
``EXPORT_MAX_ROWS``). Both use one CSV writer (``stream_csv``) and one XLSX writer (``xlsx_file``).

Escaping: a *text* cell starting with ``=``, ``+``, ``-``, ``@``, tab or CR gets a leading single quote, in
every file the center writes. Numbers (int, Decimal), dates and booleans are never escaped: a negative amount
stays a number a spreadsheet can add up, and a number cannot run as a formula.
"""

import csv
import datetime
import io
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core.errors import InvalidInput

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
# An XLSX is a zip: refuse one whose members unpack to more than this multiple of the size limit (zip bomb).
MAX_UNZIP_RATIO = 8
# Columns read from a workbook row; the center's files have far fewer.
MAX_COLUMNS = 64
# Characters of one physical line of a CSV file: twice the csv module's field limit (131,072).
MAX_CSV_LINE = 2 * 131_072
# Rows of one export unless the setting EXPORT_MAX_ROWS says otherwise.
EXPORT_MAX_ROWS = 100_000
FORMATS = ("csv", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# A text cell starting with one of these is run as a formula by spreadsheets (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls
TEXT_EXTENSIONS = (".csv",)
BANK_TEXT_EXTENSIONS = (".csv", ".txt")
# Non-empty lines above the header row that are skipped as the file's title (bank name, account, period).
MAX_TITLE_ROWS = 10
_ILLEGAL_XLSX = re.compile(r"[\000-\010\013\014\016-\037]")


class CellError(ValueError):
    """Raised by a column's parser with a translated reason for refusing a cell."""


@dataclass(frozen=True)
class Column:
    """One column of a file: its key in the row dicts, its Chinese and English headers (either is accepted on
    reading; the active language's is written), an optional parser from the cell's text to a value (raise
    :class:`CellError` with a reason, or ValueError for "invalid value"), whether the file must have it and
    whether a cell may be empty (then the value is ``default``). ``aliases`` are other headers accepted on
    reading, e.g. the ones banks use in their exports (交易流水号 for 银行流水号)."""

    key: str
    zh: str
    en: str
    parser: Callable[[str], Any] | None = None
    required: bool = True
    blank: bool = True
    default: Any = ""
    max_length: int = 500
    aliases: tuple[str, ...] = ()

    def header(self, language: str | None = None) -> str:
        language = (language or get_language() or "").lower()
        return self.zh if language.startswith("zh") else str(self.en)

    def names(self) -> set[str]:
        return {_normalize(self.key), _normalize(self.zh), _normalize(str(self.en))} | {
            _normalize(a) for a in self.aliases}


@dataclass(frozen=True)
class RowError:
    """A problem with one row (``row`` counts the header as row 1, like a spreadsheet), in one column (the
    header as the file names it; empty when the whole row is wrong)."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        if self.column:
            return _("Row %(r)d, %(c)s: %(why)s") % {"r": self.row, "c": self.column, "why": self.message}
        return _("Row %(r)d: %(why)s") % {"r": self.row, "why": self.message}


class RowsInvalid(InvalidInput):
    """Rows refused, nothing changed: ``errors`` are the :class:`RowError`; ``fields["rows"]`` the same as text."""

    code = "bad_rows"

    def __init__(self, errors: Iterable[RowError], *, code: str | None = None, message: str | None = None,
                 summary: str | None = None):
        self.errors = sorted(errors, key=lambda e: e.row)
        texts = [str(e) for e in self.errors]
        # The heading of a page that lists every row below it (the message names the first row as well).
        self.summary = summary or _("The file has %(n)d error(s); nothing was changed.") % {"n": len(texts)}
        if message is None:
            message = _("The file has %(n)d error(s); nothing was changed. %(first)s") % {
                "n": len(texts),
                "first": texts[0] if texts else "",
            }
        super().__init__(message, code=code, fields={"rows": texts})


class Row(dict):
    """A row's values by column key; ``number`` is its row in the file (the header is row 1)."""

    def __init__(self, number: int, values: dict):
        super().__init__(values)
        self.number = number


@dataclass
class Table:
    rows: list[Row]
    errors: list[RowError]
    headers: dict[str, str]  # column key → the header as the file names it

    def header(self, column: Column) -> str:
        return self.headers.get(column.key) or column.header()

    def error(self, row: int, column: Column | None, message: str) -> None:
        """Add a consumer's own finding about a row (e.g. an unknown account) to the file's errors."""
        self.errors.append(RowError(row, self.header(column) if column else "", str(message)))

    def raise_errors(self, *, code: str | None = None, message: str | None = None) -> None:
        if self.errors:
            raise RowsInvalid(self.errors, code=code, message=message)


# --- reading ---------------------------------------------------------------------------------------------


def read(
    file, *, columns: list[Column], max_bytes: int = MAX_BYTES, max_rows: int = MAX_ROWS, filename: str | None = None,
    text_extensions: tuple[str, ...] = TEXT_EXTENSIONS,
) -> Table:
    """Read an uploaded CSV or XLSX file (bytes or a file object) into rows of ``columns``; a text file's name
    must end with one of ``text_extensions`` (banks' text exports: ``BANK_TEXT_EXTENSIONS``)."""
    data = _read_bytes(file, max_bytes)
    name = (filename if filename is not None else getattr(file, "name", "") or "").lower()
    if not data.strip():
        raise InvalidInput(_("The file is empty."), code="empty_file")
    # By content: a workbook is a zip whatever its name says (banks' exports are often named .xls).
    if data.startswith(_ZIP_MAGIC):
        records = _xlsx_records(data, max_bytes=max_bytes, max_rows=max_rows)
    elif data.startswith(_OLE_MAGIC):
        raise InvalidInput(_("Old Excel (.xls) files are not accepted; save the file as .xlsx."), code="bad_format")
    elif name.endswith(".xlsx"):
        raise InvalidInput(_("The file is not a valid Excel (.xlsx) workbook."), code="bad_file")
    elif name and not name.endswith(text_extensions):
        raise InvalidInput(_("Upload an .xlsx or .csv file made from the template."), code="bad_format")
    else:
        records = _csv_records(_decode(data))
    return _table(records, columns=columns, max_rows=max_rows)


def from_records(records: Iterable[dict], *, columns: list[Column], max_rows: int = MAX_ROWS) -> Table:
    """Rows given as dicts by column key (e.g. an API body) checked like the rows of a file; the first is
    row 2, as if under a header."""
    errors: list[RowError] = []
    rows: list[Row] = []
    for number, record in enumerate(records, start=2):
        if len(rows) >= max_rows:
            raise _too_many_rows(max_rows)
        rows.append(
            Row(number, {c.key: _cell(_text(record.get(c.key)), c, number, c.header(), errors) for c in columns})
        )
    return Table(rows=rows, errors=errors, headers={})


def _read_bytes(file, max_bytes: int) -> bytes:
    too_large = InvalidInput(
        _("The file is larger than %(mb)s MB.") % {"mb": f"{max_bytes / 1048576:g}"}, code="file_too_large"
    )
    if isinstance(file, bytes | bytearray | memoryview):
        if len(file) > max_bytes:
            raise too_large
        return bytes(file)
    size = getattr(file, "size", None)
    if size is not None and size > max_bytes:
        raise too_large
    if hasattr(file, "seek"):
        file.seek(0)
    data = file.read(max_bytes + 1)
    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) > max_bytes:
        raise too_large
    return data


def _decode(data: bytes) -> str:
    encodings = ("utf-8-sig",) if data.startswith(b"\xef\xbb\xbf") else ("utf-8", "gb18030")
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
        break
    raise InvalidInput(_("The CSV file must be UTF-8 or GBK/GB18030 text."), code="encoding")


class _LineTooLong(Exception):
    pass


def _bounded_lines(text: str) -> Iterator[str]:
    """The text's physical lines, refusing one longer than ``MAX_CSV_LINE`` (a row of a million empty fields
    would otherwise become a million-item list before any check)."""
    for line in io.StringIO(text, newline=""):
        if len(line) > MAX_CSV_LINE:
            raise _LineTooLong
        yield line


def _delimiter(text: str) -> str:
    """A tab when the file's first lines hold more tabs than commas (banks' text exports), else a comma."""
    head = text[:4096]
    return "\t" if head.count("\t") > head.count(",") else ","


def _csv_records(text: str) -> Iterator[tuple[int, list[str]] | RowError]:
    reader = csv.reader(_bounded_lines(text), delimiter=_delimiter(text))
    number = 0
    while True:
        number += 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except _LineTooLong:
            yield RowError(
                number,
                "",
                _("a line is longer than %(n)d characters; the rest of the file was not read") % {"n": MAX_CSV_LINE},
            )
            return
        except csv.Error:
            limit = csv.field_size_limit()
            yield RowError(
                number,
                "",
                _(
                    "a field is longer than %(n)d characters or the row is not valid CSV; "
                    "the rest of the file was not read"
                )
                % {"n": limit},
            )
            return
        yield number, record


def _xlsx_records(data: bytes, *, max_bytes: int, max_rows: int) -> Iterator[tuple[int, list]]:
    from openpyxl import load_workbook

    bad = InvalidInput(_("The file is not a valid Excel (.xlsx) workbook."), code="bad_file")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > max_bytes * MAX_UNZIP_RATIO:
                raise InvalidInput(
                    _("The workbook unpacks to more than %(mb)s MB.")
                    % {"mb": f"{max_bytes * MAX_UNZIP_RATIO / 1048576:g}"},
                    code="file_too_large",
                )
            # Count the rows in the raw XML first (fast, constant memory): openpyxl would otherwise walk a whole
            # sheet that does not declare its size before reading a single row.
            for info in archive.infolist():
                if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                    with archive.open(info) as member:
                        if _count_rows(member, 2 * max_rows + 1) > 2 * max_rows + 1:
                            raise _too_many_rows(max_rows)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, ValueError, OSError, EOFError) as exc:
        raise bad from exc
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.active or workbook.worksheets[0]
    except Exception as exc:  # openpyxl raises many types for a damaged workbook
        raise bad from exc
    # The declared size may lie: ignore it, so that no empty rows are made up to reach it.
    sheet.reset_dimensions()
    try:
        for number, values in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True), start=1):
            if number > 2 * max_rows + 1:  # blank rows count too, so a sparse sheet cannot spin for long
                raise _too_many_rows(max_rows)
            yield number, list(values)
    except InvalidInput:
        raise
    except Exception as exc:
        raise bad from exc
    finally:
        workbook.close()


_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")


def _count_rows(stream, limit: int, chunk: int = 1 << 20) -> int:
    """The number of ``<row>`` elements in a worksheet's XML, or the first count past ``limit``."""
    count, tail = 0, b""
    while True:
        block = stream.read(chunk)
        buffer = tail + block
        if not block:
            return count + len(_ROW_TAG.findall(buffer))
        # A tag cut by the chunk boundary starts at the last "<" near the end: count it with the next chunk.
        cut = buffer.rfind(b"<", max(0, len(buffer) - 64))
        cut = len(buffer) if cut < 0 else cut
        count += len(_ROW_TAG.findall(buffer, 0, cut))
        tail = buffer[cut:]
        if count > limit:
            return count


def _too_many_rows(max_rows):
    return InvalidInput(_("The file has more than %(n)d rows.") % {"n": max_rows}, code="too_many_rows")


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{Decimal(repr(value)).normalize():f}" if value == value and abs(value) != float("inf") else ""
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value).strip()


def _normalize(header) -> str:
    text = str(header or "").strip().lower().replace("（", "(").replace("）", ")")
    return re.sub(r"[\s_\-]+", "", text)


def _table(records, *, columns: list[Column], max_rows: int) -> Table:
    errors: list[RowError] = []
    rows: list[Row] = []
    index: dict[str, int] | None = None
    headers: dict[str, str] = {}
    first_line: list[str] | None = None
    title_rows = 0
    for record in records:
        if isinstance(record, RowError):
            errors.append(record)
            break
        number, raw = record
        cells = [_text(v) for v in raw]
        if not any(cells):
            continue
        if index is None:
            first_line = first_line or cells
            try:
                index, headers = _header(cells, columns)
            except InvalidInput:
                # A title line above the header (bank exports): look a few lines further, then give up with what
                # the first line lacks.
                title_rows += 1
                if title_rows > MAX_TITLE_ROWS:
                    _header(first_line, columns)
            continue
        if len(rows) >= max_rows:
            raise _too_many_rows(max_rows)
        values = {}
        for column in columns:
            j = index.get(column.key)
            text = cells[j] if j is not None and j < len(cells) else ""
            values[column.key] = _cell(text, column, number, headers.get(column.key, column.header()), errors)
        rows.append(Row(number, values))
    if index is None:
        if errors:
            raise RowsInvalid(errors)
        if first_line is not None:
            _header(first_line, columns)  # raises: the columns the file lacks
        raise InvalidInput(_("The file is empty."), code="empty_file")
    return Table(rows=rows, errors=errors, headers=headers)


def _header(cells: list[str], columns: list[Column]) -> tuple[dict[str, int], dict[str, str]]:
    names = [_normalize(c) for c in cells]
    index, headers = {}, {}
    for column in columns:
        accepted = column.names()
        j = next((j for j, name in enumerate(names) if name in accepted), None)
        if j is not None:
            index[column.key], headers[column.key] = j, cells[j]
    missing = [c for c in columns if c.required and c.key not in index]
    if missing:
        language = (get_language() or "").lower()
        listed = "、".join(c.zh if language.startswith("zh") else f"{c.en} ({c.zh})" for c in missing)
        raise InvalidInput(
            _("The file lacks the column(s): %(c)s. Download the template and fill it in.") % {"c": listed},
            code="columns",
        )
    return index, headers


def _cell(text: str, column: Column, number: int, header: str, errors: list[RowError]):
    if len(text) > column.max_length:
        errors.append(RowError(number, header, _("longer than %(n)d characters") % {"n": column.max_length}))
        return None
    if not text:
        if not column.blank:
            errors.append(RowError(number, header, _("missing")))
        return column.default
    if column.parser is None:
        return text
    try:
        return column.parser(text)
    except CellError as exc:
        errors.append(RowError(number, header, str(exc)))
    except (ValueError, TypeError, ArithmeticError):
        errors.append(RowError(number, header, _("invalid value")))
    return None


# --- writing ---------------------------------------------------------------------------------------------


def escape(value):
    """A cell value safe to open in a spreadsheet: text that would run as a formula gets a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _cell_value(value, fmt):
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | Decimal | float | datetime.date):
        return value
    value = escape(str(value))
    return _ILLEGAL_XLSX.sub("", value) if fmt == "xlsx" else value


def write(
    rows: Iterable,
    columns: list[Column] | None = None,
    format: str = "csv",
    *,
    headers: list[str] | None = None,
    title: str = "",
    language: str | None = None,
) -> bytes:
    """Rows (dicts by column key with ``columns``, or sequences) as a CSV (UTF-8 with BOM) or XLSX file, through
    the same writers as the streamed exports: every text cell starting with =, +, -, @, tab or CR is prefixed
    with a single quote so that a spreadsheet shows it instead of running it."""
    if format not in FORMATS:
        raise InvalidInput(_("Unknown file format %(f)s.") % {"f": format}, code="bad_format")
    if headers is None:
        headers = [c.header(language) for c in columns] if columns else []
    values = (
        [row.get(c.key) for c in columns] if columns is not None and isinstance(row, dict) else row for row in rows
    )
    if format == "csv":
        return b"".join(stream_csv(headers, values))
    with xlsx_file(headers, values, title=title) as out:
        return out.read()


def download(body: bytes, fmt: str, *, filename: str):
    """An HTTP attachment of a file made by :func:`write`; ``filename`` without the extension."""
    from django.http import HttpResponse
    from django.utils.http import content_disposition_header

    result = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    result["Content-Disposition"] = content_disposition_header(True, f"{filename}.{fmt}")
    return result


# --- streaming exports -----------------------------------------------------------------------------------


def export_max_rows() -> int:
    """The most rows one export may hold (setting ``EXPORT_MAX_ROWS``)."""
    from django.conf import settings

    return int(getattr(settings, "EXPORT_MAX_ROWS", EXPORT_MAX_ROWS))


def too_many_to_export(count: int, limit: int | None = None) -> InvalidInput | None:
    """The refusal of an export of ``count`` rows over the limit, or None when it fits."""
    limit = export_max_rows() if limit is None else limit
    if count <= limit:
        return None
    return InvalidInput(
        _("The list has %(n)d rows; one export holds at most %(max)d. Narrow the search and export again.")
        % {"n": count, "max": limit},
        code="too_many_rows",
    )


def _csv_text(value) -> str:
    value = _cell_value(value, "csv")
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    return str(value)


def _xlsx_value(value):
    value = _cell_value(value, "xlsx")
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        from django.utils import timezone

        return timezone.localtime(value).replace(tzinfo=None)  # Excel has no time zones
    return value


def stream_csv(headers: list, rows: Iterable, *, chunk: int = 64 * 1024) -> Iterator[bytes]:
    """A CSV (UTF-8 with BOM) of escaped cells, yielded in chunks of about ``chunk`` bytes; no header line when
    ``headers`` is empty."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if headers:
        writer.writerow([escape(str(h)) for h in headers])
    yield "\ufeff".encode() + buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    for row in rows:
        writer.writerow([_csv_text(v) for v in row])
        if buffer.tell() >= chunk:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")


_SHEET_TITLE = re.compile(r"[\\/*?:\[\]]")


def xlsx_file(headers: list, rows: Iterable, *, title: str = ""):
    """An XLSX of escaped cells in a temporary file (openpyxl write-only: rows go to disk as they come)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_SHEET_TITLE.sub("", str(title or ""))[:31] or "Sheet1")
    if headers:
        sheet.append([_xlsx_value(str(h)) for h in headers])
    for row in rows:
        sheet.append([_xlsx_value(v) for v in row])
    out = tempfile.TemporaryFile()
    workbook.save(out)
    out.seek(0)
    return out


def stream(headers: list, rows: Iterable, fmt: str, *, filename: str, title: str = ""):
    """An HTTP download of ``rows`` (sequences under ``headers``) that never holds them all in memory; stops
    at ``export_max_rows()`` rows (callers check the count first with :func:`too_many_to_export`)."""
    from itertools import islice

    from django.http import FileResponse, StreamingHttpResponse
    from django.utils.http import content_disposition_header

    if fmt not in FORMATS:
        raise InvalidInput(_("Unknown file format %(f)s.") % {"f": fmt}, code="bad_format")
    rows = islice(rows, export_max_rows())
    if fmt == "csv":
        result = StreamingHttpResponse(stream_csv(headers, rows), content_type=CONTENT_TYPES[fmt])
    else:
        result = FileResponse(xlsx_file(headers, rows, title=title), content_type=CONTENT_TYPES[fmt])
    result["Content-Disposition"] = content_disposition_header(True, f"{filename}.{fmt}")
    return result
