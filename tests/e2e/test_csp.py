"""The Content-Security-Policy in Chromium: the pages work (htmx, the application form's script, Bootstrap, the
API docs) and the browser reports no violation."""

import os

import pytest

if not os.path.exists("/usr/bin/chromium"):
    pytest.skip("Chromium is not installed at /usr/bin/chromium (apt-get install -y chromium)", allow_module_level=True)
pytest.importorskip("playwright", reason="Playwright is not installed")

from playwright.sync_api import expect  # noqa: E402

from core import roles  # noqa: E402
from core.models import BatchRun  # noqa: E402
from tests.conftest import make_user  # noqa: E402
from tests.e2e.test_counter import PASSWORD, log_in  # noqa: E402
from withdrawals.models import Reason  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]


def test_pages_run_under_the_policy_without_violations(page, live_server):
    violations = []
    page.on(
        "console",
        lambda msg: violations.append((page.url, msg.text)) if "Content Security Policy" in msg.text else None,
    )
    make_user("csp_clerk", roles.CLERK, password=PASSWORD)
    log_in(page, live_server, "csp_clerk")
    page.goto(f"{live_server.url}/counter/withdrawals/new/")
    page.locator("#id_reason").select_option(Reason.ILLNESS)
    expect(page.locator("#id_bill_number")).to_be_visible()  # the form's script (a static file) ran
    expect(page.locator("#id_monthly_rent")).to_be_hidden()
    page.get_by_role("button", name="查看是否符合条件及可提取额度").click()  # htmx
    expect(page.locator("#preview")).to_contain_text("请先填写个人账号")
    # a confirm() question from a data-confirm attribute (static/js/confirm.js): declined, nothing is posted
    make_user("csp_finance", roles.FINANCE, password=PASSWORD)
    page.context.clear_cookies()
    log_in(page, live_server, "csp_finance")
    page.goto(f"{live_server.url}/counter/deposits/interest/")
    page.locator("#year").fill("2026")
    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="结息").click()
    page.wait_for_timeout(300)
    assert len(questions) == 1 and "2026" not in questions[0]
    assert not BatchRun.objects.exists()
    page.goto(f"{live_server.url}/api/docs/")
    expect(page.locator(".swagger-ui .info")).to_be_visible(timeout=15000)
    assert violations == []
