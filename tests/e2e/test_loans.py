"""A housing loan in Chromium, from the depositor's online application to "my loan": the depositor applies in the
portal with the scanned documents, the loan officer accepts it (受理) and records the credit check, a reviewer reviews
it (审核) and an approver approves it (审批) — three different people, the last two with their second factor —, the
officer signs the contract, finance disburses it to the developer's presale-funds supervision account and records
that the bank paid, and the borrower sees the loan with its schedule."""

import os
from decimal import Decimal

import pytest

if not os.path.exists("/usr/bin/chromium"):
    pytest.skip("Chromium is not installed at /usr/bin/chromium (apt-get install -y chromium)", allow_module_level=True)
pytest.importorskip("playwright", reason="Playwright is not installed")

from django_otp.oath import totp  # noqa: E402
from playwright.sync_api import expect  # noqa: E402

from core import roles  # noqa: E402
from core.models import CaseTransition  # noqa: E402
from ledger.models import Account, BankInstruction  # noqa: E402
from ledger.reconciliation import run_checks  # noqa: E402
from loans import services  # noqa: E402
from loans.models import LoanApplication, LoanContract, LoanDocument, ScheduleInstallment  # noqa: E402
from tests import factories  # noqa: E402
from tests.conftest import make_user  # noqa: E402
from tests.e2e.test_counter import PASSWORD  # noqa: E402
from tests.e2e.test_portals import portal_log_in  # noqa: E402
from tests.loans.conftest import PURCHASE_DOCUMENTS, household, portal_user, staff  # noqa: E402, F401 (fixtures)

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]

ESCROW = "6222000011119999"
PDF = b"%PDF-1.4 scanned document"


def staff_log_in(page, live_server, user):
    """Password, then (for a role that approves or moves money) the second factor: the authenticator set up from
    the key the page shows, as a person would on first use."""
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/counter/login/")
    page.locator("#id_username").fill(user.username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    heading = page.get_by_role("heading", level=1)
    if roles.has_role(user, *roles.TWO_FACTOR_ROLES):
        from django_otp.plugins.otp_totp.models import TOTPDevice

        expect(heading).to_have_text("双因素认证")
        device = TOTPDevice.objects.get(user=user)
        page.locator("#id_token").fill(f"{totp(device.bin_key):06d}")
        page.locator("#verify").click()
    expect(heading).to_contain_text("欢迎")


def open_case(page, live_server, number):
    page.goto(f"{live_server.url}/counter/loans/")
    page.get_by_role("link", name=number).click()
    expect(page.locator("h1")).to_contain_text(number)


def test_online_application_to_my_loan_through_three_people_and_finance(page, live_server, settings, request):
    settings.STAFF_2FA_REQUIRED = True
    people, home = request.getfixturevalue("staff"), request.getfixturevalue("household")
    finance = make_user("l_e2e_finance", roles.FINANCE)
    services.register_escrow_account(
        actor=finance, kind="presale", number=ESCROW, name="示范置业有限公司预售资金监管户", bank="示范银行"
    )
    factories.deposit(home["spouse"], "600000")  # money in the center's bank to lend
    borrower = home["borrower"].depositor
    portal_user(borrower, borrower.id_number)

    # The depositor applies online: DOMAIN.md §4.3's household asks for ¥600,000 over 276 months, with the scans.
    portal_log_in(page, live_server, "/portal/login/", borrower.id_number)
    page.wait_for_url(f"{live_server.url}/portal/")
    page.goto(f"{live_server.url}/portal/loans/apply/")
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
    expect(page.locator('[data-doc="purchase_contract"] label')).to_contain_text("购房合同或商品房预售合同")
    for doc_type in PURCHASE_DOCUMENTS:
        page.locator(f"#id_doc_{doc_type}").set_input_files(
            files=[{"name": f"{doc_type}.pdf", "mimeType": "application/pdf", "buffer": PDF}]
        )
    page.locator("#submit").click()
    expect(page.locator("#state")).to_have_text("网上已提交")
    app = LoanApplication.objects.get()
    assert (app.state, app.channel, app.requested_amount) == ("submitted", "online", Decimal("600000.00"))
    assert LoanDocument.objects.filter(application=app).count() == len(PURCHASE_DOCUMENTS)
    expect(page.locator("#documents tr")).to_have_count(len(PURCHASE_DOCUMENTS))

    # 受理: the loan officer finds it in the queue, sees the documents, accepts it and records the credit check.
    officer, reviewer, approver = people["officer"], people["reviewer"], people["approver"]
    staff_log_in(page, live_server, officer)
    open_case(page, live_server, app.number)
    expect(page.locator("#checklist .text-success")).to_have_count(len(PURCHASE_DOCUMENTS))
    page.get_by_role("button", name="受理").click()
    expect(page.locator("#state")).to_have_text("已受理")
    page.locator("#id_credit_ok").select_option("1")
    page.locator("#assess").click()
    expect(page.locator('[data-check="credit"]')).to_have_class("text-success")
    expect(page.locator("#limit-granted")).to_have_text("600,000.00")
    expect(page.locator("#promise")).to_contain_text("第 0 天 / 共 15 天")

    # 审核 and 审批: two more people, each with the second factor.
    staff_log_in(page, live_server, reviewer)
    open_case(page, live_server, app.number)
    page.get_by_role("button", name="审核通过").click()
    expect(page.locator("#state")).to_have_text("已审核")
    staff_log_in(page, live_server, approver)
    open_case(page, live_server, app.number)
    page.locator("#id_comment").fill("同意贷款")
    page.get_by_role("button", name="审批通过").click()
    expect(page.locator("#state")).to_have_text("已批准")
    actors = list(
        CaseTransition.objects.filter(case_id=app.pk, case_type__model="loanapplication")
        .exclude(step="")
        .order_by("id")
        .values_list("step", "actor__username")
    )
    assert actors == [("accept", officer.username), ("review", reviewer.username), ("approve", approver.username)]

    # The officer signs the contract: the schedule is stored.
    staff_log_in(page, live_server, officer)
    open_case(page, live_server, app.number)
    page.locator("#id_title_number").fill("示范不动产权第0012345号")
    page.get_by_role("button", name="签订合同并生成还款计划").click()
    contract = LoanContract.objects.get(application=app)
    expect(page.locator("#status")).to_have_text("待放款")
    assert (contract.principal, contract.annual_rate, contract.term_months) == (
        Decimal("600000.00"),
        Decimal("0.026"),
        276,
    )
    assert page.locator("#disburse-form").count() == 0  # the officer does not move money

    # Finance disburses to the presale-funds supervision account (any other payee is refused), then the bank pays.
    staff_log_in(page, live_server, finance)
    page.goto(f"{live_server.url}/counter/loans/contracts/{contract.number}/")
    page.locator("#id_payee_account").fill("6222000000000001")
    page.locator("#disburse").click()
    expect(page.locator(".alert")).to_contain_text("不是已登记的")
    expect(page.locator("#status")).to_have_text("待放款")
    page.locator("#id_payee_account").fill(ESCROW)
    page.locator("#disburse").click()
    expect(page.locator("#status")).to_have_text("放款中（待银行确认）")
    expect(page.locator("#payee")).to_contain_text("示范置业有限公司预售资金监管户")
    page.locator("#confirm-paid").click()
    expect(page.locator("#status")).to_have_text("正常")
    instruction = BankInstruction.objects.get(source=f"loan:{contract.pk}")
    assert (instruction.status, instruction.amount, instruction.payee_account) == (
        "settled",
        Decimal("600000.00"),
        ESCROW,
    )
    contract.refresh_from_db()
    assert Account.objects.get(pk=contract.ledger_account_id).balance == Decimal("600000.00")

    # The borrower sees "my loan": the outstanding principal and the schedule, first and last rows to the fen.
    page.context.clear_cookies()
    portal_log_in(page, live_server, "/portal/login/", borrower.id_number)
    page.wait_for_url(f"{live_server.url}/portal/")
    page.locator("#my-loans a").click()
    expect(page.locator("#outstanding")).to_have_text("600,000.00")
    expect(page.locator("#contract-status")).to_contain_text("正常")
    expect(page.locator("#schedule [data-installment]")).to_have_count(276)
    expect(page.locator('#schedule [data-installment="1"]')).to_contain_text("2,890.60")  # 1,590.60 + 1,300.00
    expect(page.locator('#schedule [data-installment="1"]')).to_contain_text("1,300.00")
    expect(page.locator('#schedule [data-installment="276"]')).to_contain_text("2,890.18")  # absorbs the rounding
    rows = ScheduleInstallment.objects.in_force_of(contract.pk)  # the rows stored, then the plan beyond them
    assert len(rows) == 276 and sum(r.principal for r in rows) == Decimal("600000.00")
    assert run_checks()["ok"]
