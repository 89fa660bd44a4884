"""Loan pages on a phone (390×844) in Chromium: the public calculator (DOMAIN.md §4.6's Example A, the schedule as a
card list, no Content-Security-Policy violation) and an online application followed to its decision, all without
horizontal scroll."""

import datetime
import os

import pytest

if not os.path.exists("/usr/bin/chromium"):
    pytest.skip("Chromium is not installed at /usr/bin/chromium (apt-get install -y chromium)", allow_module_level=True)
pytest.importorskip("playwright", reason="Playwright is not installed")

from playwright.sync_api import expect  # noqa: E402

from tests.loans.conftest import household, staff  # noqa: E402, F401 (fixtures)

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


def test_depositor_applies_online_on_a_phone_and_follows_the_timeline(page, live_server, request):
    from loans import services
    from loans.models import LoanApplication
    from tests.e2e.test_portals import portal_log_in
    from tests.loans.conftest import PURCHASE_DOCUMENTS, portal_user

    people, home = request.getfixturevalue("staff"), request.getfixturevalue("household")
    borrower = home["borrower"].depositor
    portal_user(borrower, borrower.id_number)
    page.set_viewport_size({"width": 390, "height": 844})
    portal_log_in(page, live_server, "/portal/login/", borrower.id_number)
    page.wait_for_url(f"{live_server.url}/portal/")
    page.goto(f"{live_server.url}/portal/loans/apply/")
    assert page.evaluate(NO_OVERFLOW)
    for field, value in (
        ("property_address", "示范市人民路8号3单元501室"),
        ("property_price", "1000000.00"),
        ("property_area", "89.50"),
        ("monthly_income", "20000.00"),
        ("other_monthly_debt", "2000"),
        ("requested_amount", "600000.00"),
        ("term_months", "276"),
    ):
        page.locator(f"#id_{field}").fill(value)
    page.locator("#id_property_kind").select_option("new")
    for doc_type in PURCHASE_DOCUMENTS:  # a scan of each document a purchase needs
        page.locator(f"#id_doc_{doc_type}").set_input_files(
            files=[{"name": f"{doc_type}.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 scan"}]
        )
    page.locator("#submit").click()
    expect(page.locator("#state")).to_have_text("网上已提交")
    expect(page.locator('#timeline [data-step="accept"]')).to_have_attribute("data-status", "current")
    assert page.evaluate(NO_OVERFLOW)
    app = LoanApplication.objects.get()
    assert app.channel == "online" and app.state == "submitted"
    services.accept(actor=people["officer"], application=app)
    services.review(actor=people["reviewer"], application=app)
    services.reject(actor=people["approver"], application=app, reason="征信记录不良")
    page.reload()
    expect(page.locator("#decision-reason")).to_have_text("征信记录不良")
    expect(page.locator("#limit")).to_have_text("600,000.00")
    page.goto(f"{live_server.url}/portal/loans/")
    expect(page.locator(f"#loan-{app.number}")).to_contain_text("600,000.00")
    assert page.evaluate(NO_OVERFLOW)


def test_my_loan_on_a_phone_without_horizontal_scroll(page, live_server, request):
    from loans import services
    from tests.e2e.test_portals import portal_log_in
    from tests.loans.conftest import on, portal_user
    from tests.loans.test_money import disbursed, receipt

    people, home = request.getfixturevalue("staff"), request.getfixturevalue("household")
    money = request.getfixturevalue("finance")
    contract = disbursed(people, home, money)  # 10 February 2026: first due 10 March
    on(datetime.date(2026, 3, 10))
    services.repay(actor=money, contract=contract, line=receipt("2735.59", "E1"))
    borrower = home["borrower"].depositor
    portal_user(borrower, borrower.id_number)
    violations = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.set_viewport_size({"width": 390, "height": 844})
    portal_log_in(page, live_server, "/portal/login/", borrower.id_number)
    page.wait_for_url(f"{live_server.url}/portal/")
    page.locator("#my-loans a").click()
    expect(page.locator("#outstanding")).to_have_text("498,451.91")
    expect(page.locator('[data-card-installment="1"]')).to_contain_text("已还清")
    expect(page.locator('[data-card-installment="240"]')).to_be_visible()
    expect(page.locator("#schedule")).to_be_hidden()
    expect(page.locator("[data-card-repayment]")).to_contain_text("2,735.59")
    assert page.evaluate(NO_OVERFLOW), page.evaluate("document.documentElement.scrollWidth")
    assert violations == []
