"""Remittance list files (XLSX or CSV): the downloadable template and the parser.

Every bad row is reported at once (row, column, reason); the caller applies nothing unless the whole
file is valid.
"""

import csv
import io
import zipfile
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from accounts.models import FundAccount
from core import policy
from core.errors import InvalidInput

COLUMNS = [
    ("account", "个人账号"),
    ("name", "姓名"),
    ("base", "缴存基数"),
    ("employee_ratio", "个人缴存比例(%)"),
    ("employer_ratio", "单位缴存比例(%)"),
]
HEADERS = [h for _k, h in COLUMNS]
MAX_ROWS = 50000
MAX_BYTES = 10 * 1024 * 1024


def template_xlsx(remittance) -> bytes:
    """The list as an XLSX file the employer can edit and upload again."""
    wb = Workbook()
    ws = wb.active
    ws.title = f"{remittance.month:%Y%m}"
    ws.append(HEADERS)
    for line in remittance.lines.select_related("account__depositor").order_by("account__number"):
        ws.append([line.account.number, line.account.depositor.name, str(line.base),
                   _pct(line.employee_ratio), _pct(line.employer_ratio)])
    for col, width in zip("ABCDE", (18, 12, 14, 16, 16), strict=True):
        ws.column_dimensions[col].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def template_csv(remittance) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    for line in remittance.lines.select_related("account__depositor").order_by("account__number"):
        writer.writerow([line.account.number, line.account.depositor.name, line.base, _pct(line.employee_ratio),
                         _pct(line.employer_ratio)])
    return out.getvalue().encode("utf-8-sig")


def _pct(ratio):
    return f"{(Decimal(ratio) * 100).normalize():f}"


def read_table(filename: str, data: bytes) -> list[list[str]]:
    """Rows of cells as strings (header first) from an XLSX or CSV upload."""
    if len(data) > MAX_BYTES:
        raise InvalidInput(_("The file is larger than 10 MB."), code="file_too_large")
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise InvalidInput(_("The file is not a valid Excel (.xlsx) workbook."), code="bad_file") from exc
        rows = [["" if c is None else str(c).strip() for c in row] for row in wb.active.iter_rows(values_only=True)]
    elif name.endswith(".csv"):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise InvalidInput(_("The CSV file must be UTF-8 or GB18030 text."), code="encoding")
        if "\x00" in text:
            raise InvalidInput(_("The CSV file must be UTF-8 or GB18030 text."), code="encoding")
        rows = [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))]
    else:
        raise InvalidInput(_("Upload an .xlsx or .csv file made from the template."), code="bad_format")
    rows = [r for r in rows if any(r)]
    if not rows:
        raise InvalidInput(_("The file is empty."), code="empty_file")
    if len(rows) > MAX_ROWS + 1:
        raise InvalidInput(_("The file has more than %(n)d rows.") % {"n": MAX_ROWS}, code="too_many_rows")
    return rows


def _number(text):
    try:
        value = Decimal(str(text).replace(",", "").strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def parse_remittance_rows(*, employer, month, filename, data):
    """Validate an uploaded list against the employer's accounts and the policy of ``month``.

    Returns the rows for ``remittance.replace_lines``; raises InvalidInput whose ``fields["rows"]`` lists
    every problem as "第 N 行 列名：原因"."""
    return validate_table(employer=employer, month=month, table=read_table(filename, data))


def validate_table(*, employer, month, table):
    """Validate rows of cells (header first, the template's columns) as a remittance list."""
    header = [h.replace(" ", "") for h in table[0]]
    missing = [h for h in HEADERS if h not in header]
    if missing:
        raise InvalidInput(_("The file lacks the column(s): %(c)s. Download the template and fill it in.")
                           % {"c": "、".join(missing)}, code="columns")
    index = {key: header.index(title) for key, title in COLUMNS}
    body = table[1:]
    numbers = [r[index["account"]] if len(r) > index["account"] else "" for r in body]
    accounts = {a.number: a for a in FundAccount.objects.select_related("depositor").filter(number__in=numbers)}
    p = policy.snapshot("deposits.", on=month)
    errors, rows, seen = [], [], set()

    def err(rownum, column, reason):
        errors.append(_("Row %(r)d, %(c)s: %(why)s") % {"r": rownum, "c": column, "why": reason})

    for i, raw in enumerate(body, start=2):
        cells = {k: (raw[j] if j < len(raw) else "") for k, j in index.items()}
        account = accounts.get(cells["account"])
        if not cells["account"]:
            err(i, "个人账号", _("missing"))
        elif account is None or account.employer_id != employer.pk:
            err(i, "个人账号", _("%(n)s is not an employee of this employer") % {"n": cells["account"]})
            account = None
        elif account.is_closed:
            err(i, "个人账号", _("the account is closed"))
        elif cells["account"] in seen:
            err(i, "个人账号", _("appears twice in the file"))
        if account is not None and cells["name"] and cells["name"] != account.depositor.name:
            err(i, "姓名", _("does not match the account holder %(n)s") % {"n": account.depositor.name})
        seen.add(cells["account"])
        base = _number(cells["base"])
        if base is None:
            err(i, "缴存基数", _("not a number"))
        elif base != base.quantize(Decimal("0.01")):
            err(i, "缴存基数", _("at most two decimals"))
        elif not p["deposits.base_floor"] <= base <= p["deposits.base_cap"]:
            err(i, "缴存基数", _("%(b)s is outside %(lo)s to %(hi)s")
                % {"b": base, "lo": p["deposits.base_floor"], "hi": p["deposits.base_cap"]})
        ratios = {}
        for key, title in (("employee_ratio", "个人缴存比例(%)"), ("employer_ratio", "单位缴存比例(%)")):
            pct = _number(cells[key].rstrip("%"))
            if pct is None:
                err(i, title, _("not a number"))
                continue
            ratio = pct / 100
            lo, hi = p["deposits.ratio_min"], p["deposits.ratio_max"]
            if not lo <= ratio <= hi:
                err(i, title, _("%(r)s%% is outside %(lo)s%% to %(hi)s%%") % {"r": pct.normalize(),
                                                                           "lo": _pct(lo), "hi": _pct(hi)})
            elif p["deposits.ratio_whole_percent"] and pct != pct.to_integral_value():
                err(i, title, _("must be a whole percentage"))
            ratios[key] = ratio
        if account is not None and base is not None and len(ratios) == 2:
            rows.append({"account": account, "base": base, **ratios})
    if not body:
        errors.append(_("The file has no employee rows."))
    if errors:
        raise InvalidInput(_("The file has %(n)d error(s); nothing was changed. %(first)s")
                           % {"n": len(errors), "first": errors[0]}, code="bad_rows", fields={"rows": errors})
    return rows
