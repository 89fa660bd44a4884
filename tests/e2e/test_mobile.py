"""The portal on a phone (390 × 844): every depositor and employer page, and the public pages, fit the screen
without horizontal scrolling, their tables become card lists and their controls are touch-sized (≥ 44 px).

The pages come from the URL conf (every named URL that a depositor or an employer agent may open, and the
public pages under /portal/, /employer/ and /verify/), filled with the records of the access tests' world, so a
new portal page is checked without touching this test."""

import datetime
import os

import pytest

if not os.path.exists("/usr/bin/chromium"):
    pytest.skip("Chromium is not installed at /usr/bin/chromium (apt-get install -y chromium)",
                allow_module_level=True)
pytest.importorskip("playwright", reason="Playwright is not installed")

from django.conf import settings  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from playwright.sync_api import expect  # noqa: E402

from core import roles  # noqa: E402
from core.access import PUBLIC, allowed_roles  # noqa: E402
from core.actors import system_actor  # noqa: E402
from deposits.services import remittance as remittance_services  # noqa: E402
from loans.models import ScheduleInstallment, SchedulePlan  # noqa: E402
from loans.services.schedules import write_schedules  # noqa: E402
from tests import access_world, factories  # noqa: E402
from tests.core.test_url_access import fill, named_urls  # noqa: E402

try:  # axe-core's serious and critical findings on every page, too, when axe-playwright-python is installed
    from axe_playwright_python.sync_playwright import Axe

    AXE = Axe()
except ImportError:  # pragma: no cover
    AXE = None

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]

PHONE = {"width": 390, "height": 844}
PUBLIC_PREFIXES = ("portal/", "employer/", "verify/", "counter/login/")
# Not pages: leaving (a POST that ends the session) and the views that answer with a file.
# Pages that show their table only for a query: the calculator with a schedule of 240 rows.
QUERIES = {"loans_portal:calculator": "?principal=500000&months=240&rate_percent=2.85&method=equal_installment"}
# Not pages: downloads, and the fragments htmx swaps into a page (a progress bar).
NOT_PAGES = ("logout", "statement_pdf", "certificates_portal:pdf", "employer_template", "employer_base_template",
             "loans_portal:document", "_progress")


def portal_pages():
    """(name, route, kwargs, who) of every page of the two portals and of the public pages; ``who`` is the role
    that opens it (``None``: anonymous)."""
    pages = []
    for name, route, callback, kwargs in named_urls():
        if route.startswith("api/"):
            continue
        allow = allowed_roles(callback) or frozenset()
        if any(part in name for part in NOT_PAGES):
            continue
        if roles.DEPOSITOR in allow:
            pages.append((name, kwargs, roles.DEPOSITOR))
        elif roles.EMPLOYER_AGENT in allow:
            pages.append((name, kwargs, roles.EMPLOYER_AGENT))
        elif PUBLIC in allow and route.startswith(PUBLIC_PREFIXES):
            pages.append((name, kwargs, None))
    return pages


@pytest.fixture
def phone_world():
    """The access tests' world, with a paid remittance list for depositor 1's deposit history and a repayment
    schedule for depositor 1's loan contract, so that their tables have rows. That contract was written without
    its disbursement's ledger lines, so its schedule is removed again before the books are checked at the end."""
    world = access_world.build()
    write_schedules([world.a.loan_contract])
    # October's list of employer A, confirmed and paid: the depositor's deposit history has rows
    clerk, side = world.staff[roles.CLERK], world.a
    october = remittance_services.generate_list(actor=clerk, employer=side.employer, month=datetime.date(2026, 10, 1))
    remittance_services.confirm_list(actor=side.agent, remittance=october)
    factories.statement(bank_account=factories.bank_account(), rows=[{
        "bank_reference": "PHONE-1", "value_date": "2026-11-18", "direction": "C", "amount": str(october.total),
        "remark": f"公积金{october.reference}", "counterparty_name": side.employer.name}])
    assert remittance_services.match_incoming(actor=system_actor())["posted"] == 1
    yield world
    ScheduleInstallment.objects.all().delete()
    SchedulePlan.objects.all().delete()


def log_in_browser(context, live_server, user):
    """The browser context carries ``user``'s session (no login form: the pages, not the login, are tested)."""
    context.clear_cookies()
    if user is None:
        return
    client = Client()
    client.force_login(user)
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                          "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "url": live_server.url}])


OVERFLOW_JS = """() => {
  const width = window.innerWidth;
  const wide = [...document.querySelectorAll('body *')].filter(e => {
    const r = e.getBoundingClientRect();
    return r.width > 0 && r.right > width + 1 && getComputedStyle(e).position !== 'absolute';
  }).slice(0, 3).map(e => e.tagName + (e.id ? '#' + e.id : '') + '.' + [...e.classList].join('.'));
  return {scroll: document.documentElement.scrollWidth, inner: width, wide: wide};
}"""

SMALL_CONTROLS_JS = """() => [...document.querySelectorAll(
    'main .btn, main .form-control, main .form-select, .portal-nav .nav-link, .display-bar .btn')]
  .filter(e => e.offsetParent !== null && e.type !== 'hidden')
  .filter(e => e.getBoundingClientRect().height < 44)
  .map(e => (e.id || e.name || e.textContent.trim().slice(0, 20)) + ':' + Math.round(e.getBoundingClientRect().height))
"""


def blocking_violations(page):
    """axe-core's violations of impact serious or critical on the page, with the first elements of each."""
    results = AXE.run(page)
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:8]}"
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


def check_page(page, url):
    """Problems of ``url`` on a phone: horizontal overflow, controls under 44 px, a table left as a table."""
    head = page.context.request.get(url)
    if head.status == 405 or "text/html" not in head.headers.get("content-type", ""):
        return None  # a POST-only URL or a file
    response = page.goto(url)
    problems = []
    if response.status >= 400:
        problems.append(f"status {response.status}")
    size = page.evaluate(OVERFLOW_JS)
    if size["scroll"] > size["inner"]:
        problems.append(f"scrollWidth {size['scroll']} > {size['inner']} ({', '.join(size['wide'])})")
    small = page.evaluate(SMALL_CONTROLS_JS)
    if small:
        problems.append(f"controls under 44 px: {small}")
    if AXE is not None:
        problems += blocking_violations(page)
    if page.locator("body.portal-page").count():
        rows = page.locator("main table:not(.table-keep) > tbody > tr:visible")
        if rows.count() and rows.first.evaluate("e => getComputedStyle(e).display") != "block":
            problems.append("a table is not shown as cards")
    return problems


@pytest.mark.parametrize("elderly", [False, True], ids=["normal", "elderly"])
def test_every_portal_page_fits_a_phone(browser, live_server, phone_world, elderly):
    world = phone_world
    side = world.a
    users = {roles.DEPOSITOR: side.user, roles.EMPLOYER_AGENT: side.agent, None: None}
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    page = context.new_page()
    csp = []  # the pages' scripts (table labels, the menu) are files: the Content-Security-Policy refuses nothing
    page.on("console", lambda msg: csp.append((page.url, msg.text)) if "Content Security Policy" in msg.text else None)
    problems, checked = {}, []
    for who in (None, roles.DEPOSITOR, roles.EMPLOYER_AGENT):
        log_in_browser(context, live_server, users[who])
        if elderly:
            context.add_cookies([{"name": "elderly", "value": "1", "url": live_server.url}])
        for name, kwargs, role in portal_pages():
            if role != who:
                continue
            url = live_server.url + reverse(name, kwargs={k: fill(name, k, world, side) for k in kwargs})
            url += QUERIES.get(name, "")
            found = check_page(page, url)
            if found is None:
                continue
            checked.append(name)
            if found:
                problems[name] = found
    context.close()
    assert problems == {}, "\n".join(f"{name}: {found}" for name, found in problems.items())
    assert csp == []
    # every page of both portals was seen: the depositor's account, history, withdrawals, loans, certificates, the
    # employer's lists, deferrals and base adjustments, and the public pages
    for name in ("portal:home", "portal:deposits", "portal:interest", "portal:statement", "portal:profile",
                 "withdrawals_portal:list", "withdrawals_portal:apply", "loans_portal:list", "loans_portal:contract",
                 "loans_portal:calculator", "certificates_portal:list", "portal:employer_home",
                 "portal:employer_remittance", "portal:employer_deferrals", "portal:employer_bases",
                 "portal:login", "portal:employer_login", "verification:page", "core:login"):
        assert name in checked
    assert len(checked) >= 30


def test_deposit_history_rows_are_labelled_cards(browser, live_server, phone_world):
    side = phone_world.a
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    log_in_browser(context, live_server, side.user)
    page.goto(f"{live_server.url}/portal/accounts/{side.account.number}/deposits/")
    card = page.locator("#deposits tbody tr").first
    assert card.evaluate("e => getComputedStyle(e).display") == "block"
    labels = card.locator("td").evaluate_all("cells => cells.map(c => [c.dataset.label, c.textContent.trim()])")
    assert labels[0] == ["月份", "2026-10"] and labels[-2][0] == "金额" and labels[-2][1] == "2,400.00"
    box = card.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    context.close()


def test_tables_are_card_lists_with_their_column_headings(browser, live_server, phone_world):
    world = phone_world
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    log_in_browser(context, live_server, world.a.agent)
    page.goto(f"{live_server.url}/employer/")
    cell = page.locator("#remittances tbody tr").first.locator("td").first
    assert cell.get_attribute("data-label") == "文号"  # the first column's heading
    assert cell.evaluate("e => getComputedStyle(e, '::before').content") == '"文号"'
    assert page.locator("#remittances thead").evaluate("e => e.getBoundingClientRect().height") <= 1
    # the portal menu is folded behind one button on a phone, and opens with it
    menu = page.locator("#portal-nav").get_by_role("link", name="基数调整")
    expect(menu).to_be_hidden()
    page.locator("#portal-nav-toggle").click()
    expect(menu).to_be_visible()
    assert menu.evaluate("e => e.getBoundingClientRect().height") >= 44
    menu.click()
    page.wait_for_url("**/employer/bases/")
    page.goto(f"{live_server.url}/employer/")
    # the same page on a desktop stays a table, and its menu is always shown
    page.set_viewport_size({"width": 1400, "height": 900})
    assert page.locator("#remittances tbody tr").first.evaluate("e => getComputedStyle(e).display") == "table-row"
    expect(menu).to_be_visible()
    expect(page.locator("#portal-nav-toggle")).to_be_hidden()
    context.close()
