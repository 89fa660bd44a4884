"""Overdue monitoring in Chromium: finance closes the business dates from the dashboard and reads the overdue
ratio, a loan officer finds the loan on the collection workbench and records a call on its collection log, and
the borrower sees the overdue installment with its penalty interest and how to cure it."""

import datetime
import os

import pytest

if not os.path.exists("/usr/bin/chromium"):
    pytest.skip("Chromium is not installed at /usr/bin/chromium (apt-get install -y chromium)", allow_module_level=True)
pytest.importorskip("playwright", reason="Playwright is not installed")

from playwright.sync_api import expect  # noqa: E402

from core import roles  # noqa: E402
from loans.models import CollectionLog, LoanCloseOfBusiness  # noqa: E402
from tests.conftest import make_user  # noqa: E402
from tests.e2e.test_loans import staff_log_in  # noqa: E402
from tests.e2e.test_portals import portal_log_in  # noqa: E402
from tests.loans.conftest import household, on, portal_user, staff  # noqa: E402, F401 (fixtures)
from tests.loans.test_money import disbursed  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]


def test_close_of_business_collection_and_the_borrowers_view(page, live_server, settings, request):
    settings.STAFF_2FA_REQUIRED = True
    people, home = request.getfixturevalue("staff"), request.getfixturevalue("household")
    finance = make_user("l_e2e_finance", roles.FINANCE)
    contract = disbursed(people, home, finance)  # 2,735.59 due 10 March 2026
    on(datetime.date(2026, 3, 20))

    staff_log_in(page, live_server, finance)
    page.goto(f"{live_server.url}/counter/loans/overdue/")
    page.locator("#id_on").fill("2026-03-20")
    page.get_by_role("button", name="执行日终处理").click()
    expect(page.locator("#ratio-generic")).to_have_text("3.10‰")  # 1,548.09 / 500,000
    expect(page.locator("#overdue-count")).to_have_text("1")
    assert LoanCloseOfBusiness.objects.get().status == "done"

    staff_log_in(page, live_server, people["officer"])
    page.goto(f"{live_server.url}/counter/loans/collection/")
    page.get_by_role("link", name=contract.number).click()
    expect(page.locator("#dpd")).to_have_text("10")
    page.locator("#id_contact-kind").select_option("call")
    page.locator("#id_contact-on").fill("2026-03-20")
    page.locator("#id_contact-text").fill("借款人承诺三日内还款")
    page.locator("#contact-submit").click()
    expect(page.locator("#collection-log tr[data-kind=call]")).to_contain_text("借款人承诺三日内还款")
    assert CollectionLog.objects.filter(contract=contract, kind="call").count() == 1

    borrower = home["borrower"].depositor
    portal_user(borrower, borrower.id_number)
    page.context.clear_cookies()
    portal_log_in(page, live_server, "/portal/login/", borrower.id_number)
    page.wait_for_url(f"{live_server.url}/portal/")
    page.goto(f"{live_server.url}/portal/loans/contracts/{contract.number}/")
    expect(page.locator("#overdue")).to_contain_text("2,737.86")  # 2,735.59 + 2.27 penalty interest
    expect(page.locator("#overdue-cure")).to_contain_text("罚息按日累计")
    expect(page.locator("[data-penalty='1']")).to_have_text("罚息 2.27")
