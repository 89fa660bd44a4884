"""The staff home in Chromium: each count of a role's queues opens that queue listing exactly as many cases, and
the charts are drawn (ECharts canvases, served locally) with no Content-Security-Policy violation."""

import datetime
import os
import re
from decimal import Decimal

import pytest

if not os.path.exists("/usr/bin/chromium"):
    pytest.skip("Chromium is not installed at /usr/bin/chromium (apt-get install -y chromium)", allow_module_level=True)
pytest.importorskip("playwright", reason="Playwright is not installed")

from playwright.sync_api import expect  # noqa: E402

from core import roles  # noqa: E402
from core.models import BusinessDay  # noqa: E402
from tests import factories  # noqa: E402
from tests.conftest import make_user  # noqa: E402
from tests.e2e.test_counter import PASSWORD, log_in  # noqa: E402
from withdrawals.models import WithdrawalApplication  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]
TODAY = datetime.date(2026, 11, 20)


@pytest.fixture
def cases():
    BusinessDay.objects.update_or_create(pk=1, defaults={"current": TODAY})
    clerk = make_user("home_clerk", roles.CLERK, password=PASSWORD)
    account = factories.account(clerk, factories.employer(clerk), name="李四")
    rows = [("submitted", None, None), ("submitted", None, None), ("submitted", None, None),
            ("accepted", TODAY - datetime.timedelta(days=3), None),
            ("accepted", TODAY - datetime.timedelta(days=1), None),
            ("accepted", TODAY + datetime.timedelta(days=9), None),
            ("closed", None, datetime.date(2026, 10, 8)), ("closed", None, datetime.date(2026, 8, 8))]
    for n, (state, due, decided) in enumerate(rows, start=1):
        WithdrawalApplication.objects.create(
            number=f"TQ2026112000{n:06d}", account=account, depositor=account.depositor, reason="09", state=state,
            application_date=TODAY, amount_requested=Decimal("1000"), decision_due=due, decided_on=decided,
            amount_approved=Decimal("1000") if decided else None, payee_card="6222021000000000000",
            payee_name=account.depositor.name)
    return clerk


def _violations(page):
    found = []
    page.on("console", lambda msg: found.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.on("pageerror", lambda exc: found.append(str(exc)))
    return found


def _follow(page, key):
    """Open the queue behind the tile ``key`` and return (the tile's count, the records the queue says it found,
    the rows it shows)."""
    tile = page.locator(f'[data-todo="{key}"]')
    count = int(tile.locator(".todo-count").inner_text())
    tile.click()
    page.wait_for_load_state()
    found = int(re.search(r"\d+", page.locator("#row-count").inner_text()).group())
    rows = page.locator("table tbody tr td a").count()  # each case's number links to it
    page.go_back()
    return count, found, rows


def test_counts_match_the_queues_and_charts_render(page, live_server, cases):
    problems = _violations(page)
    log_in(page, live_server, "home_clerk")
    expect(page.locator("#chart-flows canvas")).to_have_count(1)
    expect(page.locator("#chart-withdrawal-reasons canvas")).to_have_count(1)
    assert _follow(page, "withdrawals-submitted") == (3, 3, 3)
    assert _follow(page, "withdrawals-returned") == (0, 0, 0)

    make_user("home_reviewer", roles.REVIEWER, password=PASSWORD)
    page.context.clear_cookies()
    log_in(page, live_server, "home_reviewer")
    expect(page.locator("#chart-flows canvas")).to_have_count(1)
    assert _follow(page, "withdrawals-accepted") == (3, 3, 3)
    assert _follow(page, "withdrawals-overdue") == (2, 2, 2)
    assert _follow(page, "withdrawals-soon") == (0, 0, 0)
    assert problems == []
