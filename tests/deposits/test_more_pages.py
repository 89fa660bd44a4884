"""Counter and portal pages for arrears, deferral and ratio reduction, flexible workers and base adjustments,
through the Django test client: pages render, each action does exactly its effect, bad input shows the
service's Chinese message and changes nothing, other employers' and people's data is out of reach."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from accounts import services as account_services
from accounts.models import FundAccount
from core import roles, workflow
from core.actors import system_actor
from core.business_date import set_business_date
from deposits.models import (
    ArrearsRecord,
    BaseAdjustment,
    DeferralApplication,
    FlexibleDeposit,
)
from ledger.models import Account, BankStatementLine, JournalEntry
from tests import factories
from tests.conftest import make_user


@pytest.fixture(autouse=True)
def setup(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    set_business_date(actor=system_actor(), date=datetime.date(2026, 11, 20))


@pytest.fixture
def emp(clerk):
    """Opened 2026-08-03, payday 10, 12% / 12%: 10,000 × 24% + 5,000 × 16% = 3,200.00 a month."""
    set_business_date(actor=system_actor(), date=datetime.date(2026, 8, 3))
    employer = factories.employer(clerk)
    factories.account(clerk, employer, name="甲", base="10000")
    factories.account(clerk, employer, name="乙", base="5000", employee_ratio=Decimal("0.08"),
                      employer_ratio=Decimal("0.08"))
    set_business_date(actor=system_actor(), date=datetime.date(2026, 11, 20))
    return employer


@pytest.fixture
def emp2(clerk):
    employer = factories.employer(clerk, name="另一家公司")
    factories.account(clerk, employer, name="丙", base="6000")
    return employer


def agent_of(clerk, employer, username):
    user = make_user(username, roles.EMPLOYER_AGENT)
    account_services.link_employer_agent(actor=clerk, user=user, employer=employer)
    return user


def client_for(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


@pytest.fixture
def agent(clerk, emp):
    return client_for(agent_of(clerk, emp, "agent1"))


@pytest.fixture
def agent2(clerk, emp2):
    return client_for(agent_of(clerk, emp2, "agent2"))


@pytest.fixture
def staff(clerk):
    return client_for(clerk)


def html(response):
    return response.content.decode()


def numbers(employer):
    return {a.depositor.name: a.number for a in FundAccount.objects.filter(employer=employer)
            .select_related("depositor")}


# --- arrears -----------------------------------------------------------------------------------------------

def test_arrears_page_detects_filters_and_exports(staff, auditor, emp, emp2):
    page = staff.get("/counter/deposits/arrears/")
    assert page.status_code == 200 and "欠缴" in html(page) and 'id="detect"' in html(page)
    response = staff.post("/counter/deposits/arrears/detect/")
    assert response.status_code == 302
    # August to November unpaid (deadlines 08-15 … 11-15 have passed); emp2, opened in November: November
    assert sorted(ArrearsRecord.objects.filter(employer=emp).values_list("month", "amount_due")) == [
        (datetime.date(2026, m, 1), Decimal("3200.00")) for m in (8, 9, 10, 11)]
    assert list(ArrearsRecord.objects.filter(employer=emp2).values_list("month", "amount_due")) == [
        (datetime.date(2026, 11, 1), Decimal("1440.00"))]  # 6,000 × 24%
    page = html(staff.get("/counter/deposits/arrears/"))
    assert "12,800.00" in page and emp.name in page  # summary per employer
    page = html(staff.get("/counter/deposits/arrears/", {"month_from": "2026-10", "month_to": "2026-11",
                                                         "status": "open"}))
    assert "6,400.00" in page and "2026-08" not in page.split('id="arrears"')[1]
    assert "3,200.00" not in html(staff.get("/counter/deposits/arrears/", {"status": "cleared"})).split(
        'id="arrears"')[1]

    page = html(staff.get("/counter/deposits/arrears/", {"employer_number": emp2.account_number, "status": "open"}))
    assert "1,440.00" in page and "12,800.00" not in page and "3,200.00" not in page
    export = staff.get("/counter/deposits/arrears/", {"month_from": "2026-10", "status": "open", "export": "csv",
                                                      "employer_number": emp.account_number})
    rows = list(csv.reader(io.StringIO(export.getvalue().decode("utf-8-sig"))))
    assert rows[0][:3] == ["单位账号", "单位", "月份"] and len(rows) == 3
    assert [r[2] for r in rows[1:]] == ["2026-10", "2026-11"] and rows[1][6] == "3200.00"  # money as numbers
    export = staff.get("/counter/deposits/arrears/", {"status": "open", "export": "xlsx", "name": "示范"})
    sheet = load_workbook(io.BytesIO(export.getvalue())).active
    assert sheet.max_row == 5 and sheet.cell(2, 7).value == 3200 and sheet.cell(2, 7).data_type == "n"
    # sorted by any column (the export follows), paged
    export = staff.get("/counter/deposits/arrears/", {"status": "open", "sort": "-amount_due", "export": "csv"})
    rows = list(csv.reader(io.StringIO(export.getvalue().decode("utf-8-sig"))))
    assert [r[6] for r in rows[1:]] == ["3200.00"] * 4 + ["1440.00"]
    assert rows[-1][:3] == [emp2.account_number, emp2.name, "2026-11"]
    export = staff.get("/counter/deposits/arrears/", {"status": "open", "sort": "amount_due", "export": "csv"})
    assert list(csv.reader(io.StringIO(export.getvalue().decode("utf-8-sig"))))[1][6] == "1440.00"
    page = html(staff.get("/counter/deposits/arrears/", {"status": "open", "sort": "amount_due"}))
    table = page.split('id="arrears"')[1]
    assert table.index("1,440.00") < table.index("3,200.00")
    assert 'href="?status=open&amp;sort=-amount_due"' in table  # the header link reverses the order

    # an auditor reads and exports but cannot run the detection; portals cannot reach the page
    reader = client_for(auditor)
    assert reader.get("/counter/deposits/arrears/").status_code == 200
    assert 'id="detect"' not in html(reader.get("/counter/deposits/arrears/"))
    assert reader.post("/counter/deposits/arrears/detect/").status_code == 403


def test_arrears_page_refuses_portal_users(agent, emp):
    assert agent.get("/counter/deposits/arrears/").status_code == 403
    assert agent.post("/counter/deposits/arrears/detect/").status_code == 403
    assert not ArrearsRecord.objects.exists()


# --- deferral and ratio reduction --------------------------------------------------------------------------

def evidence(name="职代会决议.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4 decision", content_type="application/pdf")


def apply_data(**kw):
    data = {"kind": "ratio_reduction", "month_from": "2026-12", "month_to": "2027-02", "employee_ratio": "6",
            "employer_ratio": "6", "reason": "订单骤减，经营困难", "decision_date": "2026-11-02",
            "evidence": evidence()}
    data.update(kw)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def reviewer(db):
    return make_user("reviewer1", roles.REVIEWER)


@pytest.fixture
def approver(db):
    return make_user("approver1", roles.APPROVER)


def test_employer_applies_and_sees_status(agent, agent2, emp):
    page = agent.get("/employer/deferrals/")
    assert page.status_code == 200 and "缓缴" in html(page)
    response = agent.post("/employer/deferrals/", apply_data(evidence=None), follow=True)
    assert response.status_code == 200 and response.redirect_chain == [("/employer/deferrals/", 302)]
    assert "请上传职工代表大会或工会同意的决议" in html(response)
    response = agent.post("/employer/deferrals/", apply_data(employee_ratio="3"), follow=True)  # below 5%
    assert response.status_code == 200 and DeferralApplication.objects.count() == 0

    response = agent.post("/employer/deferrals/", apply_data())
    application = DeferralApplication.objects.get()
    assert response.status_code == 302 and response.url == f"/employer/deferrals/{application.pk}/"
    assert (application.status, application.kind, application.employee_ratio, application.employer_ratio,
            application.month_from, application.month_to) == (
        "submitted", "ratio_reduction", Decimal("0.06"), Decimal("0.06"), datetime.date(2026, 12, 1),
        datetime.date(2027, 2, 1))
    page = html(agent.get(f"/employer/deferrals/{application.pk}/"))
    assert "已提交" in page and "1,400.00" in page  # 3,200 → 1,800 a month
    assert agent.get(f"/employer/deferrals/{application.pk}/evidence/").status_code == 200
    assert "2026-12" in html(agent.get("/employer/deferrals/"))
    # another employer's agent sees nothing of it
    assert agent2.get(f"/employer/deferrals/{application.pk}/").status_code == 404
    assert agent2.get(f"/employer/deferrals/{application.pk}/evidence/").status_code == 404
    assert str(application.pk) not in html(agent2.get("/employer/deferrals/")).split('id="applications"')[1]


def test_review_and_approval_with_four_eyes(agent, emp, reviewer, approver):
    agent.post("/employer/deferrals/", apply_data())
    application = DeferralApplication.objects.get()
    rev, appr = client_for(reviewer), client_for(approver)
    queue = html(rev.get("/counter/deposits/deferrals/"))
    assert f'href="/counter/deposits/deferrals/{application.pk}/"' in queue
    case = html(rev.get(f"/counter/deposits/deferrals/{application.pk}/"))
    assert "12%" in case.split('id="ratios-before"')[1][:60] and "6%" in case.split('id="ratios-after"')[1][:60]
    assert "1,400.00" in case.split('id="monthly-difference"')[1][:80]
    assert 'id="evidence"' in case and "审核通过" in case and "审批通过" not in case
    download = rev.get(f"/counter/deposits/deferrals/{application.pk}/evidence/")
    assert b"".join(download.streaming_content) == b"%PDF-1.4 decision"

    # a clerk may read the case but not review it; an approver cannot review
    assert client_for(make_user("clerkx", roles.CLERK)).post(
        f"/counter/deposits/deferrals/{application.pk}/review/").status_code == 403
    assert appr.post(f"/counter/deposits/deferrals/{application.pk}/review/").status_code == 403

    both = client_for(make_user("both", roles.REVIEWER, roles.APPROVER))
    response = both.post(f"/counter/deposits/deferrals/{application.pk}/review/", {"comment": "材料齐全"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == "reviewed"
    assert [(t.action, t.actor.username, t.comment) for t in workflow.history(application)][-1] == (
        "review", "both", "材料齐全")
    # the engine offers each person only the steps left to them: the reviewer may not approve as well
    case_url = f"/counter/deposits/deferrals/{application.pk}/"
    assert 'id="decision"' not in html(both.get(case_url))
    assert "审批通过" in html(appr.get(case_url)).split('id="decision"')[1]
    response = both.post(f"/counter/deposits/deferrals/{application.pk}/approve/", {"comment": "同意"}, follow=True)
    assert response.status_code == 200 and "同一笔业务的受理、审核、审批必须由三个不同的人办理" in html(response)
    application.refresh_from_db()
    assert application.status == "reviewed" and workflow.history(application).count() == 2

    assert f'href="/counter/deposits/deferrals/{application.pk}/"' in html(appr.get("/counter/deposits/deferrals/"))
    response = appr.post(f"/counter/deposits/deferrals/{application.pk}/approve/", {"comment": "同意"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == "approved"
    assert list(workflow.history(application).values_list("to_state", "step", "actor__username")) == [
        ("submitted", "accept", "agent1"), ("reviewed", "review", "both"), ("approved", "approve", "approver1")]
    history = html(agent.get(f"/employer/deferrals/{application.pk}/")).split('id="history"')[1]
    assert "已审核" in history and "同意" in history


def test_reject_needs_a_reason(agent, emp, reviewer):
    agent.post("/employer/deferrals/", apply_data(kind="deferral", employee_ratio=None, employer_ratio=None))
    application = DeferralApplication.objects.get()
    rev = client_for(reviewer)
    response = rev.post(f"/counter/deposits/deferrals/{application.pk}/reject/", {"comment": ""}, follow=True)
    assert response.status_code == 200 and "请填写驳回理由。" in html(response)
    application.refresh_from_db()
    assert application.status == "submitted"
    response = rev.post(f"/counter/deposits/deferrals/{application.pk}/reject/", {"comment": "材料不全"})
    application.refresh_from_db()
    assert response.status_code == 302 and application.status == "rejected"
    assert list(workflow.history(application).values_list("action", "step", "actor__username", "comment")) == [
        ("submit", "accept", "agent1", ""), ("reject_review", "review", reviewer.username, "材料不全")]
    assert "已驳回" in html(agent.get("/employer/deferrals/")).split('id="applications"')[1]


# --- flexible workers --------------------------------------------------------------------------------------

def receive(amount, ref="F1"):
    (line,) = factories.statement(bank_account=factories.bank_account(), rows=[{
        "bank_reference": ref, "value_date": "2026-11-20", "direction": "C", "amount": str(amount),
        "counterparty_name": "灵活"}])
    return line


def test_counter_registers_a_flexible_worker_and_books_a_deposit(staff, finance, auditor):
    assert staff.get("/counter/deposits/flexible/").status_code == 200
    id_number = factories.make_id()
    data = {"name": "灵活", "id_number": id_number, "phone": "13912345678", "base": "9380.50", "ratio": "30"}
    response = staff.post("/counter/deposits/flexible/register/", data, follow=True)
    assert response.status_code == 200 and "灵活就业人员缴存比例须在缴存基数的 10% 至 24% 之间" in html(response)
    assert not FundAccount.objects.filter(depositor__id_number=id_number).exists()

    response = staff.post("/counter/deposits/flexible/register/", {**data, "ratio": "11"})
    assert response.status_code == 302
    account = FundAccount.objects.get(depositor__id_number=id_number)
    assert (account.kind, account.base, account.employee_ratio, account.employer_ratio, account.employer_id) == (
        "flexible", Decimal("9380.50"), Decimal("0.11"), Decimal("0"), None)

    wrong = receive("1000.00", ref="W1")
    entries = JournalEntry.objects.count()
    response = staff.post("/counter/deposits/flexible/deposit/", {"account": account.number, "month_from": "2026-11",
                                                                  "line": wrong.pk}, follow=True)
    assert response.status_code == 200 and "1,031.86" in html(response)
    assert JournalEntry.objects.count() == entries and not FlexibleDeposit.objects.exists()

    line = receive("1031.86")  # 9,380.50 × 11% = 1,031.855 → 1,031.86
    response = client_for(finance).post("/counter/deposits/flexible/deposit/", {
        "account": account.number, "month_from": "2026-11", "line": line.pk})
    assert response.status_code == 302
    deposit = FlexibleDeposit.objects.get()
    assert (deposit.amount, deposit.months, deposit.month_from) == (Decimal("1031.86"), 1, datetime.date(2026, 11, 1))
    assert Account.objects.get(pk=account.ledger_account_id).balance == Decimal("1031.86")
    line.refresh_from_db()
    assert line.match_status == BankStatementLine.Match.BOOKED
    assert deposit.reference in html(staff.get("/counter/deposits/flexible/"))
    # an unknown account number is refused; an auditor has no access
    response = staff.post("/counter/deposits/flexible/deposit/", {"account": "NOPE", "month_from": "2026-11",
                                                                  "line": wrong.pk}, follow=True)
    assert response.status_code == 200 and "个人账号不存在。" in html(response)
    assert FlexibleDeposit.objects.count() == 1
    assert client_for(auditor).get("/counter/deposits/flexible/").status_code == 403
    assert client_for(finance).post("/counter/deposits/flexible/register/", data).status_code == 403


def test_depositor_with_a_sealed_account_continues_as_flexible(clerk, emp):
    accounts = {a.depositor.name: a for a in FundAccount.objects.filter(employer=emp).select_related("depositor")}
    jia, yi = accounts["甲"], accounts["乙"]
    for account in (jia, yi):
        user = make_user(account.depositor.id_number, roles.DEPOSITOR)
        account.depositor.user = user
        account.depositor.save(update_fields=["user"])
    account_services.seal_account(actor=clerk, account=jia, reason="离职")
    client = client_for(jia.depositor.user)
    assert 'id="switch"' in html(client.get("/portal/flexible/"))
    response = client.post("/portal/flexible/", {"base": "9380.50", "ratio": "30"})
    assert response.status_code == 200 and "灵活就业人员缴存比例" in html(response)
    jia.refresh_from_db()
    assert (jia.status, jia.kind) == ("02", "employee")
    response = client.post("/portal/flexible/", {"base": "9380.50", "ratio": "11"})
    assert response.status_code == 302
    jia.refresh_from_db()
    assert (jia.status, jia.kind, jia.employer_id, jia.employee_ratio) == ("01", "flexible", None, Decimal("0.11"))
    assert "1,031.86" in html(client.get("/portal/flexible/"))

    # a person whose employer pays cannot switch: the page says so and a post is refused by the service
    other = client_for(yi.depositor.user)
    assert 'id="not-available"' in html(other.get("/portal/flexible/"))
    response = other.post("/portal/flexible/", {"base": "9380.50", "ratio": "11"})
    assert response.status_code == 200
    yi.refresh_from_db()
    assert (yi.kind, yi.employer_id) == ("employee", emp.pk)


# --- base adjustment ---------------------------------------------------------------------------------------

def upload(name, text):
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def bases(employer):
    return dict(FundAccount.objects.filter(employer=employer).values_list("depositor__name", "base"))


def test_employer_uploads_bases_and_sees_the_report(agent, agent2, staff, emp, emp2):
    assert agent.get("/employer/bases/").status_code == 200
    template = agent.get("/employer/bases/template/")
    sheet = load_workbook(io.BytesIO(template.content)).active
    assert [c.value for c in sheet[1]] == ["个人账号", "姓名", "上年月平均工资"] and sheet.max_row == 3

    n = numbers(emp)
    other = numbers(emp2)["丙"]
    bad = f"个人账号,姓名,上年月平均工资\n{n['甲']},甲,abc\n{other},丙,5000\n"
    response = agent.post("/employer/bases/", {"file": upload("bases.csv", bad)}, follow=True)
    page = html(response)
    assert response.redirect_chain == [("/employer/bases/", 302)]
    assert response.status_code == 200 and "第 2 行，上年月平均工资：不是数字" in page and "第 3 行" in page
    assert "缴存基数有 2 处错误，未做任何更改。" in page and page.count("第 2 行，上年月平均工资：不是数字") == 1
    assert not BaseAdjustment.objects.exists() and bases(emp) == {"甲": Decimal("10000.00"), "乙": Decimal("5000.00")}

    good = f"个人账号,姓名,上年月平均工资\n{n['甲']},甲,9380.50\n{n['乙']},乙,2000\n"
    response = agent.post("/employer/bases/", {"file": upload("bases.csv", good)})
    adjustment = BaseAdjustment.objects.get()
    assert response.status_code == 302 and response.url == f"/employer/bases/{adjustment.pk}/"
    # the deposit year began on July 1, so the bases are applied at once; 2,000 is raised to the floor
    assert (adjustment.status, adjustment.line_count, adjustment.clamped_count) == ("applied", 2, 1)
    assert bases(emp) == {"甲": Decimal("9380.50"), "乙": Decimal("2330.00")}
    report = html(agent.get(f"/employer/bases/{adjustment.pk}/")).split('id="clamped"')[1]
    assert "乙" in report and "2,330.00" in report and "按下限调整" in report and "9,380.50" not in report

    assert agent2.get(f"/employer/bases/{adjustment.pk}/").status_code == 404
    listing = html(staff.get("/counter/deposits/base-adjustments/", {"employer_number": emp.account_number}))
    assert f'href="/counter/deposits/base-adjustments/{adjustment.pk}/"' in listing
    assert f"/base-adjustments/{adjustment.pk}/" not in html(staff.get(
        "/counter/deposits/base-adjustments/", {"employer_number": emp2.account_number}))
    detail = html(staff.get(f"/counter/deposits/base-adjustments/{adjustment.pk}/"))
    assert "9,380.50" in detail and "按下限调整" in detail
    assert agent.get("/counter/deposits/base-adjustments/").status_code == 403


def test_every_new_page_is_linked_and_renders(staff, agent):
    home = html(staff.get(reverse("deposits:remittances")))
    for name in ("deposits:arrears", "deposits:deferrals", "deposits:base_adjustments", "deposits:flexible"):
        assert f'href="{reverse(name)}"' in home
        assert staff.get(reverse(name)).status_code == 200
    portal = html(agent.get("/employer/"))
    assert 'href="/employer/deferrals/"' in portal and 'href="/employer/bases/"' in portal
