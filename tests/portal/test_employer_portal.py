"""The employer portal: what is due and where to pay it, the employee list (paged and searched), the month of the
next list, online employer registration with the counter's decision, and sealing an employee who left."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from accounts import services as account_services
from accounts.models import AccountEvent, Employer, EmployerRegistration, FundAccount
from core.actors import system_actor
from core.business_date import set_business_date
from core.models import Notification
from deposits.models import RemittanceList
from deposits.services import remittance
from ledger import services as ledger_services
from tests import factories
from tests.conftest import make_user

AUG, SEP, OCT = datetime.date(2026, 8, 1), datetime.date(2026, 9, 1), datetime.date(2026, 10, 1)
PASSWORD = "Qiye-Mima-2026"


def client_for(user=None):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    if user is not None:
        client.force_login(user)
    return client


def html(response):
    return response.content.decode()


@pytest.fixture
def world(clerk):
    """An employer opened on 2026-08-01 with two employees (9,000.55 and 5,000 at 12% + 12%), its agent, and the
    center's deposit-collection accounts at two banks; the business date is 2026-11-20."""
    set_business_date(actor=system_actor(), date=datetime.date(2026, 8, 1))
    emp = factories.employer(clerk, bank="102", opened_on=AUG)
    a = factories.account(clerk, emp, name="甲", base="9000.55")
    b = factories.account(clerk, emp, name="乙", base="5000")
    set_business_date(actor=system_actor(), date=datetime.date(2026, 11, 20))
    ledger_services.create_bank_account(actor=system_actor(), bank="104", number="104000000000580104",
                                        name="示范市住房公积金管理中心归集户（中国银行）")
    icbc = ledger_services.create_bank_account(actor=system_actor(), bank="102", number="102000000000580102",
                                               name="示范市住房公积金管理中心归集户（工商银行）")
    agent = make_user("agent1", "employer_agent")
    account_services.link_employer_agent(actor=clerk, user=agent, employer=emp)
    return emp, a, b, agent, icbc


def _pay(clerk, emp, month, bank, ref):
    rem = remittance.generate_list(actor=clerk, employer=emp, month=month)
    remittance.confirm_list(actor=clerk, remittance=rem)
    (line,) = factories.statement(bank_account=bank, rows=[{
        "bank_reference": ref, "value_date": "2026-11-18", "direction": "C", "amount": str(rem.total),
        "remark": rem.reference}])
    remittance.pay_from_statement(actor=clerk, remittance=rem, line=line)
    return rem


# --- (a) what is due, and where to pay it -----------------------------------------------------------------------

def test_home_shows_the_amount_due_to_the_fen_with_arrears_and_the_collection_account(world, clerk):
    emp, a, b, agent, icbc = world
    _pay(clerk, emp, AUG, icbc, "P-AUG")
    september = remittance.generate_list(actor=clerk, employer=emp, month=SEP)
    remittance.confirm_list(actor=clerk, remittance=september)
    # each month: 9,000.55 × 12% = 1,080.066 → 1,080.07 twice, 5,000 × 12% = 600 twice: 3,360.14
    assert september.total == Decimal("3360.14")

    page = html(client_for(agent).get("/employer/"))
    # September waits for payment (its list); October and November are in arrears (past the 15th): 3 × 3,360.14
    assert 'id="due">10,080.42<' in page
    assert "其中欠缴：2 个月，6,720.28 元" in page
    assert page.count('data-kind="arrears"') == 2 and page.count('data-kind="list"') == 1
    assert september.reference in page and "2026-10" in page and "2026-11-15" in page  # November's deadline
    # the center's collection account at the employer's entrusted bank (ICBC), not the first one set up
    assert 'id="pay-into-name">示范市住房公积金管理中心归集户（工商银行）<' in page
    assert 'id="pay-into-bank">中国工商银行<' in page
    assert 'id="pay-into-number">102000000000580102<' in page

    # paying September's list takes it off; the arrears stay
    (line,) = factories.statement(bank_account=icbc, rows=[{
        "bank_reference": "P-SEP", "value_date": "2026-11-19", "direction": "C", "amount": "3360.14",
        "remark": september.reference}])
    remittance.pay_from_statement(actor=clerk, remittance=september, line=line)
    page = html(client_for(agent).get("/employer/"))
    assert 'id="due">6,720.28<' in page and september.reference not in page.split('id="dues"')[1].split("</table>")[0]


def test_nothing_due_shows_zero(world):
    emp, a, b, agent, icbc = world
    Employer.objects.filter(pk=emp.pk).update(paid_up_to=datetime.date(2026, 11, 1))
    page = html(client_for(agent).get("/employer/"))
    assert 'id="due">0.00<' in page and 'id="dues"' not in page


# --- (b) the employee list: paged, searched, every page number safe ----------------------------------------------

def test_employees_are_paged_and_searched(world, clerk, monkeypatch):
    emp, a, b, agent, icbc = world
    more = [factories.account(clerk, emp, name=name, base="3000") for name in ("丙", "丁", "戊")]
    other = factories.account(clerk, factories.employer(clerk, name="别家"), name="己")
    monkeypatch.setattr("portal.selectors.EMPLOYEES_PER_PAGE", 2)
    client = client_for(agent)
    numbers = sorted(x.number for x in (a, b, *more))

    def rows(response):
        assert response.status_code == 200
        body = html(response).split('id="employees"')[1].split("</table>")[0]
        return [n for n in numbers + [other.number] if n in body]

    assert rows(client.get("/employer/")) == numbers[:2]
    assert rows(client.get("/employer/", {"page": "2"})) == numbers[2:4]
    assert rows(client.get("/employer/", {"page": "99999"})) == numbers[4:]  # the last page
    assert rows(client.get("/employer/", {"page": "abc"})) == numbers[:2]
    assert rows(client.get("/employer/", {"page": "-1"})) == numbers[4:]
    assert 'id="employee-count">共 5 条记录<' in html(client.get("/employer/"))
    assert 'id="employee-count">共 1 条记录<' in html(client.get("/employer/", {"q": "丙"}))
    assert rows(client.get("/employer/", {"q": "丙"})) == [more[0].number]
    assert rows(client.get("/employer/", {"q": b.depositor.id_number.lower()})) == [b.number]
    assert rows(client.get("/employer/", {"q": a.number})) == [a.number]
    assert rows(client.get("/employer/", {"q": "己"})) == []  # another employer's employee
    assert rows(client.get("/employer/", {"q": other.depositor.id_number})) == []
    assert rows(client.get("/employer/", {"q": "x" * 5000, "page": "\x00"})) == numbers[:2]
    page2 = html(client.get("/employer/", {"q": "", "page": "1"}))
    assert 'href="?q=&amp;page=2"' in page2


# --- (c) the month of the next list ------------------------------------------------------------------------------

def test_the_default_month_is_the_next_one_due(world, clerk):
    emp, a, b, agent, icbc = world
    client = client_for(agent)
    assert 'name="month" value="2026-08"' in html(client.get("/employer/"))  # nothing paid: the opening month
    _pay(clerk, emp, AUG, icbc, "P-AUG")
    assert 'name="month" value="2026-09"' in html(client.get("/employer/"))
    remittance.generate_list(actor=clerk, employer=emp, month=SEP)  # a draft counts as made
    assert 'name="month" value="2026-10"' in html(client.get("/employer/"))
    Employer.objects.filter(pk=emp.pk).update(paid_up_to=datetime.date(2026, 11, 1))
    assert 'name="month" value="2026-11"' in html(client.get("/employer/"))  # never after the business month
    # and the default makes the list
    response = client.post("/employer/remittances/new/", {"month": "2026-10"})
    assert response.status_code == 302
    assert RemittanceList.objects.filter(employer=emp, month=OCT, total=Decimal("3360.14")).exists()


# --- (d) online employer registration ----------------------------------------------------------------------------

def registration_post(**changes):
    data = {"uscc": "91350100M000100Y43", "name": "示范网络科技有限公司", "address": "示范市人民路 8 号",
            "legal_representative": "赵明", "contact_name": "钱丽", "contact_phone": "138 0013 8000",
            "economic_type": "80", "industry": "软件", "payday": "15", "bank": "105",
            "password1": PASSWORD, "password2": PASSWORD}
    data.update(changes)
    return data


@pytest.mark.parametrize("changes, message", [
    ({"uscc": "91350100M000100Y44"}, "统一社会信用代码"),
    ({"contact_phone": "555-1234"}, "请填写手机号码"),
    ({"payday": "31"}, "28"),
    ({"password2": "another-one-2026"}, "两次输入的密码不一致"),
    ({"password1": "123", "password2": "123"}, "密码"),
    ({"bank": "999"}, "选择"),
    ({"name": ""}, "此项为必填项"),
    ({"name": "名" * 500}, "120"),
])
def test_a_refused_registration_says_why_and_keeps_nothing(db, changes, message):
    response = client_for().post("/employer/register/", registration_post(**changes))
    assert response.status_code == 400 and message in html(response)
    assert "申请未发送" in html(response)
    assert EmployerRegistration.objects.count() == 0


def test_registration_approved_opens_the_employer_and_the_login(db, clerk):
    anonymous = client_for()
    assert anonymous.get("/employer/register/").status_code == 200
    assert 'href="/employer/register/"' in html(anonymous.get("/employer/login/"))
    response = anonymous.post("/employer/register/", registration_post())
    assert response.status_code == 302 and response["Location"] == "/employer/register/sent/"
    registration = EmployerRegistration.objects.get()
    assert (registration.status, registration.contact_phone, registration.payday) == ("pending", "13800138000", 15)
    assert registration.reference in html(anonymous.get("/employer/register/sent/"))
    # the same code again while it waits
    again = anonymous.post("/employer/register/", registration_post())
    assert again.status_code == 400 and "已在等待柜台审核" in html(again)
    assert EmployerRegistration.objects.count() == 1
    # nobody can log in yet
    assert not anonymous.login(username="91350100M000100Y43", password=PASSWORD)

    # the counter's queue
    staff = client_for(clerk)
    queue = html(staff.get("/counter/employer-registrations/?status=pending"))
    assert registration.reference in queue and "示范网络科技有限公司" in queue
    assert staff.get("/counter/employer-registrations/?status=nonsense&page=zz").status_code == 200
    detail = html(staff.get(f"/counter/employer-registrations/{registration.pk}/"))
    assert "91350100M000100Y43" in detail and 'id="approve"' in detail
    response = staff.post(f"/counter/employer-registrations/{registration.pk}/approve/")
    employer = Employer.objects.get(uscc="91350100M000100Y43")
    assert response.status_code == 302 and response["Location"] == f"/counter/employers/{employer.account_number}/"
    assert (employer.name, employer.contact_phone, employer.payday, employer.bank) == (
        "示范网络科技有限公司", "13800138000", 15, "105")
    assert (employer.employer_ratio, employer.employee_ratio) == (Decimal("0.12"), Decimal("0.12"))
    registration.refresh_from_db()
    assert (registration.status, registration.employer, registration.decided_by) == ("approved", employer, clerk)
    assert registration.password_hash == ""
    assert Notification.objects.filter(address="13800138000", body__contains=employer.account_number).exists()
    # twice is refused, nothing more is opened
    staff.post(f"/counter/employer-registrations/{registration.pk}/approve/")
    assert Employer.objects.filter(uscc="91350100M000100Y43").count() == 1

    # the applicant logs in with the code and the password chosen and sees the new employer
    agent = client_for()
    login = agent.post("/employer/login/", {"username": "91350100M000100Y43", "password": PASSWORD})
    assert login.status_code == 302 and login["Location"] == "/employer/"
    assert employer.account_number in html(agent.get("/employer/"))
    # registering an employer already open is refused
    response = client_for().post("/employer/register/", registration_post())
    assert response.status_code == 400 and "已在中心登记" in html(response)


def test_registration_refused_with_a_reason(db, clerk):
    client_for().post("/employer/register/", registration_post(uscc="914403001922038216"))
    registration = EmployerRegistration.objects.get()
    staff = client_for(clerk)
    # no reason: back to the page (GET) with the error, nothing decided
    response = staff.post(f"/counter/employer-registrations/{registration.pk}/refuse/", {"reason": "  "})
    assert response.status_code == 302
    page = html(staff.get(response["Location"]))
    assert "此项为必填项" in page
    registration.refresh_from_db()
    assert registration.status == "pending"
    response = staff.post(f"/counter/employer-registrations/{registration.pk}/refuse/",
                          {"reason": "营业执照上的名称与申请不符"})
    assert response.status_code == 302
    registration.refresh_from_db()
    assert (registration.status, registration.refusal_reason) == ("refused", "营业执照上的名称与申请不符")
    assert registration.employer is None and not Employer.objects.filter(uscc="914403001922038216").exists()
    assert not get_user_model().objects.filter(username="914403001922038216").exists()
    # approving it afterwards is refused
    staff.post(f"/counter/employer-registrations/{registration.pk}/approve/")
    assert not Employer.objects.filter(uscc="914403001922038216").exists()
    # after a refusal the employer may apply again
    assert client_for().post("/employer/register/", registration_post(uscc="914403001922038216")).status_code == 302


def test_only_counter_staff_decide(db, clerk):
    client_for().post("/employer/register/", registration_post())
    registration = EmployerRegistration.objects.get()
    agent = make_user("agent9", "employer_agent")
    assert client_for(agent).get("/counter/employer-registrations/").status_code == 403
    assert client_for(agent).post(f"/counter/employer-registrations/{registration.pk}/approve/").status_code == 403
    assert client_for().post(f"/counter/employer-registrations/{registration.pk}/approve/").status_code == 302
    auditor = make_user("auditor9", "auditor")
    assert client_for(auditor).get(f"/counter/employer-registrations/{registration.pk}/").status_code == 200
    assert client_for(auditor).post(f"/counter/employer-registrations/{registration.pk}/approve/").status_code == 403
    assert not Employer.objects.filter(uscc=registration.uscc).exists()


# --- (d) sealing an employee who left ----------------------------------------------------------------------------

def test_the_agent_seals_an_employee_who_left(world, clerk):
    emp, a, b, agent, icbc = world
    client = client_for(agent)
    home = html(client.get("/employer/"))
    assert f'href="/employer/employees/{a.number}/seal/"' in home
    url = f"/employer/employees/{a.number}/seal/"
    assert client.get(url).status_code == 200
    for data, message in (({"sealed_on": "2026-12-01", "reason": "离职"}, "不能晚于"),
                          ({"sealed_on": "2026-07-01", "reason": "离职"}, "不能早于"),
                          ({"sealed_on": "2026-11-02", "reason": ""}, "此项为必填项"),
                          ({"sealed_on": "abc", "reason": "离职"}, "日期")):
        response = client.post(url, data)
        assert response.status_code == 400 and message in html(response), data
    a.refresh_from_db()
    assert a.status == "01" and a.sealed_on is None

    response = client.post(url, {"sealed_on": "2026-11-02", "reason": "合同到期离职"})
    assert response.status_code == 302
    a.refresh_from_db()
    assert (a.status, a.sealed_on, a.seal_reason) == ("02", datetime.date(2026, 11, 2), "合同到期离职")
    event = AccountEvent.objects.filter(account=a).last()
    assert (event.business_type, event.actor, event.employer_id) == ("05", agent, emp.pk)
    # the sealed employee is no longer on December's list; sealing twice changes nothing
    response = client.post(url, {"sealed_on": "2026-11-03", "reason": "again"})
    a.refresh_from_db()
    assert a.sealed_on == datetime.date(2026, 11, 2) and response.status_code == 400
    assert "只有正常状态的账户可以封存，该账户当前为“封存”。" in html(response)


def test_an_agent_cannot_seal_someone_elses_employee(world, clerk):
    emp, a, b, agent, icbc = world
    other = factories.account(clerk, factories.employer(clerk, name="别家"), name="己")
    client = client_for(agent)
    assert client.get(f"/employer/employees/{other.number}/seal/").status_code == 404
    assert client.post(f"/employer/employees/{other.number}/seal/",
                       {"sealed_on": "2026-11-02", "reason": "离职"}).status_code == 404
    with pytest.raises(Exception) as refused:
        account_services.seal_account(actor=agent, account=other, reason="离职")
    assert "只能封存本单位职工" in str(refused.value)
    other.refresh_from_db()
    assert other.status == FundAccount.Status.NORMAL


def test_the_public_form_and_the_seal_form_take_any_post(world):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    emp, a, b, agent, icbc = world
    values = st.one_of(st.text(max_size=40), st.sampled_from(["", "0", "-1", "29", "9" * 300, "2026-02-30", "\x00",
                                                              "91350100M000100Y43", "13800138000", "80", "102"]))
    fields = list(registration_post())
    anonymous, agent_client = client_for(), client_for(agent)

    @settings(max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(data=st.fixed_dictionaries({}, optional={f: values for f in fields}),
           seal=st.fixed_dictionaries({}, optional={"sealed_on": values, "reason": values}))
    def fuzz(data, seal):
        assert anonymous.post("/employer/register/", data).status_code in (200, 302, 400)
        assert agent_client.post(f"/employer/employees/{b.number}/seal/", seal).status_code in (302, 400)

    fuzz()
    # nothing half-written: each registration is a complete, valid one
    for registration in EmployerRegistration.objects.all():
        assert registration.status == "pending" and len(registration.uscc) == 18 and 1 <= registration.payday <= 28


def test_one_address_sends_a_few_applications_an_hour(db, monkeypatch):
    monkeypatch.setattr("accounts.services.registrations.PER_ADDRESS_PER_HOUR", 2)
    client = client_for()
    for _ in (1, 2):
        response = client.post("/employer/register/", registration_post(uscc=factories.make_uscc()),
                               REMOTE_ADDR="10.1.2.3")
        assert response.status_code == 302
    response = client.post("/employer/register/", registration_post(uscc=factories.make_uscc()),
                           REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 400 and "该网络地址提交的申请过多" in html(response)
    assert EmployerRegistration.objects.filter(submitted_from="10.1.2.3").count() == 2
    # another address is not held back
    assert client.post("/employer/register/", registration_post(uscc=factories.make_uscc()),
                       REMOTE_ADDR="10.9.9.9").status_code == 302
