"""A clerk at the counter, in Chromium: log in, find a depositor, read the account, open an account."""

import os
from decimal import Decimal

import pytest

from core.actors import system_actor

if not os.path.exists("/usr/bin/chromium"):
    pytest.skip("Chromium is not installed at /usr/bin/chromium (apt-get install -y chromium)",
                allow_module_level=True)
pytest.importorskip("playwright", reason="Playwright is not installed")

from playwright.sync_api import expect  # noqa: E402

from accounts import services  # noqa: E402
from accounts.models import Depositor, FundAccount  # noqa: E402
from core import roles  # noqa: E402
from ledger.posting import credit, debit, post  # noqa: E402
from ledger.services import create_bank_account  # noqa: E402
from tests.conftest import make_user  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]

PASSWORD = "pw-Secret-123"
# Set E2E_SCREENSHOT=/tmp/account_page.png to keep a picture of the account page.
SCREENSHOT = os.environ.get("E2E_SCREENSHOT")


@pytest.fixture
def clerk_user():
    return make_user("counter_e2e", roles.CLERK, password=PASSWORD)


@pytest.fixture
def employer(clerk_user):
    return services.register_employer(
        actor=clerk_user, uscc="91350100M000100Y43", name="示范科技有限公司", address="示范市人民路1号",
        legal_representative="王强", contact_name="李丽", contact_phone="13800000001", economic_type="80",
        payday=10, bank="102")


@pytest.fixture
def funded_account(clerk_user, employer):
    person = services.register_depositor(actor=clerk_user, name="张三丰", id_number="110101199003070011",
                                         phone="13912345678", marital_status=Depositor.Marital.MARRIED)
    account = services.open_account(actor=clerk_user, employer=employer, depositor=person, base=Decimal("10000"))
    bank = create_bank_account(actor=system_actor(),
                               bank="102", number="6222000011112222", name="示范市住房公积金管理中心归集户")
    post(actor=system_actor(),
         lines=[debit(bank.ledger_account, Decimal("1234.56")), credit(account.ledger_account, Decimal("1234.56"))],
         memo="汇缴 2026年10月")
    return account


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}/counter/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("欢迎")


def test_clerk_finds_a_depositor_and_sees_the_balance(page, live_server, clerk_user, funded_account):
    log_in(page, live_server, clerk_user.username)
    page.get_by_role("navigation").get_by_role("link", name="职工查询").click()
    page.locator("#search-q").press_sequentially("张三", delay=60)  # htmx fetches the rows as the clerk types
    rows = page.locator("#search-results .search-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("110***********0011")  # masked in the list
    expect(rows.first).to_contain_text(funded_account.number)
    assert page.url.endswith("/counter/search/")  # no page load: the rows came through htmx

    rows.first.get_by_role("link", name="张三丰").click()
    expect(page.locator("#balance")).to_have_text("1,234.56")
    expect(page.locator("#available")).to_have_text("1,234.56")
    expect(page.locator("#id-number")).to_have_text("110101199003070011")
    expect(page.locator("#ledger-lines")).to_contain_text("汇缴 2026年10月")
    expect(page.locator("#account-status")).to_have_text("正常")
    if SCREENSHOT:
        page.screenshot(path=SCREENSHOT, full_page=True)


def test_invalid_id_number_shows_the_chinese_message_and_saves_nothing(page, live_server, clerk_user, employer):
    people, accounts = Depositor.objects.count(), FundAccount.objects.count()
    log_in(page, live_server, clerk_user.username)
    page.goto(f"{live_server.url}/counter/accounts/new/?employer={employer.account_number}")
    expect(page.locator("#id_employer")).to_have_value(employer.account_number)
    page.locator("#id_name").fill("赵敏")
    page.locator("#id_id_number").fill("110101199003070012")  # the check character should be 1
    page.locator("#id_phone").fill("13700001111")
    page.locator("#id_base").fill("9000")
    page.get_by_role("button", name="开户").click()

    error = page.locator('.invalid-feedback[data-field="id_number"]')
    expect(error).to_have_text("身份证号码校验位错误，应为 1。")
    expect(page.locator("#id_id_number")).to_have_class("form-control is-invalid")
    assert (Depositor.objects.count(), FundAccount.objects.count()) == (people, accounts)
