"""Accessibility in Chromium: axe-core (axe-playwright-python, which bundles it) finds no serious or critical
violation on the main pages, in the normal and in the elderly-friendly mode; the elderly-friendly mode is a
toggle that anyone (logged in or not) turns on and off, that stays on from page to page and after a reload; the
first key press reaches the skip link, and the search comes first after it."""

import os

import pytest

if not os.path.exists("/usr/bin/chromium"):
    pytest.skip("Chromium is not installed at /usr/bin/chromium (apt-get install -y chromium)",
                allow_module_level=True)
pytest.importorskip("playwright", reason="Playwright is not installed")
axe_playwright_python = pytest.importorskip("axe_playwright_python.sync_playwright",
                                            reason="axe-playwright-python is not installed")

from playwright.sync_api import expect  # noqa: E402

from core import roles  # noqa: E402
from tests import access_world  # noqa: E402
from tests.e2e.test_mobile import PHONE, log_in_browser  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]

AXE = axe_playwright_python.Axe()
BLOCKING = ("serious", "critical")


def main_pages(world):
    """(who, path) of the main pages: the logins, the depositor's home, history and an application form, the
    employer's home, the verification page, the loan calculator, the staff home and an account page."""
    a = world.a
    return [
        (None, "/portal/login/"), (None, "/employer/login/"), (None, "/counter/login/"),
        (None, f"/verify/{a.certificate.code}/"), (None, "/portal/loans/calculator/?principal=300000&months=240"
                                                          "&rate_percent=3.1&method=equal_installment"),
        (a.user, "/portal/"), (a.user, f"/portal/accounts/{a.account.number}/deposits/"),
        (a.user, "/portal/withdrawals/apply/"), (a.agent, "/employer/"),
        (world.staff[roles.CLERK], "/counter/"), (world.staff[roles.CLERK], f"/counter/accounts/{a.account.number}/"),
    ]


def blocking_violations(page):
    results = AXE.run(page)
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:8]}"
            for v in results.response["violations"] if v["impact"] in BLOCKING]


@pytest.mark.parametrize("elderly", [False, True], ids=["normal", "elderly"])
def test_main_pages_have_no_serious_accessibility_violation(browser, live_server, elderly):
    world = access_world.build()
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    found, checked = {}, 0
    for user, path in main_pages(world):
        log_in_browser(context, live_server, user)
        if elderly:
            context.add_cookies([{"name": "elderly", "value": "1", "url": live_server.url}])
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        assert page.locator("html.elderly").count() == int(elderly)
        checked += 1
        problems = blocking_violations(page)
        if problems:
            found[path] = problems
    context.close()
    assert found == {}, "\n".join(f"{path}: {problem}" for path, problems in found.items() for problem in problems)
    assert checked == 11


def root_font_size(page):
    return page.evaluate("() => parseFloat(getComputedStyle(document.documentElement).fontSize)")


def test_elderly_mode_is_a_persistent_toggle_for_anyone(browser, live_server):
    world = access_world.build()
    world.a.user.username = world.a.depositor.id_number  # depositors log in with their ID number
    world.a.user.save(update_fields=["username"])
    context = browser.new_context(locale="zh-CN", viewport=PHONE)
    page = context.new_page()
    # an anonymous visitor on a public page
    page.goto(f"{live_server.url}/portal/loans/calculator/")
    assert root_font_size(page) == 16 and page.locator("html.elderly").count() == 0
    page.locator("#elderly-toggle").click()
    page.wait_for_url("**/portal/loans/calculator/")  # back where the button was
    expect(page.locator("html")).to_have_class("elderly")
    assert root_font_size(page) == 20
    body = page.evaluate("() => getComputedStyle(document.body).color")
    assert body == "rgb(0, 0, 0)"  # high contrast: black text
    expect(page.locator("#elderly-toggle")).to_have_text("退出长辈模式")
    # it stays on: the next pages, after logging in, after a reload
    page.goto(f"{live_server.url}/portal/login/")
    assert root_font_size(page) == 20
    page.locator("#id_username").fill(world.a.depositor.id_number)
    page.locator("#id_password").fill(access_world.PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#balance")).to_be_visible()
    assert root_font_size(page) == 20 and page.locator("html.elderly").count() == 1
    page.reload()
    assert root_font_size(page) == 20 and page.locator("html.elderly").count() == 1
    # turned off from a portal page: the portal page again, normal size, and it stays off
    page.locator("#elderly-toggle").click()
    page.wait_for_url(f"{live_server.url}/portal/")
    assert root_font_size(page) == 16 and page.locator("html.elderly").count() == 0
    expect(page.locator("#elderly-toggle")).to_have_text("长辈模式（大字体）")
    page.goto(f"{live_server.url}/portal/withdrawals/")
    assert root_font_size(page) == 16 and page.locator("html.elderly").count() == 0
    assert not [c for c in context.cookies() if c["name"] == "elderly"]
    context.close()


def test_skip_link_comes_first_and_the_search_right_after_it(browser, live_server):
    world = access_world.build()
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in_browser(context, live_server, world.staff[roles.CLERK])
    # a staff page: the first key press reaches the skip link, which leads past the menus
    page.goto(f"{live_server.url}/counter/accounts/{world.a.account.number}/")
    page.keyboard.press("Tab")
    focused = page.evaluate("() => [document.activeElement.id, document.activeElement.textContent.trim()]")
    assert focused == ["skip-link", "跳到主要内容"]
    expect(page.locator("#skip-link")).to_be_visible()  # shown once it has the focus
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main-content"
    # a page with a search: the search field has the focus from the start, and is the first stop after the skip link
    page.goto(f"{live_server.url}/counter/search/")
    assert page.evaluate("() => document.activeElement.id") == "search-q"
    page.locator("#skip-link").focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "search-q"
    # a portal page: the skip link is first too
    log_in_browser(context, live_server, world.a.user)
    page.goto(f"{live_server.url}/portal/")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main-content"
    page.keyboard.press("Tab")  # then the page's own links and controls, not the menus again
    assert page.evaluate("() => !!document.activeElement.closest('main')")
    context.close()
