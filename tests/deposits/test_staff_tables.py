"""The deposits app's detail lists on django-tables2: a remittance list's lines, a base adjustment's lines,
flexible-worker deposits and interest settlement runs sort, page and export (streamed) like every staff list."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from accounts import services as account_services
from accounts.models import FundAccount
from core import roles
from core.actors import system_actor
from core.business_date import set_business_date
from core.models import BatchRun
from deposits.services import base_adjustment as adjustments
from deposits.services import flexible, interest
from deposits.services import remittance as remittances
from tests import factories
from tests.conftest import make_user

NOV = datetime.date(2026, 11, 1)


@pytest.fixture
def web(clerk):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(clerk)
    return client


@pytest.fixture
def emp(clerk):
    employer = factories.employer(clerk, employer_ratio=Decimal("0.07"), employee_ratio=Decimal("0.07"))
    for name, base in (("甲", "9380.50"), ("乙", "2330"), ("丙", "5000")):
        factories.account(clerk, employer, name=name, base=base)
    return employer


def rows(response):
    return list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig"), newline="")))


def table_html(response, table_id):
    return response.content.decode().split(f'id="{table_id}"')[1].split("</table>")[0]


def test_remittance_lines_sort_page_and_export(web, clerk, emp):
    set_business_date(actor=system_actor(), date=datetime.date(2026, 11, 20))
    remittance = remittances.generate_list(actor=clerk, employer=emp, month=NOV)
    url = reverse("deposits:remittance", args=[remittance.reference])
    page = web.get(url, {"sort": "-base", "per_page": 2})
    lines = table_html(page, "lines")
    assert lines.index("9,380.50") < lines.index("5,000.00") and "2,330.00" not in lines
    assert "移除" in lines  # a draft's lines can be removed
    assert "2,330.00" in table_html(web.get(url, {"sort": "-base", "per_page": 2, "page": 2}), "lines")
    export = web.get(url, {"sort": "base", "export": "csv"})
    data = rows(export)
    assert data[0] == ["账号", "姓名", "月份", "缴存基数", "个人比例", "单位比例", "个人部分", "单位部分", "金额"]
    assert [(r[1], r[2], r[3], r[4], r[6], r[8]) for r in data[1:]] == [
        ("乙", "2026-11", "2330.00", "0.07000000", "163.10", "326.20"),
        ("丙", "2026-11", "5000.00", "0.07000000", "350.00", "700.00"),
        ("甲", "2026-11", "9380.50", "0.07000000", "656.64", "1313.28"),
    ]
    assert export["Content-Disposition"] == f'attachment; filename="{remittance.reference}.csv"'
    sheet = load_workbook(io.BytesIO(web.get(url, {"sort": "base", "export": "xlsx"}).getvalue())).active
    assert sheet.max_row == 4 and sheet["I2"].value == 326.2 and sheet["I2"].data_type == "n"
    # a confirmed list has no remove buttons
    remittances.confirm_list(actor=clerk, remittance=remittance)
    assert "移除" not in table_html(web.get(url), "lines")


def test_base_adjustment_lines_sort_page_and_export(web, clerk, emp):
    set_business_date(actor=system_actor(), date=datetime.date(2026, 6, 15))
    agent = make_user("agent", roles.EMPLOYER_AGENT)
    account_services.link_employer_agent(actor=clerk, user=agent, employer=emp)
    numbers = {a.depositor.name: a.number for a in FundAccount.objects.filter(employer=emp).select_related("depositor")}
    adjustment = adjustments.submit_base_adjustment(
        actor=agent,
        employer=emp,
        rows=[
            {"account_number": numbers["甲"], "wage": "9380.50"},
            {"account_number": numbers["乙"], "wage": "6000"},
            {"account_number": numbers["丙"], "wage": "7000"},
        ],
    )
    url = reverse("deposits:base_adjustment", args=[adjustment.pk])
    lines = table_html(web.get(url, {"sort": "-wage", "per_page": 2}), "lines")
    assert lines.index("9,380.50") < lines.index("7,000.00") and "6,000.00" not in lines
    data = rows(web.get(url, {"sort": "wage", "export": "csv"}))
    assert data[0] == ["行号", "个人账号", "姓名", "上年月平均工资", "原缴存基数", "新缴存基数", "按上下限调整"]
    assert [(r[2], r[3], r[4], r[5]) for r in data[1:]] == [
        ("乙", "6000.00", "2330.00", "6000.00"),
        ("丙", "7000.00", "5000.00", "7000.00"),
        ("甲", "9380.50", "9380.50", "9380.50"),
    ]


def test_flexible_deposits_page_and_export(web, clerk, finance):
    set_business_date(actor=system_actor(), date=datetime.date(2026, 11, 20))
    account = flexible.register_flexible(
        actor=clerk,
        base=Decimal("9380.50"),
        ratio=Decimal("0.11"),
        name="灵活",
        id_number=factories.make_id(),
        phone="13912345678",
    )
    (line,) = factories.statement(
        bank_account=factories.bank_account(),
        rows=[
            {
                "bank_reference": "F1",
                "value_date": "2026-11-20",
                "direction": "C",
                "amount": "1031.86",
                "counterparty_name": "灵活",
            }
        ],
    )
    deposit = flexible.flexible_deposit(actor=finance, account=account, months=[NOV], statement_line=line)
    url = reverse("deposits:flexible")
    assert deposit.reference in table_html(web.get(url), "flexible-deposits")
    data = rows(web.get(url, {"export": "csv"}))
    assert data[0] == ["文号", "个人账号", "姓名", "起始月份", "截止月份", "月数", "金额", "银行流水号"]
    assert data[1] == [deposit.reference, account.number, "灵活", "2026-11", "2026-11", "1", "1031.86", "F1"]


def test_interest_runs_page_and_export(web):
    for year in range(2014, 2026):
        BatchRun.objects.create(
            job=interest.JOB, key=f"{interest.JOB}:{year}", status="done", total=4, processed=4, result={"accounts": 4}
        )
    BatchRun.objects.create(job="other.job", key="other:1", total=1)
    url = reverse("deposits:interest_settlement")
    runs = table_html(web.get(url), "interest-runs")
    assert f"{interest.JOB}:2025" in runs and f"{interest.JOB}:2015" not in runs  # ten a page, latest first
    assert f"{interest.JOB}:2014" in table_html(web.get(url, {"page": 2}), "interest-runs")
    assert f"{interest.JOB}:2025" in table_html(web.get(reverse("deposits:interest_progress")), "interest-runs")
    data = rows(web.get(url, {"sort": "key", "export": "csv"}))
    assert len(data) == 13 and "other:1" not in {r[0] for r in data}
    assert data[1][:3] == [f"{interest.JOB}:2014", "已完成", "100"]
    assert data[1][-1] == "账户: 4"  # the run's result in words


def test_base_adjustment_clamped_report_is_the_same_table(web, clerk, emp):
    set_business_date(actor=system_actor(), date=datetime.date(2026, 6, 15))
    agent = make_user("agent", roles.EMPLOYER_AGENT)
    account_services.link_employer_agent(actor=clerk, user=agent, employer=emp)
    numbers = {a.depositor.name: a.number for a in FundAccount.objects.filter(employer=emp).select_related("depositor")}
    adjustment = adjustments.submit_base_adjustment(
        actor=agent,
        employer=emp,
        rows=[
            {"account_number": numbers["甲"], "wage": "100000"},
            {"account_number": numbers["乙"], "wage": "6000"},
            {"account_number": numbers["丙"], "wage": "100"},
        ],
    )
    url = reverse("deposits:base_adjustment", args=[adjustment.pk])
    data = rows(web.get(url, {"clamped": "1", "sort": "row", "export": "csv"}))
    assert [(r[2], r[3], r[5], r[6]) for r in data[1:]] == [
        ("甲", "100000.00", "32969.00", "按上限调整"),
        ("丙", "100.00", "2330.00", "按下限调整"),
    ]
    assert len(rows(web.get(url, {"export": "csv"}))) == 4
    assert "(2)" in web.get(url).content.decode().split('id="clamped-tab"')[1][:200]


def test_the_list_template_download_streams(web, clerk, emp):
    from django.http import FileResponse, StreamingHttpResponse

    set_business_date(actor=system_actor(), date=datetime.date(2026, 11, 20))
    remittance = remittances.generate_list(actor=clerk, employer=emp, month=NOV)
    url = reverse("deposits:remittance_download", args=[remittance.reference])
    response = web.get(url, {"format": "csv"})
    assert isinstance(response, StreamingHttpResponse)
    text = response.getvalue().decode("utf-8-sig").splitlines()
    assert text[0] == "个人账号,姓名,缴存基数,个人缴存比例(%),单位缴存比例(%)" and len(text) == 4
    response = web.get(url)
    assert isinstance(response, FileResponse)
    assert load_workbook(io.BytesIO(response.getvalue())).active.max_row == 4
