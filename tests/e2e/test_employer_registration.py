"""A new employer in Chromium: it registers online, the counter approves the application (the employer account is
opened), the applicant logs in to the employer portal with the code and the password chosen, and later seals the
account of an employee who left."""

import datetime
import os
import re
from decimal import Decimal

import pytest

from core.actors import system_actor

if not os.path.exists("/usr/bin/chromium"):
    pytest.skip("Chromium is not installed at /usr/bin/chromium (apt-get install -y chromium)",
                allow_module_level=True)
pytest.importorskip("playwright", reason="Playwright is not installed")

from playwright.sync_api import expect  # noqa: E402

from accounts import services as account_services  # noqa: E402
from accounts.models import Employer, EmployerRegistration, FundAccount  # noqa: E402
from core import roles  # noqa: E402
from core.business_date import set_business_date  # noqa: E402
from tests.conftest import make_user  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]

PASSWORD = "pw-Secret-123"
AGENT_PASSWORD = "Qiye-Mima-2026"
USCC = "914403001922038216"


def log_in(page, live_server, path, username, password):
    page.goto(f"{live_server.url}{path}")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page).not_to_have_url(re.compile(r"/login/"))


def test_an_employer_registers_online_is_approved_and_seals_an_employee(page, live_server):
    set_business_date(actor=system_actor(), date=datetime.date(2026, 11, 2))
    clerk = make_user("registration_e2e_clerk", roles.CLERK, password=PASSWORD)

    # The employer applies from the login page of the employer portal.
    page.goto(f"{live_server.url}/employer/login/")
    page.locator("#employer-register").click()
    page.locator("#id_uscc").fill(USCC.lower())
    page.locator("#id_name").fill("示范网络科技有限公司")
    page.locator("#id_address").fill("示范市人民路 8 号")
    page.locator("#id_legal_representative").fill("赵明")
    page.locator("#id_contact_name").fill("钱丽")
    page.locator("#id_contact_phone").fill("555-1234")  # not a phone number
    page.locator("#id_economic_type").select_option("80")
    page.locator("#id_payday").fill("15")
    page.locator("#id_bank").select_option("105")
    page.locator("#id_password1").fill(AGENT_PASSWORD)
    page.locator("#id_password2").fill(AGENT_PASSWORD)
    page.locator("#register").click()
    expect(page.locator("[data-field=contact_phone]")).to_contain_text("请填写手机号码")
    assert EmployerRegistration.objects.count() == 0
    page.locator("#id_contact_phone").fill("138 0013 8000")
    page.locator("#id_password1").fill(AGENT_PASSWORD)  # a refused form never sends the password back
    page.locator("#id_password2").fill(AGENT_PASSWORD)
    page.locator("#register").click()
    registration = EmployerRegistration.objects.get()
    expect(page.locator("#registration-reference")).to_have_text(registration.reference)

    # The counter approves it from the queue.
    log_in(page, live_server, "/counter/login/", clerk.username, PASSWORD)
    page.goto(f"{live_server.url}/counter/employers/")
    page.locator("#online-registrations").click()
    page.get_by_role("link", name=registration.reference).click()
    expect(page.locator("#registration-status")).to_have_text("待柜台审核")
    page.locator("#approve").click()
    employer = Employer.objects.get(uscc=USCC)
    expect(page).to_have_url(re.compile(f"/counter/employers/{employer.account_number}/$"))
    expect(page.locator("body")).to_contain_text(employer.account_number)

    # An employee is registered at the counter; the applicant logs in with the code and the password chosen.
    person = account_services.register_depositor(actor=clerk, name="孙七", id_number="110101199003070011")
    account = account_services.open_account(actor=clerk, employer=employer, depositor=person, base=Decimal("6000"))
    set_business_date(actor=system_actor(), date=datetime.date(2026, 11, 20))
    page.context.clear_cookies()
    log_in(page, live_server, "/employer/login/", USCC, AGENT_PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_contain_text("示范网络科技有限公司")
    expect(page.locator("#pay-into")).to_contain_text("中心归集账户尚未设置")
    expect(page.locator("#employees")).to_contain_text("孙七")

    # The employee left: the agent seals the account with the date and the reason.
    page.locator("#employees").get_by_role("link", name="封存（离职）").click()
    page.locator("#id_sealed_on").fill("2026-11-30")  # after today: refused
    page.locator("#id_reason").fill("合同到期离职")
    page.locator("#seal").click()
    expect(page.locator("[data-field=sealed_on]")).to_contain_text("离职日期不能晚于今天")
    page.locator("#id_sealed_on").fill("2026-11-16")
    page.locator("#seal").click()
    expect(page.locator(".alert-success")).to_contain_text(f"孙七 的账户 {account.number} 已封存")
    expect(page.locator("#employees")).to_contain_text("封存")
    account.refresh_from_db()
    assert (account.status, account.sealed_on, account.seal_reason) == (
        FundAccount.Status.SEALED, datetime.date(2026, 11, 16), "合同到期离职")
