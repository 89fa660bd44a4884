"""At the counter, in Chromium: finance imports the bank statement, a second finance person confirms it, a clerk
matches it and sees the remittance posted."""

import datetime
import os
from decimal import Decimal

import pytest

from core.actors import system_actor

if not os.path.exists("/usr/bin/chromium"):
    pytest.skip("Chromium is not installed at /usr/bin/chromium (apt-get install -y chromium)",
                allow_module_level=True)
pytest.importorskip("playwright", reason="Playwright is not installed")

from playwright.sync_api import expect  # noqa: E402

from accounts import services as account_services  # noqa: E402
from core import roles  # noqa: E402
from core.business_date import set_business_date  # noqa: E402
from deposits.models import RemittanceList  # noqa: E402
from deposits.services import remittance as remittance_services  # noqa: E402
from ledger.reconciliation import run_checks  # noqa: E402
from ledger.services import create_bank_account  # noqa: E402
from tests.conftest import make_user  # noqa: E402
from tests.e2e.test_counter import PASSWORD, log_in  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]

# Set REMITTANCE_SCREENSHOT=/tmp/remittance_page.png to keep a picture of the posted list's page.
SCREENSHOT = os.environ.get("REMITTANCE_SCREENSHOT")


@pytest.fixture
def world():
    set_business_date(actor=system_actor(), date=datetime.date(2026, 11, 20))
    clerk = make_user("deposits_e2e", roles.CLERK, password=PASSWORD)
    employer = account_services.register_employer(
        actor=clerk, uscc="91350100M000100Y43", name="示范科技有限公司", address="示范市人民路1号",
        legal_representative="王强", contact_name="李丽", contact_phone="13800000001", economic_type="80",
        payday=10, bank="102", employee_ratio=Decimal("0.12"), employer_ratio=Decimal("0.12"))
    accounts = []
    for name, id_number, base in (("张三丰", "110101199003070011", "9000"), ("李四", "320106198508151235", "5000")):
        person = account_services.register_depositor(actor=clerk, name=name, id_number=id_number)
        accounts.append(account_services.open_account(actor=clerk, employer=employer, depositor=person,
                                                      base=Decimal(base)))
    bank = create_bank_account(actor=system_actor(),
                               bank="102", number="6222000011112222", name="示范市住房公积金管理中心归集户")
    remittance = remittance_services.generate_list(actor=clerk, employer=employer, month=datetime.date(2026, 11, 1))
    remittance = remittance_services.confirm_list(actor=clerk, remittance=remittance)
    return clerk, employer, accounts, bank, remittance


def test_finance_imports_another_confirms_and_the_clerks_matching_posts_the_list(page, live_server, world):
    clerk, employer, (zhang, li), bank, remittance = world
    assert remittance.total == Decimal("3360.00")  # (9,000 + 5,000) × 24%
    make_user("finance_e2e", roles.FINANCE, password=PASSWORD)
    make_user("finance_e2e2", roles.FINANCE, password=PASSWORD)
    log_in(page, live_server, "finance_e2e")

    page.get_by_role("navigation").get_by_role("link", name="银行流水").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("银行流水")
    statement = ("bank_reference,value_date,direction,amount,counterparty_name,counterparty_account,remark\n"
                 f"E2E0001,2026-11-18,C,3360.00,{employer.name},6222333344445555,十一月公积金 {remittance.reference}\n")
    page.locator("#id_bank_account").select_option(str(bank.pk))
    page.locator("#id_closing_balance").fill("3360.00")
    page.locator("#id_file").set_input_files(files=[{"name": "statement.csv", "mimeType": "text/csv",
                                                     "buffer": statement.encode("utf-8")}])
    page.locator("#import").click()
    expect(page.locator(".alert-success")).to_contain_text("已导入 1 条银行流水")
    expect(page.locator(".alert-info")).to_contain_text("须由另一名财务人员确认该对账单后，其流水才能匹配。")
    unmatched = page.locator('table[data-role="unmatched"]')
    expect(unmatched).to_contain_text("E2E0001")
    expect(unmatched).to_contain_text("3,360.00")

    # a second finance person confirms the file on the statement imports page
    page.context.clear_cookies()
    log_in(page, live_server, "finance_e2e2")
    page.goto(f"{live_server.url}/counter/ledger/statements/")
    row = page.locator("#statements tbody tr").first
    expect(row).to_contain_text("财务导入的文件")
    expect(row).to_contain_text("待第二人确认")
    row.get_by_role("button", name="确认").click()
    expect(page.locator(".alert-success")).to_contain_text("已确认")

    page.context.clear_cookies()
    log_in(page, live_server, clerk.username)
    page.get_by_role("navigation").get_by_role("link", name="银行流水").click()
    page.get_by_role("button", name="立即匹配").click()
    expect(page.locator(".alert-success")).to_contain_text("匹配完成：1 份清册入账，0 笔转入单位暂收，0 笔转入总暂收。")
    expect(page.locator('table[data-role="unmatched"]')).to_contain_text("没有未匹配的到账流水。")

    page.get_by_role("navigation").get_by_role("link", name="汇缴").click()
    page.get_by_role("link", name=remittance.reference).click()
    expect(page.locator("#remittance-status")).to_have_text("已到账入账")
    expect(page.locator("#paid-by")).to_contain_text("E2E0001")
    expect(page.locator("#total")).to_have_text("3,360.00")
    if SCREENSHOT:
        page.screenshot(path=SCREENSHOT, full_page=True)

    page.locator("#lines").get_by_role("link", name=zhang.number).click()
    expect(page.locator("#balance")).to_have_text("2,160.00")  # 9,000 × 12% × 2
    expect(page.locator("#ledger-lines")).to_contain_text("2,160.00")
    expect(page.locator("#ledger-lines")).to_contain_text(remittance.reference)

    assert RemittanceList.objects.get(pk=remittance.pk).status == "posted"
    assert run_checks()["ok"]
