import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation
from openpyxl import load_workbook

from core.actors import system_actor
from core.business_date import set_business_date
from core.errors import InvalidInput
from deposits.models import RemittanceLine
from deposits.services import remittance as services
from deposits.services import remittance_files as uploads
from tests import factories

NOV = datetime.date(2026, 11, 1)


@pytest.fixture(autouse=True)
def setup(db):
    set_business_date(actor=system_actor(), date=datetime.date(2026, 11, 20))
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def draft(clerk):
    emp = factories.employer(clerk)
    a = factories.account(clerk, emp, name="甲", base="9000")
    b = factories.account(clerk, emp, name="乙", base="5000")
    rem = services.generate_list(actor=clerk, employer=emp, month=NOV)
    return rem, a, b


def csv_bytes(rows, encoding="utf-8-sig"):
    text = "\n".join([",".join(uploads.HEADERS)] + [",".join(map(str, r)) for r in rows]) + "\n"
    return text.encode(encoding)


def test_template_round_trip_xlsx(clerk, draft):
    rem, a, b = draft
    data = uploads.template(rem, "xlsx")
    ws = load_workbook(io.BytesIO(data)).active
    assert [c.value for c in ws[1]] == uploads.HEADERS
    assert [c.value for c in ws[2]] == [a.number, "甲", "9000.00", "12", "12"]
    services.upload_list(actor=clerk, remittance=rem, filename="list.xlsx", data=data)
    rem.refresh_from_db()
    assert rem.total == Decimal("3360.00")  # (9000 + 5000) × 24%


def test_csv_upload_replaces_lines(clerk, draft):
    rem, a, b = draft
    services.upload_list(actor=clerk, remittance=rem, filename="list.csv",
                         data=csv_bytes([[a.number, "甲", "10000.00", 10, 12]], encoding="gb18030"))
    rem.refresh_from_db()
    line = rem.lines.get()
    assert (line.account_id, line.employee_amount, line.employer_amount) == (a.pk, Decimal("1000.00"),
                                                                           Decimal("1200.00"))
    assert rem.total == Decimal("2200.00") and rem.headcount == 1


def test_every_bad_row_is_reported_and_nothing_changes(clerk, draft):
    rem, a, b = draft
    before = list(RemittanceLine.objects.values_list("account_id", "amount"))
    bad = csv_bytes([
        [a.number, "甲", "40000", 12, 12],
        ["1019999999999", "无名", "5000", 12, 12],
        [b.number, "错名", "abc", 4, 7.5],
        [a.number, "甲", "5000", 12, 12],
    ])
    with pytest.raises(InvalidInput) as info:
        services.upload_list(actor=clerk, remittance=rem, filename="list.csv", data=bad)
    rows = info.value.fields["rows"]
    assert rows == [
        "第 2 行，缴存基数：40000 超出 2330 至 32969 的范围",
        "第 3 行，个人账号：1019999999999 不是本单位职工",
        "第 4 行，姓名：与账户户名乙不符",
        "第 4 行，缴存基数：不是数字",
        "第 4 行，个人缴存比例(%)：4% 超出 5% 至 12% 的范围",
        "第 4 行，单位缴存比例(%)：必须是整数百分比",
        "第 5 行，个人账号：在文件中重复出现",
    ]
    assert "6" in info.value.message or "7" in info.value.message
    assert list(RemittanceLine.objects.values_list("account_id", "amount")) == before


@pytest.mark.parametrize("filename,data,code", [
    ("list.txt", b"x", "bad_format"),
    ("list.xlsx", b"not a zip", "bad_file"),
    ("list.csv", "个人账号,姓名\n".encode(), "columns"),
    ("list.csv", b"\xff\xfe\x00\x00garbage\x00", "encoding"),
    ("list.csv", b"", "empty_file"),
])
def test_wrong_format_or_encoding(clerk, draft, filename, data, code):
    rem, _a, _b = draft
    with pytest.raises(InvalidInput) as info:
        services.upload_list(actor=clerk, remittance=rem, filename=filename, data=data)
    assert info.value.code == code
    assert rem.lines.count() == 2


def test_gbk_upload_with_english_headers(clerk, draft):
    rem, a, b = draft
    text = ("Account number,Name,Deposit base,Employee ratio (%),Employer ratio (%)\n"
            f"{a.number},甲,8000.00,12,12\n{b.number},乙,5000,10%,10\n")
    services.upload_list(actor=clerk, remittance=rem, filename="名单.csv", data=text.encode("gbk"))
    rem.refresh_from_db()
    assert sorted(rem.lines.values_list("account_id", "base", "employee_amount")) == sorted([
        (a.pk, Decimal("8000.00"), Decimal("960.00")), (b.pk, Decimal("5000.00"), Decimal("500.00"))])
    assert rem.total == Decimal("2920.00")


def test_utf8_with_bom_upload(clerk, draft):
    rem, a, b = draft
    data = csv_bytes([[a.number, "甲", "6000", 12, 12]], encoding="utf-8-sig")
    assert data.startswith(b"\xef\xbb\xbf")
    services.upload_list(actor=clerk, remittance=rem, filename="list.csv", data=data)
    rem.refresh_from_db()
    assert rem.lines.get().account_id == a.pk and rem.total == Decimal("1440.00")


def test_template_escapes_a_name_that_is_a_formula(clerk):
    emp = factories.employer(clerk)
    evil = '=HYPERLINK("http://x.example","点我")'
    account = factories.account(clerk, emp, name=evil, base="9000")
    rem = services.generate_list(actor=clerk, employer=emp, month=NOV)
    rows = list(csv.reader(io.StringIO(uploads.template(rem, "csv").decode("utf-8-sig"))))
    assert rows[1][:2] == [account.number, "'" + evil]
    sheet = load_workbook(io.BytesIO(uploads.template(rem, "xlsx"))).active
    assert sheet["B2"].value == "'" + evil and sheet["B2"].data_type == "s"


def test_an_overlong_csv_field_is_a_row_error_on_the_page(clerk, draft):
    rem, a, b = draft
    web = Client()
    web.force_login(clerk)
    text = (",".join(uploads.HEADERS) + f"\n{a.number},甲,6000,12,12\n"
            f"{b.number},\"" + "乙" * 200_000 + "\",5000,12,12\n")
    upload = SimpleUploadedFile("list.csv", text.encode("utf-8"), content_type="text/csv")
    response = web.post(f"/counter/deposits/remittances/{rem.reference}/upload/", {"file": upload}, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "第 3 行：有字段超过 131072 个字符" in page
    assert rem.lines.count() == 2 and rem.lines.get(account=a).base == Decimal("9000.00")
