"""A flagged court deduction in Chromium (DOMAIN.md §6.4): the operator prepares it and opens its risk page from the
workbench, an approver records the second-level review and prints the request to verify, the letter is recorded
as sent, and only then the checker's confirmation deducts the money, recorded as a court withdrawal."""

import os
from decimal import Decimal

import pytest

if not os.path.exists("/usr/bin/chromium"):
    pytest.skip("Chromium is not installed at /usr/bin/chromium (apt-get install -y chromium)",
                allow_module_level=True)
pytest.importorskip("playwright", reason="Playwright is not installed")

from playwright.sync_api import expect  # noqa: E402

from accounts import services as account_services  # noqa: E402
from core import roles  # noqa: E402
from judicial import services  # noqa: E402
from judicial.models import JudicialRequest, RiskLetter, RiskReview  # noqa: E402
from ledger.models import Account  # noqa: E402
from ledger.reconciliation import run_checks  # noqa: E402
from tests import factories  # noqa: E402
from tests.conftest import make_user  # noqa: E402
from tests.e2e.test_counter import PASSWORD, log_in  # noqa: E402
from tests.judicial.conftest import day, on, request_data  # noqa: E402
from withdrawals.models import Reason, WithdrawalApplication  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]
DOCS = {"ruling_number": "(2026)粤0305执30003号之一", "notice_number": "协执字第88号",
        "payee_name": "示范市南山区人民法院执行款专户", "payee_account": "44201500000000001"}


@pytest.fixture
def flagged_world():
    on(day(2026, 10, 12))
    maker = make_user("j_risk_maker", roles.JUDICIAL_OFFICER, password=PASSWORD)
    checker = make_user("j_risk_checker", roles.JUDICIAL_OFFICER, password=PASSWORD)
    approver = make_user("j_risk_approver", roles.APPROVER, password=PASSWORD)
    clerk = make_user("j_risk_clerk", roles.CLERK, password=PASSWORD)
    # A retired man (born 1964): the withdrawal rules find the retirement ground, so the deduction may run.
    person = account_services.register_depositor(actor=clerk, name="张三", phone="13900000001",
                                                 id_number=factories.make_id(1, birth="19640307"))
    account = account_services.open_account(actor=clerk, employer=factories.employer(clerk), depositor=person,
                                            base="8000")
    factories.deposit(account, "50000.00")
    court = services.register_court(actor=maker, code="4403050", name="示范市南山区人民法院",
                                    enforcement_account_name="示范市南山区人民法院执行款专户",
                                    enforcement_account_number="44201500000000001", enforcement_bank="建设银行南山支行")
    freeze = services.receive_request(actor=maker, court=court,
                                      data=request_data(account, "freeze", amount="50000.00"))
    services.confirm(actor=checker, request=services.prepare(actor=maker, request=freeze))
    # The Hanchuan pattern: a judicial confirmation of a mediation agreement, the debt equal to the balance.
    deduction = services.receive_request(actor=maker, court=court, data=request_data(
        account, "deduct", amount="50000.00", original_number=freeze.number, basis_type="judicial_confirmation",
        ruling_date="2026-09-23", enforcement_filed_on="2026-09-27", creditor_name="严某", **DOCS))
    assert deduction.risk_flagged
    return account, maker, checker, approver, deduction


def test_a_flagged_deduction_is_reviewed_the_letter_printed_and_then_confirmed(page, live_server, flagged_world):
    account, maker, checker, approver, req = flagged_world

    # 经办: the operator prepares the deduction, then opens its risk page from the workbench row.
    log_in(page, live_server, maker.username)
    page.goto(f"{live_server.url}/counter/judicial/requests/{req.pk}/")
    page.get_by_role("button", name="经办").click()
    expect(page.locator("#request-state")).to_contain_text("待复核")
    page.goto(f"{live_server.url}/counter/judicial/?state=prepared")
    page.locator("#requests").get_by_role("link", name="已预警：去审查").click()
    expect(page.locator("#flagged")).to_be_visible()
    expect(page.locator("#signals li")).not_to_have_count(0)
    expect(page.locator("#second-review")).to_contain_text("尚未二级审核")

    # The checker cannot confirm before the second-level review: the money stays frozen.
    page.context.clear_cookies()
    log_in(page, live_server, checker.username)
    page.goto(f"{live_server.url}/counter/judicial/requests/{req.pk}/")
    page.get_by_role("button", name="复核确认").click()
    expect(page.locator(".alert-danger").first).to_be_visible()
    expect(page.locator("#request-state")).to_contain_text("待复核")
    ledger = Account.objects.get(pk=account.ledger_account_id)
    assert (ledger.balance, ledger.held) == (Decimal("50000.00"), Decimal("50000.00"))

    # 二级审核: an approver prints the request to verify, records it as sent, and lets the deduction proceed.
    page.context.clear_cookies()
    log_in(page, live_server, approver.username)
    page.goto(f"{live_server.url}/counter/judicial/deductions/{req.pk}/")
    with page.expect_popup() as popup:
        page.get_by_role("link", name="打印核实函").click()
    letter = popup.value
    expect(letter.locator("#letter-title")).to_contain_text("核实")
    expect(letter.locator("#letter-signals li")).not_to_have_count(0)
    letter.close()
    page.locator("#id_kind").select_option("verification")
    page.get_by_role("button", name="登记为已发送").click()
    expect(page.locator("#letters tbody")).to_contain_text("核实函")
    sent = RiskLetter.objects.get(request=req)
    page.locator("#id_decision").select_option("proceed")
    page.locator("#id_comment").fill("已向法院核实，裁定有效，准予执行")
    page.get_by_role("button", name="登记审核结论").click()
    expect(page.locator("#second-review tbody")).to_contain_text("准予执行")
    assert RiskReview.objects.get(request=req).reviewer == approver
    with page.expect_popup() as popup:
        page.get_by_role("link", name=sent.number).click()
    expect(popup.value.locator("#letter-number")).to_have_text(sent.number)

    # 复核: the checker confirms now; the court's account is paid and a court withdrawal is on the account.
    page.context.clear_cookies()
    log_in(page, live_server, checker.username)
    page.goto(f"{live_server.url}/counter/judicial/requests/{req.pk}/")
    page.get_by_role("button", name="复核确认").click()
    expect(page.locator("#request-state")).to_have_text("已执行")
    expect(page.locator("#actual-amount")).to_have_text("50,000.00")
    req.refresh_from_db()
    assert (req.state, req.actual_amount) == (JudicialRequest.State.EXECUTED, Decimal("50000.00"))
    assert req.instruction.payee_account == "44201500000000001"
    case = WithdrawalApplication.objects.get(account=account)
    assert (case.reason, case.amount_approved, case.instruction_id) == (Reason.COURT_DEDUCTION,
                                                                      Decimal("50000.00"), req.instruction_id)
    ledger.refresh_from_db()
    assert (ledger.balance, ledger.held) == (Decimal("0.00"), Decimal("0.00"))
    assert run_checks()["ok"]
