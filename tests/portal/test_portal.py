import datetime
import io
from decimal import Decimal

import pytest
from django.http import Http404
from django.test import Client
from openpyxl import load_workbook

from accounts import services as account_services
from accounts.models import FundAccount
from core.actors import system_actor
from core.business_date import set_business_date
from deposits.models import RemittanceList
from deposits.services import remittance
from tests import factories
from tests.conftest import make_user

NOV = datetime.date(2026, 11, 1)


@pytest.fixture
def world(clerk):
    set_business_date(actor=system_actor(), date=datetime.date(2026, 11, 20))
    emp = factories.employer(clerk)
    a = factories.account(clerk, emp, name="甲", base="9000")
    b = factories.account(clerk, emp, name="乙", base="5000")
    for account in (a, b):
        user = make_user(account.depositor.id_number, "depositor")
        account.depositor.user = user
        account.depositor.save(update_fields=["user"])
    agent = make_user("agent1", "employer_agent")
    account_services.link_employer_agent(actor=clerk, user=agent, employer=emp)
    return emp, a, b, agent


def login_depositor(account):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    resp = client.post("/portal/login/", {"username": account.depositor.id_number.lower(), "password": "pw-Secret-123"})
    assert resp.status_code == 302 and resp.url == "/portal/"
    return client


def test_depositor_sees_own_balance_and_deposits(world, clerk):
    emp, a, b, agent = world
    rem = remittance.generate_list(actor=clerk, employer=emp, month=NOV)
    remittance.confirm_list(actor=clerk, remittance=rem)
    bank = factories.bank_account()
    (line,) = factories.statement(
                               bank_account=bank, rows=[{"bank_reference": "P1", "value_date": "2026-11-15",
                                                        "direction": "C", "amount": str(rem.total),
                                                        "remark": rem.reference}])
    remittance.pay_from_statement(actor=clerk, remittance=rem, line=line)
    client = login_depositor(a)
    page = client.get("/portal/").content.decode()
    assert "2,160.00" in page  # 9,000 × 24%
    assert "2026-11" in page and a.number in page
    page = client.get(f"/portal/accounts/{a.number}/deposits/").content.decode()
    assert "1,080.00" in page and "2,160.00" in page
    # another depositor's pages are not reachable
    assert client.get(f"/portal/accounts/{b.number}/deposits/").status_code == 404
    profile = client.get("/portal/profile/").content.decode()
    assert a.depositor.id_number not in profile and a.depositor.id_number[:3] + "***" in profile


def test_wrong_password_and_bad_id_number(world):
    emp, a, b, agent = world
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    resp = client.post("/portal/login/", {"username": a.depositor.id_number, "password": "nope"})
    assert resp.status_code == 200 and "_auth_user_id" not in client.session
    resp = client.post("/portal/login/", {"username": "12345", "password": "x"})
    assert "身份证号码应为 18 位" in resp.content.decode()


def test_staff_and_agents_cannot_use_depositor_portal(world, clerk):
    emp, a, b, agent = world
    client = Client()
    client.force_login(clerk)
    assert client.get("/portal/").status_code == 403
    client.force_login(agent)
    assert client.get("/portal/").status_code == 403
    assert Client().get("/portal/").status_code == 302


def test_employer_portal_generate_upload_confirm(world):
    emp, a, b, agent = world
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(agent)
    resp = client.post("/employer/remittances/new/", {"month": "2026-11"})
    rem = RemittanceList.objects.get(employer=emp)
    assert resp.url == f"/employer/remittances/{rem.reference}/"
    xlsx = client.get(f"/employer/remittances/{rem.reference}/template/").getvalue()
    ws = load_workbook(io.BytesIO(xlsx)).active
    ws["C2"] = "10000.00"
    out = io.BytesIO()
    ws.parent.save(out)
    out.seek(0)
    out.name = "list.xlsx"
    client.post(f"/employer/remittances/{rem.reference}/upload/", {"file": out})
    rem.refresh_from_db()
    assert rem.total == Decimal("3600.00")
    bad = io.BytesIO("个人账号,姓名,缴存基数,个人缴存比例(%),单位缴存比例(%)\nX1,某,1,12,12\n".encode())
    bad.name = "bad.csv"
    resp = client.post(f"/employer/remittances/{rem.reference}/upload/", {"file": bad}, follow=True)
    assert "第 2 行，个人账号：X1 不是本单位职工" in resp.content.decode()
    rem.refresh_from_db()
    assert rem.total == Decimal("3600.00")
    client.post(f"/employer/remittances/{rem.reference}/confirm/")
    rem.refresh_from_db()
    assert rem.status == "confirmed"
    page = client.get("/employer/").content.decode()
    assert "3,600.00" in page


def test_employer_portal_scoped(world, clerk):
    emp, a, b, agent = world
    other = factories.employer(clerk, name="别家")
    factories.account(clerk, other, name="丙")
    theirs = remittance.generate_list(actor=clerk, employer=other, month=NOV)
    client = Client()
    client.force_login(agent)
    assert client.get(f"/employer/remittances/{theirs.reference}/").status_code == 404
    assert client.get(f"/employer/remittances/{theirs.reference}/template/").status_code == 404
    client.force_login(make_user("someone", "depositor"))
    assert client.get("/employer/").status_code == 403


def test_interest_breakdown_pages(world, clerk, finance):
    """The DOMAIN.md §2.3 account: the depositor and the staff see the same re-performable breakdown."""
    from core.business_date import set_business_date as set_day
    from ledger.posting import credit, debit, post

    emp, a, b, agent = world
    bank = factories.bank_account()
    movements = [(datetime.date(2025, 7, 1), "50000.00")] + [
        (datetime.date(2025 + (m > 12), (m - 1) % 12 + 1, 10), "2000.00") for m in range(7, 19)]
    for day, amount in movements:
        entry = post(actor=system_actor(),
                     lines=[debit(bank.ledger_account, amount), credit(a.ledger_account, amount)], memo="deposit",
                     business_date=day)
        factories.bank_received(bank, entry)
    entry = post(actor=system_actor(),
                 lines=[debit(a.ledger_account, "10000.00"), credit(bank.ledger_account, "10000.00")],
                 memo="withdrawal", business_date=datetime.date(2026, 3, 15))
    from ledger.models import BankStatementLine

    BankStatementLine.objects.create(bank_account=bank, bank_reference="W1", value_date=entry.business_date,
                                     direction="D", amount=Decimal("10000.00"), match_status="booked", entry=entry)
    set_day(actor=system_actor(), date=datetime.date(2026, 7, 1))
    client = login_depositor(a)
    page = client.get(f"/portal/accounts/{a.number}/interest/?year=2026").content.decode()
    assert "21,682,000.00" in page and "903.42" in page
    assert client.get(f"/portal/accounts/{b.number}/interest/").status_code == 404
    staff = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    staff.force_login(clerk)
    page = staff.get(f"/counter/deposits/accounts/{a.number}/interest/?year=2026").content.decode()
    assert "903.42" in page
    staff.force_login(finance)
    resp = staff.post("/counter/deposits/interest/settle/", {"year": "2026"}, follow=True)
    assert "2026" in resp.content.decode()
    from ledger.models import Account

    assert Account.objects.get(pk=a.ledger_account_id).balance == Decimal("64903.42")
    resp = staff.post("/counter/deposits/interest/settle/", {"year": "2026"}, follow=True)
    assert "已结息" in resp.content.decode()
    assert Account.objects.get(pk=a.ledger_account_id).balance == Decimal("64903.42")
    assert "100%" in staff.get("/counter/deposits/interest/progress/").content.decode()
    staff.force_login(clerk)
    assert staff.post("/counter/deposits/interest/settle/", {"year": "2026"}).status_code == 403


def test_the_portal_s_kept_queries_answer_each_depositor_with_their_own_rows(world, clerk):
    """The portal's own-row queries are compiled once for every depositor (core.visibility.own_rows): the second
    depositor, served from the SQL kept for the first, sees their own account, deposits and history, never the
    first one's; a build that reaches the real user by another way is not kept."""
    from core import compiled, visibility
    from portal import selectors

    compiled.clear()
    emp, a, b, _agent = world
    rem = remittance.generate_list(actor=clerk, employer=emp, month=NOV)
    remittance.confirm_list(actor=clerk, remittance=rem)
    users = [type(clerk).objects.get(pk=x.depositor.user_id) for x in (a, b)]
    for user, own, other in ((users[0], a, b), (users[1], b, a), (users[0], a, b)):
        assert selectors.current_account(viewer=user).pk == own.pk
        assert selectors.account_of(viewer=user, number=own.number).pk == own.pk
        with pytest.raises(Http404):
            selectors.account_of(viewer=user, number=other.number)
    kept = [k for k, entry in compiled._cache.items() if k[0][0] in ("portal_accounts", "portal_account")]
    assert len(kept) == 2 and all(compiled._cache[k] is not None for k in kept)  # one for both people

    client = login_depositor(b)
    page = client.get("/portal/").content.decode()
    assert b.number in page and a.number not in page and "乙" in page and "甲" not in page
    menu_bar = '<span class="navbar-text text-white me-2">{}</span>'
    assert menu_bar.format("乙") in page  # the menu bar's name, kept once for every depositor
    assert menu_bar.format("甲") in login_depositor(a).get("/portal/").content.decode()
    staff = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    staff.force_login(clerk)
    assert menu_bar.format("clerk1") in staff.get("/counter/").content.decode()  # staff: by name, else user name
    assert client.get(f"/portal/accounts/{a.number}/deposits/").status_code == 404

    def careless(user):  # closes over the real viewer instead of the stand-in it is given
        return FundAccount.objects.filter(depositor__user=users[1])

    for _ in range(compiled.MAX_TRIES):
        assert [x.pk for x in visibility.own_rows("careless", users[1], careless)] == [b.pk]
    assert compiled._cache[(("careless", visibility.shape_key(users[1])), (False,))] is None
    assert [x.pk for x in visibility.own_rows("careless", users[0], careless)] == [b.pk]  # the ORM, as written


def test_an_agent_s_kept_query_keeps_to_their_employer(world, clerk):
    """An employer agent's own rows through a kept query: their employer's accounts, never another employer's,
    for the agent whose employer made the key and for an agent of another employer."""
    from core import compiled, visibility

    compiled.clear()
    emp, a, b, agent = world
    other_emp = factories.employer(clerk)
    c = factories.account(clerk, other_emp, name="丙")
    other_agent = make_user("agent2", "employer_agent")
    account_services.link_employer_agent(actor=clerk, user=other_agent, employer=other_emp)

    def employees(user):
        return FundAccount.objects.visible_to(user).order_by("pk")

    for _ in range(2):
        assert [x.pk for x in visibility.own_rows("agent_accounts", agent, employees)] == [a.pk, b.pk]
        assert [x.pk for x in visibility.own_rows("agent_accounts", other_agent, employees)] == [c.pk]
