"""Defects seen by people using the pages: the header's home link, the portal navigation, the post/redirect/get
of failed uploads and imports, error headings, API error shapes and the employer's phone."""

import datetime
import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts import services as account_services
from accounts.models import Employer
from core import identity
from core.actors import system_actor
from core.business_date import set_business_date
from core.errors import InvalidInput
from deposits.models import RemittanceList
from deposits.services import remittance
from ledger.models import BankStatementLine
from tests import factories
from tests.conftest import make_user

NOV = datetime.date(2026, 11, 1)
STATEMENT_HEADER = "bank_reference,value_date,direction,amount,counterparty_name,counterparty_account,remark\n"


@pytest.fixture
def world(clerk):
    set_business_date(actor=system_actor(), date=datetime.date(2026, 11, 20))
    emp = factories.employer(clerk)
    a = factories.account(clerk, emp, name="甲", base="9000")
    user = factories.portal_login(a)
    agent = make_user("agent1", "employer_agent")
    account_services.link_employer_agent(actor=clerk, user=agent, employer=emp)
    return emp, a, user, agent


def client_for(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def brand_href(page: str) -> str:
    return re.search(r'<a class="navbar-brand" href="([^"]*)"', page).group(1)


def upload(name, text):
    data = io.BytesIO(text.encode("utf-8"))
    data.name = name
    return data


# --- flash messages: one place renders them ---------------------------------------------------------------

def test_only_the_base_template_renders_the_messages():
    """A page that loops over ``messages`` as well as base.html shows each message twice."""
    templates = Path(settings.BASE_DIR) / "templates"
    loops = sorted(str(p.relative_to(templates)) for p in templates.rglob("*.html")
                   if re.search(r"{%\s*for \w+ in messages\s*%}", p.read_text(encoding="utf-8")))
    assert loops == ["base.html"]


# --- the header's title leads each kind of user to their own home --------------------------------------------

def test_header_title_links_each_user_to_their_own_home(world, clerk):
    emp, a, depositor, agent = world
    assert brand_href(client_for(depositor).get("/portal/profile/").content.decode()) == "/portal/"
    assert brand_href(client_for(agent).get("/employer/").content.decode()) == "/employer/"
    assert brand_href(client_for(clerk).get("/counter/").content.decode()) == "/counter/"
    # the public calculator, not logged in: the portal it belongs to (its login), not the counter
    page = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get("/portal/loans/calculator/")
    assert page.status_code == 200 and brand_href(page.content.decode()) == "/portal/"
    # a public page (verifying a document) leads the public to the portal, a staff page to the counter's login
    page = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get("/verify/NO-SUCH-CODE/")
    assert brand_href(page.content.decode()) == "/portal/"
    login = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get("/counter/login/")
    assert login.status_code == 200 and brand_href(login.content.decode()) == "/counter/"
    # and every home the link leads to opens for its user
    assert client_for(depositor).get("/portal/").status_code == 200
    assert client_for(agent).get("/employer/").status_code == 200


# --- the portal navigation is the same on every depositor page -------------------------------------------------

def test_portal_navigation_keeps_every_item_on_every_page(world):
    emp, a, depositor, agent = world
    client = client_for(depositor)
    wanted = [f"/portal/accounts/{a.number}/deposits/", f"/portal/accounts/{a.number}/interest/",
              f"/portal/accounts/{a.number}/statement/", "/portal/withdrawals/", "/portal/profile/",
              "/portal/flexible/"]
    for path in ("/portal/", "/portal/profile/", "/portal/withdrawals/", "/portal/loans/", "/portal/certificates/"):
        response = client.get(path)
        assert response.status_code == 200, path
        nav = response.content.decode().split('<ul class="nav nav-pills mb-4">', 1)[1].split("</ul>", 1)[0]
        for href in wanted:
            assert f'href="{href}"' in nav, (path, href)


# --- a failed upload or import: back to the page (GET), the error report shown there once -----------------------

def test_failed_statement_import_redirects_and_keeps_the_rows(world, finance):
    bank = factories.bank_account()
    client = client_for(finance)
    csv_text = STATEMENT_HEADER + "S1,15/11/2026,C,100.00,甲公司,,\nS2,2026-11-15,X,-1,乙公司,,\n"
    response = client.post(reverse("deposits:bank_import"), {"bank_account": bank.pk, "closing_balance": "100",
                                                              "file": upload("s.csv", csv_text)})
    assert response.status_code == 302 and response["Location"] == reverse("deposits:bank")
    page = client.get(response["Location"]).content.decode()
    assert "第 2 行，value_date：应为 YYYY-MM-DD 格式的日期" in page
    assert 'value="100"' in page  # what was typed is kept
    # the heading counts the problems and does not repeat the first one
    assert "文件有 3 处错误，未做任何更改。" in page and page.count("第 2 行，value_date") == 1
    # switching the language (or reloading) lands on the page, without the old report
    switched = client.post("/i18n/setlang/", {"language": "en", "next": reverse("deposits:bank")}, follow=True)
    assert switched.status_code == 200 and "Row 2" not in switched.content.decode()
    assert "Import" in switched.content.decode()  # the English page
    assert BankStatementLine.objects.count() == 0


def test_failed_remittance_upload_redirects_and_lists_the_rows_once(world, clerk):
    emp, a, depositor, agent = world
    draft = remittance.generate_list(actor=clerk, employer=emp, month=NOV)
    client = client_for(clerk)
    text = "个人账号,姓名,缴存基数,个人缴存比例(%),单位缴存比例(%)\nX1,某,5000,7,7\n" + f"{a.number},甲,abc,7,7\n"
    response = client.post(reverse("deposits:remittance_upload", args=[draft.reference]),
                           {"file": upload("bad.csv", text)})
    assert response.status_code == 302
    assert response["Location"] == reverse("deposits:remittance", args=[draft.reference])
    page = client.get(response["Location"]).content.decode()
    assert "文件有 2 处错误，未做任何更改。" in page
    assert page.count("第 2 行，个人账号：X1 不是本单位职工") == 1 and page.count("第 3 行，缴存基数：不是数字") == 1
    assert "第 2 行" not in client.get(response["Location"]).content.decode()  # shown once
    assert RemittanceList.objects.get(pk=draft.pk).total == draft.total


def test_employer_portal_upload_errors_list_each_row_once(world, clerk):
    emp, a, depositor, agent = world
    draft = remittance.generate_list(actor=clerk, employer=emp, month=NOV)
    client = client_for(agent)
    text = "个人账号,姓名,缴存基数,个人缴存比例(%),单位缴存比例(%)\nX1,某,5000,7,7\n" + f"{a.number},甲,abc,7,7\n"
    response = client.post(f"/employer/remittances/{draft.reference}/upload/", {"file": upload("bad.csv", text)},
                           follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][1] == 302
    assert "文件有 2 处错误，未做任何更改。" in page
    assert page.count("第 2 行，个人账号：X1 不是本单位职工") == 1 and page.count("第 3 行，缴存基数：不是数字") == 1


# --- API: validation errors in the structured shape, never Python text -------------------------------------

def test_api_nested_validation_errors_keep_the_error_shape(world):
    emp, a, depositor, agent = world
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=agent).key}")
    ref = api.post("/api/v1/employer/remittances/", {"month": "2026-11"}, format="json").json()["reference"]
    resp = api.put(f"/api/v1/employer/remittances/{ref}/lines/", {"lines": [
        {"account": a.number, "base": "9000", "employee_ratio_percent": "12", "employer_ratio_percent": "12"},
        {"account": a.number, "employee_ratio_percent": "12"}]}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert resp.status_code == 400
    body = resp.json()
    assert set(body) == {"code", "message", "fields"} and body["code"] == "invalid"
    assert body["fields"] == {"lines.1.base": ["此项为必填项。"], "lines.1.employer_ratio_percent": ["此项为必填项。"]}
    assert body["message"] == "此项为必填项。"
    assert "ErrorDetail" not in resp.content.decode() and "{'" not in resp.content.decode()


# --- the employer's phone ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("typed", "kept"), [
    ("13800000001", "13800000001"), ("+86 138 0000 0001", "13800000001"), ("0755-12345678", "0755-12345678"),
    ("(010)87654321", "010-87654321"), ("075512345678", "0755-12345678"), ("0755-12345678-801", "0755-12345678-801"),
])
def test_phone_accepts_a_mobile_or_a_landline_with_area_code(typed, kept):
    assert identity.validate_phone(typed) == kept


@pytest.mark.parametrize("typed", ["12345", "1380000000", "23800000001", "12345678", "0755-0234567", "电话", "",
                                   "138000000012"])
def test_phone_refuses_anything_else(typed):
    with pytest.raises(ValidationError):
        identity.validate_phone(typed)


EMPLOYER_POST = {
    "uscc": "91110000802100433B", "name": "新华书店", "address": "示范市中山路3号", "legal_representative": "刘洋",
    "contact_name": "孙丽", "contact_phone": "123", "economic_type": "50", "industry": "零售",
    "payday": "10", "bank": "104", "employer_ratio": "10", "employee_ratio": "",
}


def test_employer_phone_is_validated_in_the_form_and_the_service(world, clerk):
    emp, a, depositor, agent = world
    client = client_for(clerk)
    response = client.post(reverse("accounts:employer_new"), EMPLOYER_POST)
    assert response.status_code == 200
    assert "请填写手机号码（11 位，以 1 开头）或带区号的固定电话，例如 0755-12345678。" in response.content.decode()
    assert not Employer.objects.filter(uscc=EMPLOYER_POST["uscc"]).exists()
    client.post(reverse("accounts:employer_new"), {**EMPLOYER_POST, "contact_phone": "0755 2345 6789"})
    assert Employer.objects.get(uscc=EMPLOYER_POST["uscc"]).contact_phone == "0755-23456789"
    with pytest.raises(InvalidInput) as exc:
        account_services.change_employer(actor=clerk, employer=emp, contact_phone="555-1234")
    assert list(exc.value.fields) == ["contact_phone"]
    emp.refresh_from_db()
    assert emp.contact_phone == "13800000001"


def test_refused_flexible_registration_redirects_to_its_page(world, clerk):
    client = client_for(clerk)
    data = {"name": "灵活", "id_number": factories.make_id(), "phone": "13912345678", "base": "9380.50", "ratio": "30"}
    response = client.post("/counter/deposits/flexible/register/", data)
    assert response.status_code == 302 and response["Location"] == "/counter/deposits/flexible/"
    page = client.get("/counter/deposits/flexible/").content.decode()
    refusal = "灵活就业人员缴存比例须在缴存基数的 10% 至 24% 之间"
    assert refusal in page and 'value="9380.50"' in page
    assert refusal not in client.get("/counter/deposits/flexible/").content.decode()


def test_a_refused_field_is_not_repeated_as_the_alerts_heading(world, clerk):
    emp, a, depositor, agent = world
    draft = remittance.generate_list(actor=clerk, employer=emp, month=NOV)
    client = client_for(clerk)
    page = client.post(reverse("deposits:remittance_line", args=[draft.reference]),
                       {"account": a.number, "base": "40000"}, follow=True).content.decode()
    message = re.search(r"缴存基数 40,000\.00 超出允许范围（[^）]*）。", page).group(0)
    alert = page.split('id="action-errors">', 1)[1].split("</div>\n", 1)[0]
    # the alert lists the field with its message, once, with no heading repeating it
    assert alert.count(message) == 1 and f"<strong>缴存基数</strong> {message}" in alert
    assert f'<div class="invalid-feedback d-block" data-field="base">{message}</div>' in page


def test_a_kept_form_is_shown_once_and_only_on_its_page(db):
    from django import forms as django_forms
    from django.contrib.sessions.backends.db import SessionStore
    from django.test import RequestFactory

    from core import failed_forms

    class NameForm(django_forms.Form):
        name = django_forms.CharField(max_length=3)

    request = RequestFactory().post("/x/", {"name": "too long"})
    request.session = SessionStore()
    form = NameForm(request.POST)
    assert not form.is_valid()
    failed_forms.keep(request, "page-a", "name_form", form)
    shown = failed_forms.restore(request, "page-a", {"name_form": NameForm})["name_form"]
    assert not shown.is_bound and shown["name"].value() == "too long"
    assert list(shown.errors["name"]) == list(form.errors["name"]) and len(shown.errors["name"]) == 1
    assert failed_forms.restore(request, "page-a", {"name_form": NameForm}) == {}  # once
    failed_forms.keep(request, "page-a", "name_form", form)
    assert failed_forms.restore(request, "page-b", {"name_form": NameForm}) == {}  # another page: dropped
    assert failed_forms.restore(request, "page-a", {"name_form": NameForm}) == {}


def test_the_api_error_shape_never_carries_python_text():
    from rest_framework import serializers

    from core.api import exception_handler

    listed = exception_handler(serializers.ValidationError(["第一条", "第二条"]), {}).data
    assert listed == {"code": "invalid", "message": "第一条", "fields": {}}
    detail = {"lines": [{}, {"amount": ["金额有误"]}], "heirs": {"0": {"card": ["卡号有误"]}}, "month": ["月份有误"]}
    nested = exception_handler(serializers.ValidationError(detail), {}).data
    assert nested["fields"] == {"lines.1.amount": ["金额有误"], "heirs.0.card": ["卡号有误"], "month": ["月份有误"]}
    assert nested["message"] == "金额有误" and nested["code"] == "invalid"
