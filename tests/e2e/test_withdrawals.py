"""A rent withdrawal in Chromium, from the depositor's online application through three members of staff (受理,
审核, 审批, each a different person) to the payment the depositor then sees in the portal."""

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

from core import roles  # noqa: E402
from core.models import CaseTransition, PolicyValue  # noqa: E402
from ledger import services as ledger_services  # noqa: E402
from ledger.models import Account, BankInstruction  # noqa: E402
from ledger.reconciliation import run_checks  # noqa: E402
from tests import factories  # noqa: E402
from tests.conftest import make_user  # noqa: E402
from tests.e2e.test_counter import PASSWORD, log_in  # noqa: E402
from tests.e2e.test_portals import portal_log_in  # noqa: E402
from tests.withdrawals.conftest import CARD, on, paid_months  # noqa: E402
from withdrawals import services  # noqa: E402
from withdrawals.models import Reason, WithdrawalApplication  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]
day = datetime.date


@pytest.fixture
def rent_world():
    on(day(2020, 1, 6))
    clerk = make_user("wd_e2e_clerk", roles.CLERK, password=PASSWORD)
    reviewer = make_user("wd_e2e_reviewer", roles.REVIEWER, password=PASSWORD)
    approver = make_user("wd_e2e_approver", roles.APPROVER, password=PASSWORD)
    account = factories.account(clerk, name="张三")
    factories.deposit(account, "38000")
    on(day(2026, 10, 12))
    paid_months(account, [day(2026, m, 1) for m in range(5, 11)])  # 6 continuous months, ¥50,000 in all
    depositor = account.depositor
    depositor.user = make_user(depositor.id_number, roles.DEPOSITOR, password=PASSWORD)
    depositor.save(update_fields=["user"])
    # This center sends every rent application through its three-level review (no approval by rule).
    PolicyValue.objects.create(key="withdrawals.auto_approve_reasons", effective_from=day(2026, 1, 1), value="[]")
    return account, clerk, reviewer, approver


def test_depositor_applies_online_and_three_people_take_it_through(page, live_server, rent_world):
    account, clerk, reviewer, approver = rent_world
    ledger = Account.objects.get(pk=account.ledger_account_id)
    assert ledger.balance == Decimal("50000.00")

    # The depositor applies online: rent of ¥2,000 for 3 months, capped at ¥1,800 a month.
    portal_log_in(page, live_server, "/portal/login/", account.depositor.id_number)
    page.get_by_role("link", name="提取").first.click()
    page.get_by_role("link", name="申请提取").click()
    page.locator("#id_reason").select_option(Reason.RENT)
    expect(page.locator('[data-doc="lease"] label')).to_have_class("form-label fw-bold")  # the lease is needed
    expect(page.locator('[data-doc="medical"]')).to_be_hidden()
    page.locator("#id_amount").fill("5400")
    page.locator("#id_payee_card").fill(CARD)
    page.locator("#id_payee_name").fill("张三")
    page.locator("#id_monthly_rent").fill("2000")
    page.locator("#id_months").fill("3")
    page.get_by_role("button", name="查看是否符合条件及可提取额度").click()  # htmx: the rules on the facts so far
    expect(page.locator("#preview-maximum")).to_have_text("5,400.00")  # 3 months at the ¥1,800 cap
    expect(page.locator("#preview")).to_contain_text("房屋租赁合同")
    page.locator("#id_doc_lease").set_input_files(files=[{"name": "lease.pdf", "mimeType": "application/pdf",
                                                          "buffer": b"%PDF-1.4 lease"}])
    page.get_by_role("button", name="提交").click()
    app = WithdrawalApplication.objects.get(account=account)
    assert (app.state, app.amount_requested, app.channel) == ("submitted", Decimal("5400.00"), "online")
    expect(page.locator(f"#app-{app.number}")).to_contain_text("网上已提交")

    # 受理: the clerk finds it in the queue and accepts it; the 3-day clock starts.
    page.context.clear_cookies()
    log_in(page, live_server, clerk.username)
    page.goto(f"{live_server.url}/counter/withdrawals/")
    page.get_by_role("link", name=app.number).click()
    expect(page.locator("body")).to_contain_text("房屋租赁合同")
    page.get_by_role("button", name="受理").click()
    expect(page.locator("h1 .badge")).to_have_text("已受理")
    expect(page.locator("#decision-due")).to_contain_text("2026-10-15")  # three days after acceptance
    expect(page.locator("#decision-due")).to_contain_text("还剩 3 天")
    assert page.get_by_role("button", name="审核").count() == 0  # the clerk cannot review

    # 审核: the reviewer sees the computed effect and the ledger lines, and reviews.
    page.context.clear_cookies()
    log_in(page, live_server, reviewer.username)
    page.goto(f"{live_server.url}/counter/withdrawals/")
    page.get_by_role("link", name=app.number).click()
    page.get_by_role("button", name="审核").click()
    expect(page.locator("h1 .badge")).to_have_text("已审核")
    expect(page.locator("body")).to_contain_text("44,600.00")  # balance after
    expect(page.locator("body")).to_contain_text("连续缴存")

    # 审批: the approver approves; the payment goes to the bank at once.
    page.context.clear_cookies()
    log_in(page, live_server, approver.username)
    page.goto(f"{live_server.url}/counter/withdrawals/")
    page.get_by_role("link", name=app.number).click()
    page.locator("#id_comment").fill("同意支付")
    page.get_by_role("button", name="审批").click()
    expect(page.locator("h1 .badge")).to_have_text("已支付，待银行回单")
    app.refresh_from_db()
    assert app.state == "paid" and app.amount_approved == Decimal("5400.00")
    actors = list(CaseTransition.objects.filter(case_type__model="withdrawalapplication", case_id=app.pk)
                  .exclude(actor=None).order_by("id").values_list("actor__username", flat=True))
    assert actors[-4:] == [clerk.username, reviewer.username, approver.username, "system"]  # paid by the system

    # The bank pays the card; the day's bank sync completes the case.
    ledger_services.simulate_bank(actor=system_actor())
    assert services.sync_bank(actor=system_actor()) == {"settled": 1, "failed": 0}
    instruction = BankInstruction.objects.get(source=f"withdrawal:{app.pk}")
    assert (instruction.status, instruction.amount, instruction.payee_account) == ("settled", Decimal("5400.00"),
                                                                                  CARD)

    # The depositor sees the case completed and the balance reduced.
    page.context.clear_cookies()
    portal_log_in(page, live_server, "/portal/login/", account.depositor.id_number)
    expect(page.locator("#balance")).to_have_text("44,600.00")
    page.get_by_role("link", name="提取").first.click()
    expect(page.locator(f"#app-{app.number}")).to_contain_text("已办结")
    expect(page.locator(f"#app-{app.number}")).to_contain_text("5,400.00")
    assert run_checks()["ok"]
