"""Bank statements as banks export them: XLSX or GBK CSV, title lines above the header, Chinese headers (交易日期,
交易流水号, 借方发生额/贷方发生额 or 收入金额/支出金额, 对方户名, 对方账号, 摘要), amounts with thousands separators,
a 合计 line under the lines. Anything wrong: a clear message and nothing written."""

import datetime
import io
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook

from core import tabular
from core.actors import system_actor
from core.errors import InvalidInput
from ledger import services as ledger_services
from ledger.models import BankStatement, BankStatementLine
from ledger.services.statements import statement_date
from tests import factories

TITLE = [["中国工商银行对公账户明细"], ["账号：102000000000580102", None, "户名：示范市住房公积金管理中心归集户"],
         ["查询期间：2026-11-01 至 2026-11-30"], []]
HEADER = ["交易日期", "交易流水号", "摘要", "借方发生额", "贷方发生额", "余额", "对方户名", "对方账号"]


def xlsx(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def bank_xlsx():
    return xlsx([*TITLE, HEADER,
                 [datetime.datetime(2026, 11, 2, 9, 31, 5), "20261102000101", "HJ8010000001202611 汇缴", None, 3360.14,
                  3360.14, "示范科技有限公司", "6222000011112222"],
                 ["2026/11/03", 20261103000102, "退款", "1,200.50", "", 2159.64, "某某", "6222000099998888"],
                 ["2026年11月4日", "20261104000103", "补缴", "", "12,345.06", 14504.70, "示范网络科技有限公司", ""],
                 ["合计", None, None, "1,200.50", "15,705.20", None, None, None]])


@pytest.fixture
def bank(db):
    return factories.bank_account()


def test_xlsx_with_title_lines_and_chinese_headers_imports_the_right_amounts(bank):
    created = ledger_services.import_statement_file(actor=system_actor(), bank_account=bank, file=bank_xlsx(),
                                                    closing_balance="14504.70")
    assert [(x.bank_reference, x.value_date, x.direction, x.amount, x.counterparty_name, x.counterparty_account,
             x.remark) for x in created] == [
        ("20261102000101", datetime.date(2026, 11, 2), "C", Decimal("3360.14"), "示范科技有限公司",
         "6222000011112222", "HJ8010000001202611 汇缴"),
        ("20261103000102", datetime.date(2026, 11, 3), "D", Decimal("1200.50"), "某某", "6222000099998888", "退款"),
        ("20261104000103", datetime.date(2026, 11, 4), "C", Decimal("12345.06"), "示范网络科技有限公司", "", "补缴"),
    ]
    assert BankStatement.objects.get().line_count == 3


def test_an_xlsx_named_xls_by_the_bank_is_read_by_its_content(bank):
    upload = io.BytesIO(bank_xlsx())
    upload.name = "明细.xls"
    created = ledger_services.import_statement_file(actor=system_actor(), bank_account=bank, file=upload,
                                                    closing_balance="14504.70")
    assert sum(x.amount for x in created if x.direction == "C") == Decimal("15705.20")


def test_gbk_csv_with_income_and_expense_columns(bank):
    text = ("中国建设银行 账户交易明细\n"
            "账号,105000000000580105\n"
            "\n"
            "交易时间,流水号,收入金额,支出金额,对方户名,对方账号,附言\n"
            "2026-11-05 10:00:00,CCB001,\"8,000.00\",,示范科技有限公司,6222000011112222,11月公积金\n"
            "20261106,CCB002,,99.99,手续费,,\n"
            "本页合计,,\"8,000.00\",99.99,,,\n")
    created = ledger_services.import_statement_file(actor=system_actor(), bank_account=bank,
                                                    file=text.encode("gbk"), closing_balance="7900.01")
    assert [(x.bank_reference, x.direction, x.amount, x.remark) for x in created] == [
        ("CCB001", "C", Decimal("8000.00"), "11月公积金"), ("CCB002", "D", Decimal("99.99"), "")]


def test_direction_words_and_tab_separated_text(bank):
    text = ("交易日期\t交易流水号\t借贷标志\t交易金额\t对方户名\n"
            "2026-11-07\tT1\t贷\t100.00\t甲\n2026-11-07\tT2\t借\t40.00\t乙\n")
    upload = io.BytesIO(text.encode("utf-8"))
    upload.name = "detail.txt"
    created = ledger_services.import_statement_file(actor=system_actor(), bank_account=bank, file=upload,
                                                    closing_balance="60")
    assert [(x.bank_reference, x.direction, x.amount) for x in created] == [("T1", "C", Decimal("100.00")),
                                                                           ("T2", "D", Decimal("40.00"))]


@pytest.mark.parametrize("rows, message", [
    ([HEADER, ["2026-11-02", "X1", "", "10.00", "20.00", "", "", ""]], "一行只能有借方"),
    ([HEADER, ["2026-11-02", "X1", "", "", "abc", "", "", ""]], "贷方发生额：应为大于零、最多两位小数的数字"),
    ([HEADER, ["2026-13-45", "X1", "", "", "10.00", "", "", ""]], "应为 YYYY-MM-DD"),
    ([HEADER, ["2026-11-02", "", "", "", "10.00", "", "", ""]], "银行流水号"),
    ([["交易日期", "交易流水号", "摘要"], ["2026-11-02", "X1", "无金额"]], "文件缺少金额列"),
    ([["日期说明", "备注说明"], ["2026-11-02", "X1"]], "文件缺少列：银行流水号、交易日期"),
])
def test_a_wrong_bank_file_says_why_and_writes_nothing(bank, rows, message):
    with pytest.raises(InvalidInput) as refused:
        ledger_services.import_statement_file(actor=system_actor(), bank_account=bank, file=xlsx(rows),
                                              closing_balance="10")
    assert message in refused.value.message
    assert BankStatementLine.objects.count() == 0 and BankStatement.objects.count() == 0


def test_statement_dates_as_banks_write_them():
    day = datetime.date(2026, 11, 5)
    for text in ("2026-11-05", "2026/11/05", "20261105", "2026.11.05", "2026年11月5日", "2026-11-05 10:00:00",
                 "2026-11-05T10:00:00", "2026年11月05日 08:00"):
        assert statement_date(text) == day, text
    for text in ("", "05/11/2026", "2026-02-30", "x" * 100, "合计"):
        with pytest.raises(ValueError):
            statement_date(text)


def test_the_header_is_searched_only_a_few_lines_down():
    columns = [tabular.Column("a", "甲", "a"), tabular.Column("b", "乙", "b")]
    table = tabular.read(("标题\n\n说明,x\n甲,乙\n1,2\n").encode(), columns=columns, filename="t.csv")
    assert [dict(r) for r in table.rows] == [{"a": "1", "b": "2"}] and table.rows[0].number == 5
    late = "\n".join(f"title {i}" for i in range(tabular.MAX_TITLE_ROWS + 1)) + "\n甲,乙\n1,2\n"
    with pytest.raises(InvalidInput) as refused:
        tabular.read(late.encode(), columns=columns, filename="t.csv")
    assert refused.value.code == "columns"


def test_the_page_imports_a_bank_xlsx_and_refuses_a_broken_one(bank, finance):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(finance)
    upload = io.BytesIO(bank_xlsx())
    upload.name = "工行明细.xlsx"
    response = client.post(reverse("deposits:bank_import"), {"bank_account": bank.pk, "closing_balance": "14504.70",
                                                              "file": upload})
    assert response.status_code == 302
    assert BankStatementLine.objects.count() == 3
    assert sorted(BankStatementLine.objects.values_list("amount", flat=True)) == [
        Decimal("1200.50"), Decimal("3360.14"), Decimal("12345.06")]
    broken = io.BytesIO(b"PK\x03\x04 not really a workbook")
    broken.name = "x.xlsx"
    response = client.post(reverse("deposits:bank_import"), {"bank_account": bank.pk, "closing_balance": "1",
                                                              "file": broken})
    assert response.status_code == 302
    assert "不是有效的 Excel" in client.get(response["Location"]).content.decode()
    assert BankStatementLine.objects.count() == 3 and BankStatement.objects.count() == 1
