"""Every number, date, month and year has bounds (core.bounds), through the shared form and serializer fields
and the file parsers: out-of-range input is a clear message on a page, a structured 400 in the API, a row error
in a file, and never a 500; nothing is written."""

import datetime
from decimal import Decimal

import pytest
from django import forms
from django.db import IntegrityError
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts import services as account_services
from core import api, bounds
from core import forms as core_forms
from core.actors import system_actor
from core.business_date import set_business_date
from core.errors import InvalidInput
from core.middleware import IntegrityConflictMiddleware
from core.models import BatchRun
from core.tabular import RowsInvalid
from deposits.models import BaseAdjustmentLine, RemittanceList
from deposits.services import base_adjustment, remittance_files
from deposits.services import remittance as remittances
from ledger.models import BankStatementLine
from tests import factories
from tests.conftest import make_user

TODAY = datetime.date(2026, 11, 20)


@pytest.fixture(autouse=True)
def setup(db):
    set_business_date(actor=system_actor(), date=TODAY)
    with translation.override("zh-hans"):
        yield


class Bounded(forms.Form):
    amount = core_forms.MoneyField(required=False)
    refund = core_forms.MoneyField(required=False, negative=True)
    percent = core_forms.PercentField(required=False)
    day = core_forms.DateField(required=False)
    month = core_forms.MonthField(required=False)
    year = core_forms.YearField(required=False)


@pytest.mark.parametrize(
    "data,error",
    [
        ({"amount": "1e30"}, "不能大于 999,999,999,999.99。"),
        ({"amount": "1000000000000"}, "不能大于 999,999,999,999.99。"),
        ({"amount": "-0.01"}, "不能小于 0。"),
        ({"amount": "0.001"}, "最多 2 位小数。"),
        ({"amount": "NaN"}, "请输入数字。"),
        ({"amount": "Infinity"}, "请输入数字。"),
        ({"amount": "9" * 200_000}, "请输入数字。"),
        ({"refund": "-1e30"}, "不能小于 -999,999,999,999.99。"),
        ({"percent": "100.01"}, None),
        ({"day": "0001-01-01"}, "请输入 1991-01-01 至 2026-12-31 之间的日期。"),
        ({"day": "9999-12-31"}, "请输入 1991-01-01 至 2026-12-31 之间的日期。"),
        ({"day": "2027-01-01"}, "请输入 1991-01-01 至 2026-12-31 之间的日期。"),
        ({"month": "0001-01"}, "请输入 1991-01 至 2026-12 之间的月份。"),
        ({"month": "1990-12"}, "请输入 1991-01 至 2026-12 之间的月份。"),
        ({"month": "2027-01"}, "请输入 1991-01 至 2026-12 之间的月份。"),
        ({"month": "x" * 100_000}, "请按 YYYY-MM 输入月份。"),
        ({"year": "0"}, "请输入 1992 至 2027 之间的年份。"),
        ({"year": "-5"}, "请输入 1992 至 2027 之间的年份。"),
        ({"year": "99999"}, "请输入 1992 至 2027 之间的年份。"),
        ({"year": "9" * 100_000}, None),
    ],
)
def test_out_of_bounds_values_are_refused_with_a_message(data, error):
    form = Bounded(data)
    assert not form.is_valid()
    (name,) = data
    assert form.errors[name]
    if error:
        assert form.errors[name] == [error]


def test_values_within_bounds_are_cleaned():
    form = Bounded(
        {
            "amount": "999999999999.99",
            "refund": "-12.50",
            "percent": "12.5",
            "day": "1991-01-01",
            "month": "2026-12-15",
            "year": "2027",
        }
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {
        "amount": Decimal("999999999999.99"),
        "refund": Decimal("-12.50"),
        "percent": Decimal("12.5"),
        "day": datetime.date(1991, 1, 1),
        "month": datetime.date(2026, 12, 1),
        "year": 2027,
    }


def test_the_window_follows_the_business_date_and_the_setting(settings):
    settings.CENTER_FOUNDED = "2000-06-01"
    with pytest.raises(InvalidInput):
        bounds.month(datetime.date(2000, 5, 1))
    assert bounds.month(datetime.date(2000, 6, 30)) == datetime.date(2000, 6, 1)
    set_business_date(actor=system_actor(), date=datetime.date(2027, 12, 31))
    assert bounds.month(datetime.date(2028, 1, 1), ahead=1) == datetime.date(2028, 1, 1)
    assert bounds.date(datetime.date(2028, 3, 31), ahead=3) == datetime.date(2028, 3, 31)
    with pytest.raises(InvalidInput):
        bounds.date(datetime.date(2028, 2, 1))


def test_serializer_fields_share_the_bounds():
    with pytest.raises(Exception) as info:
        api.MoneyField().run_validation("1e30")
    assert "999,999,999,999.99" in str(info.value.detail[0])
    with pytest.raises(Exception) as info:
        api.DateField().run_validation("0001-01-01")
    assert "1991-01-01" in str(info.value.detail[0])
    assert api.MonthField().run_validation("2026-11") == datetime.date(2026, 11, 1)
    assert api.RateField().run_validation("0.12") == Decimal("0.12")


# --- the channels: pages, files, API ------------------------------------------------------------------------


@pytest.fixture
def employer(clerk):
    employer = factories.employer(clerk, employer_ratio=Decimal("0.07"), employee_ratio=Decimal("0.07"))
    factories.account(clerk, employer, name="甲", base="5000")
    return employer


def test_a_huge_base_on_the_counter_form_is_a_message(clerk, employer):
    remittance = remittances.generate_list(actor=clerk, employer=employer, month=datetime.date(2026, 11, 1))
    web = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    web.force_login(clerk)
    number = employer.accounts.get().number
    response = web.post(
        reverse("deposits:remittance_line", args=[remittance.reference]), {"account": number, "base": "1e30"},
        follow=True,
    )
    assert response.status_code == 200 and "不能大于 999,999,999,999.99。" in response.content.decode()
    remittance.refresh_from_db()
    assert remittance.total == Decimal("700.00")


def test_a_huge_base_in_an_uploaded_list_is_a_row_error(clerk, employer):
    number = employer.accounts.get().number
    table = remittance_files.read_upload(
        f"个人账号,姓名,缴存基数,个人缴存比例(%),单位缴存比例(%)\n{number},甲,1e30,7,1e30\n".encode()
    )
    with pytest.raises(RowsInvalid) as info:
        remittance_files.validate(employer=employer, month=datetime.date(2026, 11, 1), table=table)
    assert info.value.fields["rows"] == [
        "第 2 行，缴存基数：不能大于 999,999,999,999.99。",
        "第 2 行，单位缴存比例(%)：不能大于 999,999,999,999.99。",
    ]


def test_a_huge_wage_in_a_base_adjustment_is_a_row_error(clerk, employer):
    agent = make_user("agent", "employer_agent")
    account_services.link_employer_agent(actor=clerk, user=agent, employer=employer)
    number = employer.accounts.get().number
    with pytest.raises(InvalidInput) as info:
        base_adjustment.submit_base_adjustment(
            actor=agent, employer=employer, rows=[{"account_number": number, "wage": "1e30"}]
        )
    assert "第 2 行，上年月平均工资：不能大于 999,999,999,999.99。" in info.value.fields["rows"]
    assert not BaseAdjustmentLine.objects.exists()


@pytest.fixture
def bank_client(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=make_user('bankbot', 'api_bank')).key}")
    return client


@pytest.mark.parametrize(
    "line,field",
    [
        ({"value_date": "0001-01-01"}, "value_date"),
        ({"value_date": "9999-12-31"}, "value_date"),
        ({"amount": "1e30"}, "amount"),
        ({"amount": "1E+400"}, "amount"),
        ({"amount": "0.001"}, "amount"),
    ],
)
def test_the_bank_api_refuses_out_of_bounds_lines(bank_client, line, field):
    bank = factories.bank_account()
    body = {
        "bank_account": bank.number,
        "lines": [{"bank_reference": "B1", "value_date": "2026-11-05", "direction": "C", "amount": "66.60", **line}],
    }
    response = bank_client.post("/api/v1/bank/statement-lines/", body, format="json")
    assert response.status_code == 400
    data = response.json()
    assert data["code"] == "invalid" and set(data) == {"code", "message", "fields"}
    assert f"lines.0.{field}" in data["fields"]
    assert not BankStatementLine.objects.exists()


def test_a_statement_file_with_implausible_dates_and_amounts_is_refused(finance):
    from ledger.services import import_statement_file

    bank = factories.bank_account()
    data = (
        b"bank_reference,value_date,direction,amount\nA,0001-01-01,C,1\nB,9999-12-31,C,1\nC,2026-11-05,C,1e30\n"
        b"D,2026-11-05,C,12.345\n"
    )
    with pytest.raises(RowsInvalid) as info:
        import_statement_file(actor=finance, bank_account=bank, file=data, closing_balance="4")
    assert info.value.fields["rows"] == [
        "第 2 行，value_date：请输入 1991-01-01 至 2026-12-31 之间的日期。",
        "第 3 行，value_date：请输入 1991-01-01 至 2026-12-31 之间的日期。",
        "第 4 行，amount：不能大于 999,999,999,999.99。",
        "第 5 行，amount：应为大于零、最多两位小数的数字",
    ]
    assert not BankStatementLine.objects.exists()


def test_the_employer_api_refuses_an_implausible_month(clerk, employer):
    agent = make_user("payroll", "employer_agent")
    account_services.link_employer_agent(actor=clerk, user=agent, employer=employer)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=agent).key}")
    for month in ("0001-01", "9999-12", "2027-01"):
        response = client.post("/api/v1/employer/remittances/", {"month": month}, format="json")
        assert response.status_code == 400 and response.json()["code"] == "invalid", response.content
        assert "month" in response.json()["fields"]
    assert not RemittanceList.objects.exists()


@pytest.mark.parametrize("year", ["0", "-5", "99999", "1900", "abc", "9" * 5000])
def test_an_implausible_interest_year_is_a_message(finance, year):
    web = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    web.force_login(finance)
    response = web.post(reverse("deposits:interest_settle"), {"year": year}, follow=True)
    assert response.status_code == 200
    assert "请输入 1992 至 2027 之间的年份。" in response.content.decode()
    assert not BatchRun.objects.exists()


def test_an_integrity_conflict_is_a_409_not_a_500():
    request = RequestFactory().post("/counter/x/")
    request.user = None
    response = IntegrityConflictMiddleware(lambda r: None).process_exception(request, IntegrityError("dup"))
    assert response.status_code == 409
    assert "其他人同时修改了相同的记录，本次未保存任何内容。" in response.content.decode()
    response = api.exception_handler(IntegrityError("dup"), {})
    assert response.status_code == 409 and response.data["code"] == "conflict"


def test_withdrawal_amounts_kept_as_text_are_bounded_too():
    from withdrawals.forms import ApplicationForm

    form = ApplicationForm(
        {
            "account": "1",
            "reason": "07",
            "amount": "1e30",
            "monthly_rent": "NaN",
            "months": "99999999999",
            "invoice": "1,200.50",
        }
    )
    assert not form.is_valid()
    assert form.errors["amount"] == ["不能大于 999,999,999,999.99。"]
    assert form.errors["monthly_rent"] == ["请输入数字。"]
    assert form.errors["months"] == ["请输入 1 至 600 之间的整数。"]
    assert "invoice" not in form.errors and form.cleaned_data["invoice"] == "1200.50"


def test_property_registry_amounts_and_areas_are_bounded(clerk):
    from core import roles
    from withdrawals import services as withdrawal_services
    from withdrawals.models import PropertyRecord

    admin = make_user("registry-admin", roles.SYSADMIN)
    person = factories.person(clerk, name="赵六")
    data = (
        "certificate_number,owner_id_number,owner_name,address,area,price,loan_amount\n"
        f"C1,{person.id_number},赵六,人民路1号,1e30,1e30,0.001\n"
        f"C2,{person.id_number},赵六,人民路2号,100000000,900000,0\n"
    ).encode()
    dated = (
        "certificate_number,owner_id_number,owner_name,address,area,registration_date\n"
        f"C3,{person.id_number},赵六,人民路3号,80,9999-12-31\nC4,{person.id_number},赵六,人民路4号,80,1985-05-01\n"
    ).encode()
    with pytest.raises(RowsInvalid) as info:
        withdrawal_services.import_property_records(actor=admin, file=dated)
    assert info.value.fields["rows"] == ["第 2 行，registration_date：请输入 1949-10-01 至 2026-12-31 之间的日期。"]
    with pytest.raises(RowsInvalid) as info:
        withdrawal_services.import_property_records(actor=admin, file=data)
    assert info.value.fields["rows"] == [
        "第 2 行，area：不能大于 99,999,999.99。",
        "第 2 行，price：不能大于 999,999,999,999.99。",
        "第 2 行，loan_amount：最多 2 位小数。",
        "第 3 行，area：不能大于 99,999,999.99。",
    ]
    assert not PropertyRecord.objects.exists()


@pytest.mark.parametrize("text", ["1e30", "-1e30", "0.123456789", "NaN"])
def test_a_policy_value_has_the_same_bounds(text):
    from django.core.exceptions import ValidationError

    from core import policy

    with pytest.raises(ValidationError):
        policy.parameter("deposits.base_cap").parse(text)
    with pytest.raises(ValidationError):
        policy.parameter("deposits.deferral_max_months").parse("9" * 5000)
