"""A depositor issues a deposit certificate in the portal, downloads the signed PDF, opens the address its QR code
encodes (printed under the code) without logging in and sees the certificate valid."""

import datetime
import io
import os
import re

import pytest

from core.actors import system_actor

if not os.path.exists("/usr/bin/chromium"):
    pytest.skip("Chromium is not installed at /usr/bin/chromium (apt-get install -y chromium)",
                allow_module_level=True)
pytest.importorskip("playwright", reason="Playwright is not installed")

from playwright.sync_api import expect  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from core import roles  # noqa: E402
from core.business_date import set_business_date  # noqa: E402
from documents import pdf  # noqa: E402
from documents.models import Certificate, VerificationLog  # noqa: E402
from tests import factories  # noqa: E402
from tests.conftest import make_user  # noqa: E402
from tests.e2e.test_counter import PASSWORD  # noqa: E402
from tests.loans.conftest import paid_months  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]


@pytest.fixture
def depositor():
    set_business_date(actor=system_actor(), date=datetime.date(2026, 11, 20))
    clerk = make_user("cert_e2e_clerk", roles.CLERK, password=PASSWORD)
    account = factories.account(clerk, name="张三丰", base="9000")
    paid_months(account, [datetime.date(2026, m, 1) for m in (9, 10, 11)], amount="2160")
    person = account.depositor
    person.user = make_user(person.id_number, roles.DEPOSITOR, password=PASSWORD)
    person.save(update_fields=["user"])
    return account


def test_depositor_downloads_certificate_and_its_qr_link_shows_it_valid(page, live_server, depositor):
    page.goto(f"{live_server.url}/portal/login/")
    page.locator("#id_username").fill(depositor.depositor.id_number)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("link", name="证明开具").click()
    page.locator("#id_kind").select_option("deposit")
    page.locator("#id_months").fill("3")
    page.locator("#issue-form").get_by_role("button", name="开具").click()
    expect(page.locator("#my-certificates")).to_contain_text("个人住房公积金缴存证明")
    cert = Certificate.objects.get()

    with page.expect_download() as info:
        page.get_by_role("link", name="下载 PDF").click()
    data = open(info.value.path(), "rb").read()
    assert data.startswith(b"%PDF-") and pdf.verify_pdf_signature(data)
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert "个人住房公积金缴存证明" in text and "张三丰" in text and "2,160.00" in text and cert.number in text
    url = re.search(r"验证网址：(\S+)", text).group(1)
    assert url == f"{live_server.url}/verify/{cert.code}/"

    # Anyone (no login) scanning the code opens that address.
    page.context.clear_cookies()
    page.goto(url)
    expect(page.locator("#verification [data-state]")).to_have_attribute("data-state", "valid")
    expect(page.locator("#verification")).to_contain_text("张*丰")
    expect(page.locator("#verification")).to_contain_text(cert.number)
    # and may upload the PDF to check it is the one issued
    page.locator("#id_file").set_input_files(files=[{"name": "c.pdf", "mimeType": "application/pdf",
                                                     "buffer": data}])
    page.get_by_role("button", name="核对项目").click()
    expect(page.locator("#upload-result")).to_have_attribute("data-matched", "yes")
    assert list(VerificationLog.objects.order_by("id").values_list("action", "matched")) == [
        ("view", None), ("upload", True)]
