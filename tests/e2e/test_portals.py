"""The employer agent and the depositor, in Chromium: the agent uploads the month's list and confirms it; once
the money arrives the depositor sees the credit and the interest breakdown, and nobody else can open it."""

import datetime
import os
from decimal import Decimal

import pytest

from core.actors import system_actor

if not os.path.exists("/usr/bin/chromium"):
    pytest.skip("Chromium is not installed at /usr/bin/chromium (apt-get install -y chromium)",
                allow_module_level=True)
pytest.importorskip("playwright", reason="Playwright is not installed")

from playwright.sync_api import expect  # noqa: E402

from accounts import services as account_services  # noqa: E402
from core import roles  # noqa: E402
from core.business_date import set_business_date  # noqa: E402
from deposits.models import RemittanceList  # noqa: E402
from deposits.services import remittance as remittance_services  # noqa: E402
from deposits.services.remittance_files import HEADERS  # noqa: E402
from ledger.models import Account  # noqa: E402
from ledger.reconciliation import run_checks  # noqa: E402
from ledger.services import create_bank_account  # noqa: E402
from tests import factories  # noqa: E402
from tests.conftest import make_user  # noqa: E402
from tests.e2e.test_counter import PASSWORD  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]


@pytest.fixture
def world():
    set_business_date(actor=system_actor(), date=datetime.date(2026, 11, 20))
    clerk = make_user("portal_e2e_clerk", roles.CLERK, password=PASSWORD)
    employer = account_services.register_employer(
        actor=clerk, uscc="91350100M000100Y43", name="示范科技有限公司", address="示范市人民路1号",
        legal_representative="王强", contact_name="李丽", contact_phone="13800000001", economic_type="80",
        payday=10, bank="102", employee_ratio=Decimal("0.12"), employer_ratio=Decimal("0.12"))
    accounts = []
    for name, id_number, base in (("张三丰", "110101199003070011", "9000"), ("李四", "320106198508151235", "5000")):
        person = account_services.register_depositor(actor=clerk, name=name, id_number=id_number)
        account = account_services.open_account(actor=clerk, employer=employer, depositor=person, base=Decimal(base))
        person.user = make_user(id_number, roles.DEPOSITOR, password=PASSWORD)
        person.save(update_fields=["user"])
        accounts.append(account)
    agent = make_user("agent_e2e", password=PASSWORD)
    account_services.link_employer_agent(actor=clerk, user=agent, employer=employer)
    bank = create_bank_account(actor=system_actor(),
                               bank="102", number="6222000011112222", name="示范市住房公积金管理中心归集户")
    return clerk, employer, accounts, agent, bank


def portal_log_in(page, live_server, path, username):
    page.goto(f"{live_server.url}{path}")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def test_agent_uploads_and_confirms_then_depositor_sees_credit_and_interest(page, live_server, world):
    clerk, employer, (zhang, li), agent, bank = world

    # The employer agent makes November's list, uploads the corrected file and confirms it.
    portal_log_in(page, live_server, "/employer/login/", agent.username)
    page.locator("#id_month").fill("2026-11")
    page.get_by_role("button", name="生成清册").click()
    expect(page.locator("#total")).to_have_text("3,360.00")  # (9,000 + 5,000) × 24%
    csv_text = "\n".join([",".join(HEADERS), f"{zhang.number},张三丰,10000.00,12,12",
                          f"{li.number},李四,5000.00,12,12"]) + "\n"
    page.locator("#id_file").set_input_files(files=[{"name": "list.csv", "mimeType": "text/csv",
                                                     "buffer": csv_text.encode("utf-8")}])
    page.locator("#upload").click()
    expect(page.locator("#total")).to_have_text("3,600.00")
    page.locator("#confirm").click()
    expect(page.locator("#remittance-status")).to_have_text("已确认，待缴款")
    remittance = RemittanceList.objects.get(employer=employer)
    assert (remittance.status, remittance.total) == ("confirmed", Decimal("3600.00"))

    # The money arrives at the bank quoting the reference; the matching run posts the list.
    factories.statement(bank_account=bank, rows=[{
        "bank_reference": "E2EP001", "value_date": "2026-11-20", "direction": "C", "amount": "3600.00",
        "remark": f"公积金{remittance.reference}", "counterparty_name": employer.name}])
    assert remittance_services.match_incoming(actor=system_actor())["posted"] == 1
    set_business_date(actor=system_actor(), date=datetime.date(2026, 12, 1))

    # The depositor logs in with the ID number and sees the credit and the interest so far.
    page.context.clear_cookies()
    portal_log_in(page, live_server, "/portal/login/", zhang.depositor.id_number)
    expect(page.locator("#balance")).to_have_text("2,400.00")  # 10,000 × 24%
    expect(page.locator("#deposits")).to_contain_text("2026-11")
    page.get_by_role("link", name="利息", exact=True).click()
    expect(page.locator("#product")).to_have_text("26,400.00")  # 2,400 × 11 days (11-20 … 11-30)
    expect(page.locator("#interest")).to_have_text("1.10")  # 26,400 × 1.5% / 360
    interest_url = page.url

    # Another depositor cannot open that page.
    page.context.clear_cookies()
    portal_log_in(page, live_server, "/portal/login/", li.depositor.id_number)
    expect(page.locator("#balance")).to_have_text("1,200.00")
    response = page.goto(interest_url)
    assert response.status == 404
    assert Account.objects.get(pk=zhang.ledger_account_id).balance == Decimal("2400.00")
    assert run_checks()["ok"]
