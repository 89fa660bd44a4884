"""A court's freeze request in Chromium: it arrives through the signed court API, a judicial officer prepares it
on the workbench, a second officer confirms it, and the court reads the receipt (回执) with the amount frozen."""

import json
import os
import secrets
import time
from decimal import Decimal

import pytest

if not os.path.exists("/usr/bin/chromium"):
    pytest.skip("Chromium is not installed at /usr/bin/chromium (apt-get install -y chromium)",
                allow_module_level=True)
pytest.importorskip("playwright", reason="Playwright is not installed")

from django.test import Client  # noqa: E402
from playwright.sync_api import expect  # noqa: E402

from core import roles  # noqa: E402
from judicial import services  # noqa: E402
from judicial.models import JudicialRequest  # noqa: E402
from judicial.services import credentials  # noqa: E402
from ledger.models import Account  # noqa: E402
from ledger.reconciliation import run_checks  # noqa: E402
from tests import factories  # noqa: E402
from tests.conftest import make_user  # noqa: E402
from tests.e2e.test_counter import PASSWORD, log_in  # noqa: E402
from tests.judicial.conftest import day, on, request_data  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]
URL = "/api/v1/judicial/requests/"


def signed(client, key, method, path, body=b""):
    credential, secret = key
    stamp, nonce = str(int(time.time())), secrets.token_hex(12)
    headers = {"X-Court-Key": credential.key_id, "X-Court-Timestamp": stamp, "X-Court-Nonce": nonce,
               "X-Court-Signature": credentials.sign(secret, timestamp=stamp, nonce=nonce, method=method,
                                                     path=path, body=body)}
    if method == "GET":
        return client.get(path, headers=headers)
    return client.post(path, data=body, content_type="application/json", headers=headers)


@pytest.fixture
def court_world():
    on(day(2026, 10, 12))
    maker = make_user("j_e2e_maker", roles.JUDICIAL_OFFICER, password=PASSWORD)
    checker = make_user("j_e2e_checker", roles.JUDICIAL_OFFICER, password=PASSWORD)
    admin = make_user("j_e2e_admin", roles.SYSADMIN, password=PASSWORD)
    clerk = make_user("j_e2e_clerk", roles.CLERK, password=PASSWORD)
    account = factories.account(clerk, name="张三")
    factories.deposit(account, "50000.00")
    court = services.register_court(actor=maker, code="4403050", name="示范市南山区人民法院",
                                    enforcement_account_name="示范市南山区人民法院执行款专户",
                                    enforcement_account_number="44201500000000001", enforcement_bank="建设银行南山支行")
    key = credentials.issue_credential(actor=admin, court=court)
    return account, maker, checker, key


def test_a_court_freeze_arrives_by_api_two_officers_act_and_the_court_reads_the_receipt(page, live_server,
                                                                                       court_world):
    account, maker, checker, key = court_world
    court_client = Client()
    data = request_data(account, "freeze", amount="20000.00", start_date="2026-10-12")
    sent = signed(court_client, key, "POST", URL, json.dumps(data, ensure_ascii=False).encode())
    assert sent.status_code == 201 and sent.json()["state"] == "received"
    req = JudicialRequest.objects.get(number=data["number"])

    # 经办: the first officer finds it on the workbench and prepares it.
    log_in(page, live_server, maker.username)
    page.goto(f"{live_server.url}/counter/judicial/?state=received")
    page.locator("#requests").get_by_role("link", name=req.number).click()
    expect(page.locator("#request-state")).to_have_text("已接收")
    expect(page.locator("#answer-due")).to_have_text("2026-10-15")
    page.get_by_role("button", name="经办").click()
    expect(page.locator("#request-state")).to_contain_text("待复核")
    expect(page.locator("#proposal")).to_contain_text("拟冻结金额20,000.00")  # the prepared effect in words
    assert page.get_by_role("button", name="复核确认").count() == 0  # the maker cannot check their own work

    # 复核: a second officer confirms; the freeze takes effect now.
    page.context.clear_cookies()
    log_in(page, live_server, checker.username)
    page.goto(f"{live_server.url}/counter/judicial/requests/{req.pk}/")
    page.get_by_role("button", name="复核确认").click()
    expect(page.locator("#request-state")).to_have_text("已执行")
    expect(page.locator("#actual-amount")).to_have_text("20,000.00")
    page.get_by_role("link", name="打印回执").click()
    expect(page.locator("#receipt")).to_contain_text("协助执行回执")
    expect(page.locator("#receipt-amount")).to_have_text("20,000.00")

    ledger = Account.objects.get(pk=account.ledger_account_id)
    assert (ledger.balance, ledger.held) == (Decimal("50000.00"), Decimal("20000.00"))

    # The court reads the receipt through the API.
    receipt = signed(court_client, key, "GET", f"{URL}{req.number}/").json()
    assert receipt["state"] == "executed"
    assert receipt["receipt"]["actual_amount"] == "20000.00"
    assert receipt["receipt"]["freeze"]["amount_frozen"] == "20000.00"
    assert (receipt["receipt"]["operator"], receipt["receipt"]["checker"]) == (maker.username, checker.username)
    assert run_checks()["ok"]
