"""Remittance list files (XLSX or CSV, read and written by ``core.tabular``): the downloadable template and
the check of an uploaded or API-given list.

Every bad row is reported at once (row, column, reason); the caller applies nothing unless the whole list is
valid.
"""

from decimal import Decimal

from django.utils.translation import gettext as _

from accounts.models import FundAccount
from core import bounds, policy, tabular
from core.errors import InvalidInput

ACCOUNT = tabular.Column("account", "个人账号", "Account number", blank=False, max_length=40)
NAME = tabular.Column("name", "姓名", "Name", max_length=100)
BASE = tabular.Column("base", "缴存基数", "Deposit base", blank=False, max_length=40)
EMPLOYEE_RATIO = tabular.Column("employee_ratio", "个人缴存比例(%)", "Employee ratio (%)", blank=False,
                                max_length=40)
EMPLOYER_RATIO = tabular.Column("employer_ratio", "单位缴存比例(%)", "Employer ratio (%)", blank=False,
                                max_length=40)
COLUMNS = [ACCOUNT, NAME, BASE, EMPLOYEE_RATIO, EMPLOYER_RATIO]
HEADERS = [c.zh for c in COLUMNS]
PROGRESS_EVERY = 500


def _pct(ratio) -> str:
    return f"{(Decimal(ratio) * 100).normalize():f}"


def _template_rows(remittance):
    lines = remittance.lines.select_related("account__depositor").order_by("account__number")
    for line in lines.iterator(chunk_size=2000):
        yield [line.account.number, line.account.depositor.name, str(line.base), _pct(line.employee_ratio),
               _pct(line.employer_ratio)]


def template(remittance, fmt: str = "xlsx") -> bytes:
    """The list as a file (Chinese headers) that the employer can edit and upload again."""
    return tabular.write(_template_rows(remittance), format=fmt, headers=HEADERS, title=f"{remittance.month:%Y%m}")


def template_download(remittance, fmt: str = "xlsx"):
    """The same file as an HTTP download, streamed (a list of 50,000 employees is never held in memory)."""
    return tabular.stream(HEADERS, _template_rows(remittance), fmt, filename=remittance.reference,
                          title=f"{remittance.month:%Y%m}")


def _number(table, i, column, text):
    """The cell's number (core.bounds), or None with the row error added."""
    try:
        value = bounds.parse_number(text)
    except InvalidInput as exc:
        table.error(i, column, exc.message)
        return None
    if value is None:
        table.error(i, column, _("not a number"))
    return value


def read_upload(file, *, filename=None) -> tabular.Table:
    return tabular.read(file, columns=COLUMNS, filename=filename)


def rows_from_lines(lines) -> tabular.Table:
    """The API's lines (dicts with the column keys) as a table checked like a file."""
    return tabular.from_records(lines, columns=COLUMNS)


def validate(*, employer, month, table: tabular.Table, progress=None) -> list[dict]:
    """Check a list against the employer's accounts and the policy of ``month``. Returns the rows for
    ``replace_lines``; raises ``tabular.RowsInvalid`` listing every problem as "第 N 行，列名：原因".
    ``progress(n)``, if given, is told every ``PROGRESS_EVERY`` rows how many are checked (a background upload)."""
    if not table.rows and not table.errors:
        raise InvalidInput(_("The file has no employee rows."), code="no_rows")
    numbers = [r["account"] for r in table.rows if r["account"]]
    accounts = {a.number: a for a in FundAccount.objects.select_related("depositor").filter(number__in=numbers)}
    p = policy.snapshot("deposits.", on=month)
    rows, seen = [], set()
    err = table.error
    for checked, raw in enumerate(table.rows, start=1):
        if progress is not None and checked % PROGRESS_EVERY == 0:
            progress(checked)
        i, number = raw.number, raw["account"]
        account = accounts.get(number) if number else None
        if not number:
            pass  # reported by the reader as missing
        elif account is None or account.employer_id != employer.pk:
            err(i, ACCOUNT, _("%(n)s is not an employee of this employer") % {"n": number})
            account = None
        elif account.is_closed:
            err(i, ACCOUNT, _("the account is closed"))
        elif number in seen:
            err(i, ACCOUNT, _("appears twice in the file"))
        if account is not None and raw["name"] and raw["name"] != account.depositor.name:
            err(i, NAME, _("does not match the account holder %(n)s") % {"n": account.depositor.name})
        seen.add(number)
        base = _number(table, i, BASE, raw["base"]) if raw["base"] else None
        if base is not None and base != base.quantize(Decimal("0.01")):
            err(i, BASE, _("at most two decimals"))
        elif base is not None and not p["deposits.base_floor"] <= base <= p["deposits.base_cap"]:
            err(i, BASE, _("%(b)s is outside %(lo)s to %(hi)s")
                % {"b": base, "lo": p["deposits.base_floor"], "hi": p["deposits.base_cap"]})
        ratios = {}
        for column in (EMPLOYEE_RATIO, EMPLOYER_RATIO):
            if not raw[column.key]:
                continue
            pct = _number(table, i, column, str(raw[column.key]).rstrip("%"))
            if pct is None:
                continue
            ratio = pct / 100
            lo, hi = p["deposits.ratio_min"], p["deposits.ratio_max"]
            if not lo <= ratio <= hi:
                err(i, column, _("%(r)s%% is outside %(lo)s%% to %(hi)s%%") % {"r": pct.normalize(),
                                                                            "lo": _pct(lo), "hi": _pct(hi)})
            elif p["deposits.ratio_whole_percent"] and pct != pct.to_integral_value():
                err(i, column, _("must be a whole percentage"))
            ratios[column.key] = ratio
        if account is not None and base is not None and len(ratios) == 2:
            rows.append({"account": account, "base": base, **ratios})
    table.raise_errors()
    return rows
