"""Annual statements in Chromium: the depositor opens the statement of the year from the portal menu and reads
opening, interest and closing, downloads the signed PDF and opens the verification address it prints (its QR
code) without logging in: the statement is valid; the auditor downloads the register of statements from the audit
exports."""

import csv
import datetime
import io
import os
import re
from decimal import Decimal

import pytest

from core.actors import system_actor

if not os.path.exists("/usr/bin/chromium"):
    pytest.skip("Chromium is not installed at /usr/bin/chromium (apt-get install -y chromium)", allow_module_level=True)
pytest.importorskip("playwright", reason="Playwright is not installed")

from playwright.sync_api import expect  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from core import roles  # noqa: E402
from core.models import BusinessDay  # noqa: E402
from deposits.services import interest  # noqa: E402
from documents import pdf  # noqa: E402
from documents.models import AnnualStatement, StatementDocument, VerificationLog  # noqa: E402
from documents.services import statements  # noqa: E402
from tests import factories  # noqa: E402
from tests.conftest import make_user  # noqa: E402
from tests.e2e.test_counter import PASSWORD, log_in  # noqa: E402
from tests.e2e.test_portals import portal_log_in  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]


def on(date):
    BusinessDay.objects.update_or_create(pk=1, defaults={"current": date})


@pytest.fixture
def built():
    clerk = make_user("statements_e2e_clerk", roles.CLERK, password=PASSWORD)
    on(datetime.date(2025, 6, 1))
    account = factories.account(clerk, name="张三丰")
    factories.deposit(account, "50000.00")
    on(datetime.date(2025, 9, 10))
    factories.deposit(account, "2000.00")
    on(datetime.date(2026, 7, 1))
    interest.settle_interest(year=2026, actor=system_actor())
    statements.build_statements(year=2026, actor=system_actor())
    person = account.depositor
    person.user = make_user(person.id_number, roles.DEPOSITOR, password=PASSWORD)
    person.save(update_fields=["user"])
    make_user("auditor_e2e", roles.AUDITOR, password=PASSWORD)
    return account, AnnualStatement.objects.get(year=2026, account=account)


def test_depositor_reads_the_statement_and_auditor_exports_the_register(page, live_server, built):
    account, s = built
    assert s.identity_ok and s.opening == Decimal("50000.00") and s.regular == Decimal("2000.00")
    portal_log_in(page, live_server, "/portal/login/", account.depositor.id_number)
    page.get_by_role("link", name="年度对账单", exact=True).click()
    expect(page.locator("[data-key=opening]")).to_have_text("50,000.00")
    expect(page.locator("[data-key=regular]")).to_have_text("2,000.00")
    expect(page.locator("[data-key=interest]")).to_have_text(f"{s.interest:,.2f}")
    expect(page.locator("[data-key=closing]")).to_have_text(f"{s.closing:,.2f}")
    expect(page.locator("#statement-lines")).to_contain_text("本年汇缴（1 个月）")

    with page.expect_download() as info:
        page.locator("#statement-pdf").click()
    data = open(info.value.path(), "rb").read()
    assert data.startswith(b"%PDF-") and pdf.verify_pdf_signature(data)
    document = StatementDocument.objects.get()
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert "张三丰" in text and document.code in text
    url = re.search(r"验证网址：(\S+)", text).group(1)
    assert url == f"{live_server.url}/verify/{document.code}/"
    page.context.clear_cookies()
    page.goto(url)  # anyone scanning the QR code
    expect(page.locator("#verification [data-state]")).to_have_attribute("data-state", "valid")
    expect(page.locator("#verification")).to_contain_text("张*丰")
    expect(page.locator("#verification")).to_contain_text("个人住房公积金年度对账单")
    expect(page.locator("#interest-year")).to_have_text("2025-07-01 – 2026-06-30")
    assert list(VerificationLog.objects.values_list("statement_document", "action")) == [(document.pk, "view")]

    page.context.clear_cookies()
    log_in(page, live_server, "auditor_e2e")
    page.get_by_role("link", name="稽核导出").click()
    form = page.locator("#export-statements")
    form.locator("input[name=statements-year]").fill("2026")
    form.locator("select[name=statements-format]").select_option("csv")
    with page.expect_download() as download:
        form.get_by_role("button").click()
    text = open(download.value.path(), encoding="utf-8-sig").read()
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 2 and rows[1][1] == account.number and rows[1][13] == str(s.closing)
