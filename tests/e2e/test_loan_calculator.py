"""The public loan calculator on a phone (390×844) in Chromium: the figures of DOMAIN.md §4.6's Example A, the
schedule as a card list, no horizontal scroll and no Content-Security-Policy violation."""

import os

import pytest

if not os.path.exists("/usr/bin/chromium"):
    pytest.skip("Chromium is not installed at /usr/bin/chromium (apt-get install -y chromium)", allow_module_level=True)
pytest.importorskip("playwright", reason="Playwright is not installed")

from playwright.sync_api import expect  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]

NO_OVERFLOW = "document.documentElement.scrollWidth <= document.documentElement.clientWidth"


def test_calculator_on_a_phone_without_horizontal_scroll(page, live_server):
    violations = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/portal/loans/calculator/")
    assert page.evaluate(NO_OVERFLOW)
    page.locator("#id_principal").fill("500000")
    page.locator("#id_months").fill("240")
    page.locator("#id_rate_percent").fill("2.85")
    page.locator("#id_method").select_option("equal_installment")
    page.get_by_role("button", name="计算").click()
    expect(page.locator("#first-payment")).to_have_text("2,735.59")
    expect(page.locator("#total-interest")).to_have_text("156,542.76")
    expect(page.locator("#months")).to_have_text("240")
    last = page.locator('[data-card-installment="240"]')
    expect(last).to_be_visible()  # phones get cards, not the wide table
    expect(last).to_contain_text("2,736.75")
    expect(page.locator("#schedule")).to_be_hidden()
    assert page.evaluate(NO_OVERFLOW), page.evaluate("document.documentElement.scrollWidth")
    page.locator("#id_principal").fill("-1")
    page.get_by_role("button", name="计算").click()
    expect(page.locator("#form-errors")).to_contain_text("金额必须大于零。")
    assert page.evaluate(NO_OVERFLOW)
    assert violations == []
