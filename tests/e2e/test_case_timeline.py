"""The depositor follows a withdrawal in Chromium: they apply online, a clerk accepts the case at the counter,
the depositor opens the case page from the message in the portal inbox and sees the timeline at 审核 with the
date of 受理; after the review it moves on to 审批."""

import datetime
import os

import pytest

if not os.path.exists("/usr/bin/chromium"):
    pytest.skip("Chromium is not installed at /usr/bin/chromium (apt-get install -y chromium)",
                allow_module_level=True)
pytest.importorskip("playwright", reason="Playwright is not installed")

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from playwright.sync_api import expect  # noqa: E402

from tests.e2e.test_counter import log_in  # noqa: E402
from tests.e2e.test_loan_calculator import NO_OVERFLOW  # noqa: E402
from tests.e2e.test_portals import portal_log_in  # noqa: E402
from tests.e2e.test_withdrawals import rent_world  # noqa: E402, F401 - the fixture
from tests.withdrawals.conftest import CARD, on  # noqa: E402
from withdrawals import services  # noqa: E402
from withdrawals.models import DocumentType, Reason  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]
day = datetime.date


def test_depositor_opens_the_case_from_the_message_and_sees_the_step(page, live_server, rent_world):  # noqa: F811
    account, clerk, reviewer, approver = rent_world
    depositor = account.depositor
    lease = SimpleUploadedFile("lease.pdf", b"%PDF-1.4 lease", content_type="application/pdf")
    app = services.apply(actor=depositor.user, account=account, reason=Reason.RENT, amount="3600",
                         facts={"monthly_rent": "2000", "months": 2}, payee_card=CARD, payee_name="张三",
                         documents=[(DocumentType.LEASE, lease)])
    assert app.state == "submitted"

    # 受理: the clerk accepts it at the counter.
    log_in(page, live_server, clerk.username)
    page.goto(f"{live_server.url}/counter/withdrawals/")
    page.get_by_role("link", name=app.number).click()
    page.get_by_role("button", name="受理").click()
    expect(page.locator("h1 .badge")).to_have_text("已受理")

    # The depositor opens the message about it and from there the case page.
    page.context.clear_cookies()
    portal_log_in(page, live_server, "/portal/login/", depositor.id_number)
    page.get_by_role("link", name="消息").click()
    message = page.locator("#messages li", has_text="提取申请已受理")
    expect(message).to_contain_text(app.number)
    message.get_by_role("link", name="查看办理进度").click()
    page.wait_for_url(f"{live_server.url}/portal/withdrawals/{app.number}/")
    expect(page.locator("#state")).to_have_text("已受理")
    accept = page.locator('#timeline [data-step="accept"]')
    expect(accept).to_have_attribute("data-status", "done")
    expect(accept.locator(".step-date")).to_have_text("2026-10-12")
    current = page.locator('#timeline [aria-current="step"]')
    expect(current).to_have_attribute("data-step", "review")
    expect(current).to_contain_text("正在审核；应于 2026-10-15 前作出决定。")
    expect(page.locator('#timeline [data-step="approve"]')).to_have_attribute("data-status", "pending")
    expect(page.locator("#amount-requested")).to_have_text("3,600.00")
    expect(page.locator("#case-documents")).to_contain_text("房屋租赁合同")

    # 审核 the next day: the page moves on to 审批.
    on(day(2026, 10, 13))
    services.review(actor=reviewer, application=app)
    page.reload()
    expect(page.locator('#timeline [data-step="review"] .step-date')).to_have_text("2026-10-13")
    expect(page.locator('#timeline [aria-current="step"]')).to_have_attribute("data-step", "approve")
    # On a phone the page fits the screen.
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate(NO_OVERFLOW)
    # The list of withdrawals links to the same page.
    page.get_by_role("link", name="我的提取").click()
    page.get_by_role("link", name=app.number).click()
    expect(page.locator('#timeline [aria-current="step"]')).to_have_attribute("data-step", "approve")
