"""Counter pages for remittance lists and bank statements, through the Django test client.

Money comes in only through bank statement lines (imported on the bank page or with the ledger service);
after it moves, the three ledgers must agree."""

import datetime
import io
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import Employer, FundAccount
from core import roles
from core.actors import system_actor
from core.business_date import set_business_date
from deposits.models import RemittanceLine, RemittanceList
from deposits.services import remittance as services
from deposits.views import remittances as views
from ledger import chart
from ledger.models import Account, BankStatement, BankStatementLine, JournalEntry
from ledger.reconciliation import run_checks
from ledger.services import confirm_statement
from tests import factories
from tests.conftest import make_user

NOV = datetime.date(2026, 11, 1)
HEADER = "bank_reference,value_date,direction,amount,counterparty_name,counterparty_account,remark\n"


@pytest.fixture(autouse=True)
def business_day(db):
    set_business_date(actor=system_actor(), date=datetime.date(2026, 11, 20))


@pytest.fixture
def emp(clerk):
    """Two active employees at 7% + 7%: 9,380.50 → 656.64 + 656.64; 2,330 → 163.10 + 163.10; total 1,639.48."""
    employer = factories.employer(clerk, name="示范科技有限公司", employer_ratio=Decimal("0.07"),
                                  employee_ratio=Decimal("0.07"))
    factories.account(clerk, employer, name="甲", base="9380.50")
    factories.account(clerk, employer, name="乙", base="2330")
    return employer


@pytest.fixture
def bank(db):
    return factories.bank_account()


@pytest.fixture
def web(clerk):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(clerk)
    return client


def numbers(employer):
    """Account numbers of 甲 and 乙."""
    accounts = {a.depositor.name: a.number for a in FundAccount.objects.filter(employer=employer)
                .select_related("depositor")}
    return accounts["甲"], accounts["乙"]


def url(name, remittance):
    return reverse(f"deposits:{name}", args=[remittance.reference])


def html(response):
    return response.content.decode()


def balance(number):
    return FundAccount.objects.select_related("ledger_account").get(number=number).ledger_account.balance


def suspense(employer):
    return Account.objects.get(pk=employer.suspense_account_id).balance


def draft(clerk, emp):
    return services.generate_list(actor=clerk, employer=emp, month=NOV)


def confirmed(clerk, emp):
    remittance = draft(clerk, emp)
    return services.confirm_list(actor=clerk, remittance=remittance)


def receive(bank, ref, amount, remark="", name=""):
    (line,) = factories.statement(
                               bank_account=bank, rows=[{"bank_reference": ref, "value_date": "2026-11-15",
                                                        "direction": "C", "amount": str(amount),
                                                        "remark": remark, "counterparty_name": name}])
    return line


def posted(clerk, emp, bank):
    remittance = confirmed(clerk, emp)
    return services.pay_from_statement(actor=clerk, remittance=remittance,
                                       line=receive(bank, "P1", remittance.total, remark=remittance.reference))


def state(remittance):
    remittance.refresh_from_db()
    lines = sorted(remittance.lines.values_list("account__number", "month", "base", "amount", "posted"))
    return remittance.status, remittance.total, remittance.headcount, lines, JournalEntry.objects.count()


def upload(name, text):
    data = io.BytesIO(text.encode("utf-8"))
    data.name = name
    return data


# --- pages render ----------------------------------------------------------------------------------------

def test_every_page_renders_for_a_clerk(web, clerk, emp, bank):
    remittance = confirmed(clerk, emp)
    receive(bank, "R1", remittance.total, remark=f"公积金 {remittance.reference}", name=emp.name)

    page = html(web.get(reverse("deposits:remittances")))
    assert remittance.reference in page and "1,639.48" in page and "已确认，待缴款" in page
    assert "汇缴" in page and "银行流水" in page  # the navigation

    page = html(web.get(url("remittance", remittance)))
    assert 'id="total">1,639.48<' in page and 'id="headcount">2<' in page
    assert "656.64" in page and "163.10" in page and "7%" in page
    assert "R1" in page  # the incoming line of the same amount is offered
    assert 'id="suspense-balance">0.00<' in page

    page = html(web.get(reverse("deposits:bank")))
    assert "R1" in page and "立即匹配" in page and emp.account_number in page
    assert 'id="import-form"' not in page  # statement files are imported by finance

    page = html(web.get(reverse("accounts:employer", args=[emp.account_number])))
    assert remittance.reference in page and 'id="generate-form"' in page and "生成补缴清册" in page

    page = html(web.get(reverse("deposits:employer_supplementary", args=[emp.account_number])))
    assert 'id="supplementary-form"' in page and "起始月份" in page and "截止月份" in page


def test_draft_page_shows_the_editing_forms_and_the_posted_page_the_correction(web, clerk, emp, bank):
    remittance = draft(clerk, emp)
    page = html(web.get(url("remittance", remittance)))
    assert 'id="upload-form"' in page and 'id="line-form"' in page and 'id="confirm"' in page
    assert 'id="reverse-form"' not in page and 'id="pay-form"' not in page
    services.confirm_list(actor=clerk, remittance=remittance)
    services.pay_from_statement(actor=clerk, remittance=remittance,
                                line=receive(bank, "P9", remittance.total, remark=remittance.reference))
    page = html(web.get(url("remittance", remittance)))
    assert 'id="reverse-form"' in page and 'id="upload-form"' not in page and 'id="cancel"' not in page
    assert "已到账入账" in page and 'id="paid-by">P9' in page


def test_list_filters_and_paging(web, clerk, emp, monkeypatch):
    other = factories.employer(clerk, name="别家物流有限公司")
    factories.account(clerk, other, name="丙", base="5000")
    mine = draft(clerk, emp)
    services.confirm_list(actor=clerk, remittance=mine)
    october = services.generate_list(actor=clerk, employer=emp, month=datetime.date(2026, 10, 1))
    theirs = services.generate_list(actor=clerk, employer=other, month=NOV)
    sup = services.supplementary_list(actor=clerk, employer=other, months=[datetime.date(2026, 9, 1)], reason="漏缴")

    def refs(**params):
        page = html(web.get(reverse("deposits:remittances"), params))
        return {r.reference for r in (mine, october, theirs, sup) if r.reference in page}

    assert refs() == {mine.reference, october.reference, theirs.reference, sup.reference}
    assert refs(q=emp.account_number) == {mine.reference, october.reference}
    assert refs(q="物流") == {theirs.reference, sup.reference}
    assert refs(q=theirs.reference) == {theirs.reference}
    assert refs(month="2026-11") == {mine.reference, theirs.reference}
    assert refs(status="confirmed") == {mine.reference}
    assert refs(kind="2") == {sup.reference}
    assert refs(q=emp.account_number, status="draft") == {october.reference}
    assert "请按 YYYY-MM 输入月份。" in html(web.get(reverse("deposits:remittances"), {"month": "11/2026"}))

    monkeypatch.setattr(views, "LISTS_PER_PAGE", 3)
    first = html(web.get(reverse("deposits:remittances")))
    second = html(web.get(reverse("deposits:remittances"), {"page": 2}))
    assert "第 1 页，共 2 页" in first and "第 2 页，共 2 页" in second
    assert sum(r.reference in first for r in (mine, october, theirs, sup)) == 3
    assert sum(r.reference in second for r in (mine, october, theirs, sup)) == 1
    # the filters stay on the next page's link
    monkeypatch.setattr(views, "LISTS_PER_PAGE", 1)
    assert "?q=%E7%89%A9%E6%B5%81&amp;page=2" in html(web.get(reverse("deposits:remittances"), {"q": "物流"}))


# --- making lists ----------------------------------------------------------------------------------------

def test_make_the_list_for_a_month_from_the_employer_page(web, emp):
    response = web.post(reverse("deposits:employer_generate", args=[emp.account_number]), {"month": "2026-11"})
    remittance = RemittanceList.objects.get(employer=emp)
    assert response.url == url("remittance", remittance)
    assert (remittance.status, remittance.total, remittance.headcount) == ("draft", Decimal("1639.48"), 2)
    assert remittance.reference == f"HJ{emp.account_number}202611"

    response = web.post(reverse("deposits:employer_generate", args=[emp.account_number]), {"month": "2026-11"},
                        follow=True)
    assert f"2026-11 的清册已存在：{remittance.reference}（草稿）。" in html(response)
    response = web.post(reverse("deposits:employer_generate", args=[emp.account_number]), {"month": "2026-12"},
                        follow=True)
    assert "不能生成未来月份的清册。" in html(response)
    assert RemittanceList.objects.count() == 1


def test_supplementary_list_from_month_to_month(web, clerk, emp):
    a, b = numbers(emp)
    target = reverse("deposits:employer_supplementary", args=[emp.account_number])
    response = web.post(target, {"month_from": "2026-09", "month_to": "2026-10", "accounts": f"{a}\n",
                                 "reason": "入职漏缴"})
    sup = RemittanceList.objects.get(kind="2")
    assert response.url == url("remittance", sup)
    assert sorted(sup.lines.values_list("account__number", "month", "amount")) == [
        (a, datetime.date(2026, 9, 1), Decimal("1313.28")), (a, datetime.date(2026, 10, 1), Decimal("1313.28"))]
    assert (sup.total, sup.reason, sup.month) == (Decimal("2626.56"), "入职漏缴", datetime.date(2026, 9, 1))

    # every active employee when no account is given; one month when "to" is empty
    web.post(target, {"month_from": "2026-08", "reason": "漏缴"})
    assert RemittanceList.objects.filter(kind="2").latest("id").total == Decimal("1639.48")


def test_supplementary_list_bad_input_changes_nothing(web, emp):
    a, b = numbers(emp)
    target = reverse("deposits:employer_supplementary", args=[emp.account_number])
    page = html(web.post(target, {"month_from": "2026-09", "month_to": "2026-10", "accounts": a, "reason": ""}))
    assert "请填写补缴原因。" in page
    page = html(web.post(target, {"month_from": "2026-10", "month_to": "2026-09", "reason": "漏缴"}))
    assert "截止月份不能早于起始月份。" in page
    page = html(web.post(target, {"month_from": "2026-09", "accounts": "99999999", "reason": "漏缴"}))
    assert "以下账户不是本单位职工：99999999。" in page
    page = html(web.post(target, {"month_from": "2026-12", "reason": "漏缴"}))
    assert "补缴不能包含未来月份。" in page
    for month in ("2027-01", "0001-01", "1990-12"):  # outside the window every month field has
        page = html(web.post(target, {"month_from": month, "reason": "漏缴"}))
        assert "请输入 1991-01 至 2026-12 之间的月份。" in page
    assert RemittanceList.objects.count() == 0


# --- editing a draft -------------------------------------------------------------------------------------

def test_upload_replaces_the_lines(web, clerk, emp):
    remittance = draft(clerk, emp)
    a, b = numbers(emp)
    xlsx = web.get(url("remittance_download", remittance)).getvalue()
    sheet = load_workbook(io.BytesIO(xlsx)).active
    sheet["C2" if sheet["A2"].value == a else "C3"] = "10000.00"
    out = io.BytesIO()
    sheet.parent.save(out)
    out.seek(0)
    out.name = "list.xlsx"
    response = web.post(url("remittance_upload", remittance), {"file": out}, follow=True)
    assert "文件已导入：2 名职工，合计 1,726.20 元。" in html(response)
    remittance.refresh_from_db()
    assert (remittance.total, remittance.employee_total, remittance.headcount) == (
        Decimal("1726.20"), Decimal("863.10"), 2)
    assert remittance.lines.get(account__number=a).amount == Decimal("1400.00")


def test_bad_upload_lists_every_row_and_changes_nothing(web, clerk, emp):
    remittance = draft(clerk, emp)
    a, b = numbers(emp)
    before = state(remittance)
    text = ("个人账号,姓名,缴存基数,个人缴存比例(%),单位缴存比例(%)\n"
            f"X1,某,5000,7,7\n{a},甲,abc,7,7\n{b},乙,2330,30,7\n")
    page = html(web.post(url("remittance_upload", remittance), {"file": upload("bad.csv", text)}, follow=True))
    assert "文件有 3 处错误，未做任何更改。" in page
    assert "第 2 行，个人账号：X1 不是本单位职工" in page
    assert "第 3 行，缴存基数：不是数字" in page
    assert "第 4 行，个人缴存比例(%)" in page
    assert state(remittance) == before
    page = html(web.post(url("remittance_upload", remittance), {"file": upload("list.txt", "x")}, follow=True))
    assert "请上传" in page and state(remittance) == before


def test_add_correct_and_remove_lines(web, clerk, emp):
    remittance = draft(clerk, emp)
    a, b = numbers(emp)
    response = web.post(url("remittance_line", remittance), {"account": a, "base": "10000"}, follow=True)
    assert f"账户 {a}：2026-11，1,400.00 元。" in html(response)
    remittance.refresh_from_db()
    assert remittance.total == Decimal("1726.20")
    web.post(url("remittance_line", remittance), {"account": b, "employee_ratio": "12", "employer_ratio": "12"})
    assert remittance.lines.get(account__number=b).amount == Decimal("559.20")  # 2,330 × 12% = 279.60 twice
    response = web.post(url("remittance_remove_line", remittance), {"account": b, "month": "2026-11-01"})
    assert response.status_code == 302
    remittance.refresh_from_db()
    assert (remittance.total, remittance.headcount) == (Decimal("1400.00"), 1)
    # an employee removed by mistake is added back with the account's own base and ratios
    web.post(url("remittance_line", remittance), {"account": b})
    remittance.refresh_from_db()
    assert (remittance.total, remittance.headcount) == (Decimal("1726.20"), 2)


def test_bad_line_input_shows_the_message_and_changes_nothing(web, clerk, emp):
    remittance = draft(clerk, emp)
    a, b = numbers(emp)
    before = state(remittance)
    page = html(web.post(url("remittance_line", remittance), {"account": a, "base": "40000"}, follow=True))
    assert "缴存基数 40,000.00 超出允许范围（2,330.00 至 32,969.00）。" in page and 'data-field="base"' in page
    page = html(web.post(url("remittance_line", remittance), {"account": "99999999"}, follow=True))
    assert "账户 99999999 不是本单位职工账户。" in page
    page = html(web.post(url("remittance_line", remittance), {"account": ""}, follow=True))
    assert "此项为必填项。" in page
    page = html(web.post(url("remittance_remove_line", remittance), {"account": "99999999"}, follow=True))
    assert "账户 99999999 不在本清册中。" in page
    assert state(remittance) == before


def test_confirm_and_cancel(web, clerk, emp):
    remittance = draft(clerk, emp)
    response = web.post(url("remittance_confirm", remittance), follow=True)
    assert f"清册已确认：应缴 1,639.48 元，缴款时须注明 {remittance.reference}。" in html(response)
    remittance.refresh_from_db()
    assert remittance.status == "confirmed" and remittance.confirmed_by.username == "clerk1"
    page = html(web.post(url("remittance_line", remittance), {"account": numbers(emp)[0], "base": "9000"}, follow=True))
    assert "不能执行此操作" in page
    web.post(url("remittance_cancel", remittance))
    remittance.refresh_from_db()
    assert remittance.status == "cancelled"
    page = html(web.post(url("remittance_confirm", remittance), follow=True))
    assert "已撤销" in page and "不能执行此操作" in page
    assert RemittanceList.objects.get(pk=remittance.pk).status == "cancelled"


def test_confirming_an_empty_list_is_refused(web, clerk, emp):
    remittance = draft(clerk, emp)
    for number in numbers(emp):
        services.remove_line(actor=clerk, remittance=remittance, account_number=number)
    page = html(web.post(url("remittance_confirm", remittance), follow=True))
    assert "清册中没有职工，无法确认。" in page
    remittance.refresh_from_db()
    assert remittance.status == "draft" and remittance.confirmed_at is None


# --- payments ----------------------------------------------------------------------------------------------

def test_record_the_payment_from_a_bank_line(web, clerk, emp, bank):
    remittance = confirmed(clerk, emp)
    a, b = numbers(emp)
    line = receive(bank, "B1", "1639.48", remark="十一月公积金")
    other = receive(bank, "B2", "88.00")
    page = html(web.get(url("remittance", remittance)))
    assert f'value="{line.pk}"' in page and f'value="{other.pk}"' not in page  # only lines of the same amount
    response = web.post(url("remittance_pay", remittance), {"line": line.pk}, follow=True)
    assert "已登记到账，1,639.48 元已记入 2 名职工的账户。" in html(response)
    remittance.refresh_from_db()
    line.refresh_from_db()
    assert (remittance.status, remittance.paid_by_id, line.match_status) == ("posted", line.pk, "booked")
    assert (balance(a), balance(b)) == (Decimal("1313.28"), Decimal("326.20"))
    assert RemittanceLine.objects.filter(remittance=remittance, posted=True).count() == 2
    assert Employer.objects.get(pk=emp.pk).paid_up_to == NOV
    assert BankStatementLine.objects.get(pk=other.pk).match_status == "unmatched"
    assert run_checks()["ok"]


def test_wrong_payment_amount_is_refused_and_changes_nothing(web, clerk, emp, bank):
    remittance = confirmed(clerk, emp)
    line = receive(bank, "B3", "1639.47")
    before = state(remittance)
    page = html(web.post(url("remittance_pay", remittance), {"line": line.pk}, follow=True))
    assert "到账金额 1,639.47 不等于应缴金额 1,639.48。" in page
    assert state(remittance) == before
    assert BankStatementLine.objects.get(pk=line.pk).match_status == "unmatched"
    page = html(web.post(url("remittance_pay", remittance), {"line": ""}, follow=True))
    assert "此项为必填项。" in page and state(remittance) == before


def test_allocate_from_the_employers_suspense(web, clerk, emp, bank):
    remittance = confirmed(clerk, emp)
    a, b = numbers(emp)
    receive(bank, "B4", "1000.00", remark="十一月公积金", name=emp.name)  # no reference, too little
    services.match_incoming(actor=clerk)
    assert suspense(emp) == Decimal("1000.00")
    before = state(remittance)
    page = html(web.post(url("remittance_allocate", remittance), {"source": "employer"}, follow=True))
    assert "暂收未分摊余额 1,000.00，少于应缴金额 1,639.48。" in page
    assert state(remittance) == before

    receive(bank, "B5", "639.48", remark="补足", name=emp.name)
    services.match_incoming(actor=clerk)
    page = html(web.get(url("remittance", remittance)))
    assert 'id="suspense-balance">1,639.48<' in page
    response = web.post(url("remittance_allocate", remittance), {"source": "employer"}, follow=True)
    assert "已从暂收未分摊中分配 1,639.48 元，记入 2 名职工的账户。" in html(response)
    remittance.refresh_from_db()
    assert remittance.status == "posted" and remittance.paid_by_id is None
    assert (balance(a), balance(b), suspense(emp)) == (Decimal("1313.28"), Decimal("326.20"), Decimal("0.00"))
    assert run_checks()["ok"]


def test_allocate_from_the_general_suspense(web, clerk, emp, bank):
    remittance = confirmed(clerk, emp)
    receive(bank, "B6", "1639.48", remark="?", name="不认识的公司")
    services.match_incoming(actor=clerk)
    general = Account.objects.get(code=chart.GENERAL_SUSPENSE)
    assert general.balance == Decimal("1639.48")
    web.post(url("remittance_allocate", remittance), {"source": "general"})
    remittance.refresh_from_db()
    general.refresh_from_db()
    assert remittance.status == "posted" and general.balance == 0
    assert run_checks()["ok"]


# --- corrections -------------------------------------------------------------------------------------------

def test_correction_needs_a_reason_and_moves_the_money_to_suspense(web, clerk, emp, bank):
    remittance = posted(clerk, emp, bank)
    a, b = numbers(emp)
    before = state(remittance)
    page = html(web.post(url("remittance_reverse", remittance), {"reason": "  "}, follow=True))
    assert "请填写更正原因。" in page
    assert state(remittance) == before and (balance(a), balance(b)) == (Decimal("1313.28"), Decimal("326.20"))

    response = web.post(url("remittance_reverse", remittance), {"reason": "基数错误"}, follow=True)
    assert "清册已更正：1,639.48 元已转回单位暂收未分摊。" in html(response) and "已冲正" in html(response)
    remittance.refresh_from_db()
    assert remittance.status == "reversed" and "基数错误" in remittance.reversal_entry.memo
    assert (balance(a), balance(b), suspense(emp)) == (Decimal("0.00"), Decimal("0.00"), Decimal("1639.48"))
    assert not RemittanceLine.objects.filter(remittance=remittance, posted=True).exists()
    assert run_checks()["ok"]
    # a second correction is refused
    page = html(web.post(url("remittance_reverse", remittance), {"reason": "再次"}, follow=True))
    assert "不能执行此操作" in page and suspense(emp) == Decimal("1639.48")


def test_download_the_list(web, clerk, emp):
    remittance = draft(clerk, emp)
    a, b = numbers(emp)
    response = web.get(url("remittance_download", remittance), {"format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    text = response.getvalue().decode("utf-8-sig")
    assert text.splitlines()[0] == "个人账号,姓名,缴存基数,个人缴存比例(%),单位缴存比例(%)"
    assert f"{a},甲,9380.50,7,7" in text
    response = web.get(url("remittance_download", remittance))
    assert response["Content-Disposition"] == f'attachment; filename="{remittance.reference}.xlsx"'
    sheet = load_workbook(io.BytesIO(response.getvalue())).active
    assert sheet.max_row == 3


# --- bank statements ---------------------------------------------------------------------------------------

def test_import_match_and_book_to_suspense(web, client, finance, clerk, emp, bank):
    remittance = confirmed(clerk, emp)
    a, b = numbers(emp)
    csv_text = HEADER + (f"S1,2026-11-15,C,1639.48,{emp.name},6222,公积金 {remittance.reference}\n"
                         f"S2,2026-11-15,C,200.00,{emp.name},6222,多缴\n"
                         "S3,2026-11-16,C,50.00,不认识的公司,,?\n"
                         "S4,2026-11-16,C,10.00,某某,,?\n")
    client.force_login(finance)
    response = client.post(reverse("deposits:bank_import"), {"bank_account": bank.pk, "closing_balance": "1899.48",
                                                             "file": upload("s.csv", csv_text)}, follow=True)
    assert "已导入 4 条银行流水（已导入过的流水自动跳过）。" in html(response)
    assert BankStatementLine.objects.filter(match_status="unmatched").count() == 4

    # the same file again imports nothing new
    client.post(reverse("deposits:bank_import"), {"bank_account": bank.pk, "closing_balance": "1899.48",
                                                  "file": upload("s.csv", csv_text)})
    assert BankStatementLine.objects.count() == 4
    finance2 = make_user("finance2", roles.FINANCE)
    for statement in BankStatement.objects.all():  # a second finance person confirms both imports
        confirm_statement(statement=statement, actor=finance2)

    # one line booked by hand to the employer's suspense first
    s4 = BankStatementLine.objects.get(bank_reference="S4")
    web.post(reverse("deposits:bank_suspense", args=[s4.pk]), {"employer": emp.account_number})
    assert suspense(emp) == Decimal("10.00")
    response = web.post(reverse("deposits:bank_suspense", args=[s4.pk]), {"employer": ""}, follow=True)
    assert "该银行流水已入账。" in html(response)
    assert Account.objects.get(code=chart.GENERAL_SUSPENSE).balance == 0

    response = web.post(reverse("deposits:bank_match"), follow=True)
    page = html(response)
    assert "匹配完成：1 份清册入账，1 笔转入单位暂收，1 笔转入总暂收。" in page
    remittance.refresh_from_db()
    assert remittance.status == "posted" and remittance.paid_by.bank_reference == "S1"
    assert (balance(a), balance(b)) == (Decimal("1313.28"), Decimal("326.20"))
    assert suspense(emp) == Decimal("210.00")
    assert Account.objects.get(code=chart.GENERAL_SUSPENSE).balance == Decimal("50.00")
    assert not BankStatementLine.objects.filter(match_status="unmatched").exists()
    assert "210.00" in page  # the employer's suspense balance is listed
    assert run_checks()["ok"]


def test_bad_statement_file_lists_the_rows_and_imports_nothing(client, finance, bank):
    client.force_login(finance)
    csv_text = HEADER + "S1,15/11/2026,C,100.00,甲公司,,\nS2,2026-11-15,X,-1,乙公司,,\n"
    page = html(client.post(reverse("deposits:bank_import"), {"bank_account": bank.pk, "closing_balance": "100",
                                                               "file": upload("s.csv", csv_text)}, follow=True))
    assert "第 2 行，value_date：应为 YYYY-MM-DD 格式的日期" in page
    assert "第 3 行" in page and page.count("第 3 行") >= 2  # the direction and the amount of row 3
    page = html(client.post(reverse("deposits:bank_import"), {"bank_account": bank.pk, "closing_balance": "100",
                                                               "file": upload("s.csv", "a,b\n1,2\n")}, follow=True))
    assert "bank_reference" in page
    assert BankStatementLine.objects.count() == 0


def test_book_to_suspense_with_an_unknown_employer_number_changes_nothing(web, bank):
    line = receive(bank, "U1", "10.00")
    response = web.post(reverse("deposits:bank_suspense", args=[line.pk]), {"employer": "NOPE"}, follow=True)
    assert "没有单位账号为 NOPE 的单位。" in html(response)
    assert BankStatementLine.objects.get(pk=line.pk).match_status == "unmatched"
    assert JournalEntry.objects.count() == 0


# --- who may do what ---------------------------------------------------------------------------------------

def write_requests(remittance, line, emp):
    return [
        (url("remittance_confirm", remittance), {}),
        (url("remittance_cancel", remittance), {}),
        (url("remittance_line", remittance), {"account": "1", "base": "9000"}),
        (url("remittance_remove_line", remittance), {"account": "1"}),
        (url("remittance_upload", remittance), {"file": upload("a.csv", "x")}),
        (url("remittance_pay", remittance), {"line": line.pk}),
        (url("remittance_allocate", remittance), {"source": "employer"}),
        (url("remittance_reverse", remittance), {"reason": "x"}),
        (reverse("deposits:employer_generate", args=[emp.account_number]), {"month": "2026-10"}),
        (reverse("deposits:employer_supplementary", args=[emp.account_number]),
         {"month_from": "2026-09", "reason": "x"}),
    ]


def bank_requests(line, bank):
    return [
        (reverse("deposits:bank_import"), {"bank_account": bank.pk, "file": upload("s.csv", HEADER)}),
        (reverse("deposits:bank_match"), {}),
        (reverse("deposits:bank_suspense", args=[line.pk]), {"employer": ""}),
    ]


def read_urls(remittance, emp):
    return [reverse("deposits:remittances"), url("remittance", remittance), url("remittance_download", remittance),
            reverse("deposits:bank"), reverse("accounts:employer", args=[emp.account_number])]


def test_auditors_read_but_cannot_write(client, auditor, clerk, emp, bank):
    remittance = confirmed(clerk, emp)
    line = receive(bank, "A1", remittance.total, remark=remittance.reference)
    client.force_login(auditor)
    for target in read_urls(remittance, emp):
        assert client.get(target).status_code == 200, target
    page = html(client.get(url("remittance", remittance)))
    assert 'id="pay-form"' not in page and 'id="allocate-form"' not in page and 'id="cancel"' not in page
    page = html(client.get(reverse("deposits:bank")))
    assert 'id="match-now"' not in page and 'id="import-form"' not in page
    page = html(client.get(reverse("accounts:employer", args=[emp.account_number])))
    assert remittance.reference in page and 'id="generate-form"' not in page
    before = (state(remittance), RemittanceList.objects.count(), BankStatementLine.objects.count())
    for target, data in write_requests(remittance, line, emp) + bank_requests(line, bank):
        assert client.post(target, data).status_code == 403, target
    assert client.get(reverse("deposits:employer_supplementary", args=[emp.account_number])).status_code == 403
    assert (state(remittance), RemittanceList.objects.count(), BankStatementLine.objects.count()) == before
    assert BankStatementLine.objects.get(pk=line.pk).match_status == "unmatched"


def test_finance_imports_and_matches_but_does_not_edit_lists(client, finance, clerk, emp, bank):
    remittance = confirmed(clerk, emp)
    client.force_login(finance)
    csv_text = HEADER + f"F1,2026-11-15,C,1639.48,{emp.name},,{remittance.reference}\n"
    client.post(reverse("deposits:bank_import"), {"bank_account": bank.pk, "closing_balance": "1639.48",
                                                  "file": upload("f.csv", csv_text)})
    page = html(client.get(reverse("deposits:bank")))
    assert 'id="match-now"' in page and "F1" in page
    confirm_statement(statement=BankStatement.objects.get(), actor=make_user("finance2", roles.FINANCE))
    client.post(reverse("deposits:bank_match"))  # the importer's own lines are left for someone else
    remittance.refresh_from_db()
    assert remittance.status == "confirmed"
    assert BankStatementLine.objects.get().match_status == "unmatched"
    client.force_login(make_user("finance3", roles.FINANCE))
    client.post(reverse("deposits:bank_match"))
    remittance.refresh_from_db()
    assert remittance.status == "posted"
    assert client.post(url("remittance_reverse", remittance), {"reason": "x"}).status_code == 403
    remittance.refresh_from_db()
    assert remittance.status == "posted"
    assert run_checks()["ok"]


@pytest.mark.parametrize("role", [roles.DEPOSITOR, roles.EMPLOYER_AGENT])
def test_depositors_and_agents_get_403(client, clerk, emp, bank, role):
    remittance = draft(clerk, emp)
    line = receive(bank, "D1", "5.00")
    client.force_login(make_user("outsider", role))
    for target in read_urls(remittance, emp):
        assert client.get(target).status_code == 403, target
    for target, data in write_requests(remittance, line, emp) + bank_requests(line, bank):
        assert client.post(target, data).status_code == 403, target
    assert RemittanceList.objects.get(pk=remittance.pk).status == "draft"


def test_anonymous_is_sent_to_the_login_page(client, clerk, emp):
    remittance = draft(clerk, emp)
    response = client.get(url("remittance", remittance))
    assert response.status_code == 302 and "/login/" in response.url
    assert client.post(url("remittance_confirm", remittance)).status_code == 302
    assert RemittanceList.objects.get(pk=remittance.pk).status == "draft"


def test_unknown_reference_is_404(web, emp):
    assert web.get(reverse("deposits:remittance", args=["HJ000"])).status_code == 404
    assert web.post(reverse("deposits:remittance_confirm", args=["HJ000"])).status_code == 404


def test_statement_lines_page_filters_sorts_and_exports(web, bank):
    import csv

    factories.statement(bank_account=bank, rows=[
        {"bank_reference": "L1", "value_date": "2026-11-02", "direction": "C", "amount": "100.00",
         "counterparty_name": "甲公司", "remark": "=1+2"},
        {"bank_reference": "L2", "value_date": "2026-11-05", "direction": "C", "amount": "300.00",
         "counterparty_name": "乙公司"},
        {"bank_reference": "L3", "value_date": "2026-11-09", "direction": "D", "amount": "50.00",
         "counterparty_name": "丙公司"}])
    url = reverse("deposits:bank_lines")
    assert 'href="/counter/deposits/bank/lines/"' in html(web.get(reverse("deposits:bank")))
    page = html(web.get(url)).split('id="statement-lines"')[1]
    assert page.index("L3") < page.index("L2") < page.index("L1")  # latest value date first
    page = html(web.get(url, {"direction": "C", "sort": "-amount"})).split('id="statement-lines"')[1]
    assert "L3" not in page and page.index("L2") < page.index("L1")
    page = html(web.get(url, {"q": "乙公司", "date_from": "2026-11-03"})).split('id="statement-lines"')[1]
    assert "L2" in page and "L1" not in page and "L3" not in page
    export = web.get(url, {"sort": "amount", "export": "csv"})
    rows = list(csv.reader(io.StringIO(export.getvalue().decode("utf-8-sig"))))
    assert [(r[1], r[4]) for r in rows[1:]] == [("L3", "50.00"), ("L1", "100.00"), ("L2", "300.00")]
    assert rows[2][7] == "'=1+2"  # a remark that a spreadsheet would run is escaped
    assert web.get(url, {"date_from": "not a date"}).status_code == 200  # a bad filter is shown, not a 500
