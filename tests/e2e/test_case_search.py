"""A clerk finds a case in Chromium: the search box first in the focus order, the results with kinds and states
in words, the filters, a click through to the case; and the employer lookup of a counter form."""

import os

import pytest

if not os.path.exists("/usr/bin/chromium"):
    pytest.skip("Chromium is not installed at /usr/bin/chromium (apt-get install -y chromium)",
                allow_module_level=True)
pytest.importorskip("playwright", reason="Playwright is not installed")

from playwright.sync_api import expect  # noqa: E402

from core import roles  # noqa: E402
from tests import access_world  # noqa: E402
from withdrawals.models import WithdrawalApplication  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]

# Set E2E_SCREENSHOT_DIR=/tmp to keep pictures of the case search and the account page.
SCREENSHOTS = os.environ.get("E2E_SCREENSHOT_DIR")


@pytest.fixture
def world():
    return access_world.build()


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}/counter/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(access_world.PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#nav-search-q")).to_be_visible()


def test_clerk_finds_a_persons_cases_and_opens_one(page, live_server, world):
    a = world.a
    log_in(page, live_server, world.staff[roles.CLERK].username)
    page.goto(f"{live_server.url}/counter/employers/")
    page.keyboard.press("Tab")  # the skip link first, then the case search, the first control of every staff page
    page.keyboard.press("Tab")
    expect(page.locator("#nav-search-q")).to_be_focused()
    page.keyboard.type(a.depositor.name)
    page.keyboard.press("Enter")

    rows = page.locator("#cases .case-row")
    expect(rows).to_have_count(4)  # the withdrawal, two loan applications, the contract (no court request: clerk)
    expect(page.locator("#cases")).to_contain_text("已受理")  # states in words
    expect(page.locator("#cases")).not_to_contain_text("accepted")
    expect(page.locator("#cases")).to_contain_text("贷款合同")
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/case_search.png", full_page=True)

    page.locator("#id_kind").select_option("withdrawal")
    page.get_by_role("button", name="查询", exact=True).last.click()
    expect(rows).to_have_count(1)
    rows.first.get_by_role("link", name=a.withdrawal.number).click()
    expect(page).to_have_url(f"{live_server.url}/counter/withdrawals/{a.withdrawal.number}/")
    expect(page.locator("h1")).to_contain_text(a.withdrawal.number)


def test_the_clerk_accepts_a_withdrawal_from_the_account_page(page, live_server, world):
    a = world.a
    WithdrawalApplication.objects.filter(pk=a.withdrawal.pk).update(state="submitted")
    log_in(page, live_server, world.staff[roles.CLERK].username)
    page.goto(f"{live_server.url}/counter/accounts/{a.account.number}/")
    panel = page.locator("#cases-panel")
    expect(panel.locator(".case-row")).to_have_count(5)  # 4 of the person, the deferral of the employer
    row = panel.locator(".case-row[data-kind=withdrawal]")
    expect(row).to_contain_text("网上已提交")  # submitted online, in words
    expect(panel.get_by_role("link", name="新建提取")).to_be_visible()
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/account_cases.png", full_page=True)
    page.once("dialog", lambda dialog: dialog.accept())  # asked before the step is taken
    row.get_by_role("button", name="受理").click()
    expect(page).to_have_url(f"{live_server.url}/counter/withdrawals/{a.withdrawal.number}/")
    a.withdrawal.refresh_from_db()
    assert a.withdrawal.state == "accepted"


def test_the_employer_field_suggests_employers_as_the_clerk_types(page, live_server, world):
    log_in(page, live_server, world.staff[roles.CLERK].username)
    page.goto(f"{live_server.url}/counter/accounts/new/")
    field = page.locator("#id_employer")
    field.press_sequentially("示范乙", delay=50)
    options = page.locator("#id_employer-options option")
    expect(options).to_have_count(1)
    expect(options.first).to_have_attribute("value", world.b.employer.account_number)
    expect(options.first).to_have_text("示范乙有限公司")
    field.fill("1")  # a typed number that matches nothing is still taken, and checked by the form
    expect(options).to_have_count(0)
