"""The employees on an employer's page: a django-tables2 list (sorted, paged, exported with masked ID numbers)
instead of every account of the employer on one page."""

import csv
import io
from decimal import Decimal

from django.test import Client
from django.urls import reverse

from accounts import services
from tests import factories


def test_employer_page_pages_sorts_and_exports_its_employees(clerk):
    employer = factories.employer(clerk, employer_ratio=Decimal("0.07"), employee_ratio=Decimal("0.07"))
    accounts = [
        factories.account(clerk, employer, name=name, base=base)
        for name, base in (("甲", "9380.50"), ("乙", "2330"), ("丙", "5000"))
    ]
    services.seal_account(actor=clerk, account=accounts[0], reason="01")
    web = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    web.force_login(clerk)
    url = reverse("accounts:employer", args=[employer.account_number])
    page = web.get(url, {"per_page": 2}).content.decode()
    table = page.split('id="employees"')[1].split("</table>")[0]
    # active accounts first (by number), the sealed one on page 2; the counts cover every employee
    assert "乙" in table and "丙" in table and "甲" not in table
    assert "正常: 2" in page and "封存: 1" in page
    assert "甲" in web.get(url, {"per_page": 2, "page": 2}).content.decode().split('id="employees"')[1]
    export = web.get(url, {"sort": "-base", "export": "csv"})
    rows = list(csv.reader(io.StringIO(export.getvalue().decode("utf-8-sig"), newline="")))
    assert [(r[1], r[4], r[5]) for r in rows[1:]] == [
        ("甲", "9380.50", "1313.28"),
        ("丙", "5000.00", "700.00"),
        ("乙", "2330.00", "326.20"),
    ]
    id_numbers = {a.depositor.name: a.depositor.id_number for a in accounts}
    assert rows[1][2] == id_numbers["甲"][:3] + "*" * 11 + id_numbers["甲"][-4:]
    assert id_numbers["甲"] not in export.getvalue().decode("utf-8-sig")


def test_account_page_pages_every_ledger_line_with_its_running_balance(clerk):
    from core.actors import system_actor
    from ledger.posting import credit, debit, post

    account = factories.account(clerk, name="张三")
    bank = factories.bank_account()
    for i in range(1, 6):  # 1.00, 2.00, ... 5.00 in; then 4.50 out
        post(
            actor=system_actor(),
            lines=[debit(bank.ledger_account, Decimal(i)), credit(account.ledger_account, Decimal(i))],
            memo=f"存入{i}",
        )
    post(
        actor=system_actor(),
        lines=[debit(account.ledger_account, Decimal("4.50")), credit(bank.ledger_account, Decimal("4.50"))],
        memo="支取",
    )
    web = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    web.force_login(clerk)
    url = reverse("accounts:account", args=[account.number])
    first = web.get(url, {"per_page": 4}).content.decode().split('id="ledger-lines"')[1].split("</table>")[0]
    assert "支取" in first and "存入3" in first and "存入2" not in first
    second = web.get(url, {"per_page": 4, "page": 2}).content.decode().split('id="ledger-lines"')[1]
    assert "存入2" in second.split("</table>")[0] and "存入1" in second.split("</table>")[0]
    export = web.get(url, {"export": "csv"})
    rows = list(csv.reader(io.StringIO(export.getvalue().decode("utf-8-sig"), newline="")))
    assert [r[1:] for r in rows[1:]] == [
        ["支取", "4.50", "", "10.50"],
        ["存入5", "", "5.00", "15.00"],
        ["存入4", "", "4.00", "10.00"],
        ["存入3", "", "3.00", "6.00"],
        ["存入2", "", "2.00", "3.00"],
        ["存入1", "", "1.00", "1.00"],
    ]


def test_ledger_rows_written_in_one_pass_are_the_cells_django_tables2_renders(clerk):
    """The account page writes its ledger rows itself (core.tables.PlainRowsTable): each cell must be what the
    column's own render gives, the memo escaped, the line's memo or else its entry's."""
    from django.template.loader import render_to_string
    from django.test import RequestFactory
    from django_tables2 import RequestConfig

    from accounts.tables import LedgerLineTable
    from core.actors import system_actor
    from ledger.posting import credit, debit, post
    from ledger.selectors import lines_with_running_balance

    account = factories.account(clerk, name="李四")
    bank = factories.bank_account()
    post(actor=system_actor(), lines=[debit(bank.ledger_account, Decimal("1234.5")),
                                      credit(account.ledger_account, Decimal("1234.5"))], memo="<b>存入</b>")
    post(actor=system_actor(), lines=[debit(account.ledger_account, Decimal("0.25")),
                                      credit(bank.ledger_account, Decimal("0.25"))], memo="支取")
    table = LedgerLineTable(lines_with_running_balance(account.ledger_account, viewer=clerk, limit=None))
    RequestConfig(RequestFactory().get("/"), paginate={"per_page": 10}).configure(table)
    expected = [[str(row.get_cell(column.name)) for column in table.columns] for row in table.paginated_rows]
    assert expected[0][2:] == ["0.25", "", "1,234.25"] and expected[1][3:] == ["1,234.50", "1,234.50"]
    written = [[str(cell) for cell in table.row_cells(row.record).values()] for row in table.paginated_rows]
    assert written == expected
    html = render_to_string("core/_table_plain_rows.html", {"table": table, "request": RequestFactory().get("/")})
    body = html.split("<tbody")[1].split("</tbody>")[0]
    assert body.count("<tr") == 2 and '<tr class="even">' in body and '<tr class="odd">' in body
    assert "&lt;b&gt;存入&lt;/b&gt;" in body and "<b>" not in body
    assert '<td class="money">1,234.25</td>' in body
