"""In Chromium: a finance officer (a role that moves money) logs in with the password, is taken to the two-factor
page, sets up an authenticator from the key shown, enters its code and only then reaches the staff pages."""

import base64
import os

import pytest

if not os.path.exists("/usr/bin/chromium"):
    pytest.skip("Chromium is not installed at /usr/bin/chromium (apt-get install -y chromium)", allow_module_level=True)
pytest.importorskip("playwright", reason="Playwright is not installed")

from django_otp.oath import totp  # noqa: E402
from playwright.sync_api import expect  # noqa: E402

from core import roles  # noqa: E402
from tests.conftest import make_user  # noqa: E402
from tests.e2e.test_counter import PASSWORD  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]


def test_a_money_role_reaches_the_counter_only_after_the_second_factor(page, live_server, settings):
    settings.STAFF_2FA_REQUIRED = True
    make_user("finance_2fa", roles.FINANCE, password=PASSWORD)
    page.goto(f"{live_server.url}/counter/login/")
    page.locator("#id_username").fill("finance_2fa")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("双因素认证")
    expect(page.locator("#qr svg")).to_be_visible()

    page.goto(f"{live_server.url}/counter/ledger/reconciliation/")  # any staff page leads back here
    expect(page.get_by_role("heading", level=1)).to_have_text("双因素认证")
    page.locator("#id_token").fill("123456")
    page.locator("#verify").click()
    expect(page.locator("#otp-error")).to_contain_text("验证码错误或已过期")

    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.update(throttling_failure_count=0, throttling_failure_timestamp=None)  # skip the wait
    key = base64.b32decode(page.locator("#totp-secret").inner_text())
    page.locator("#id_token").fill(f"{totp(key):06d}")
    page.locator("#verify").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("三账平衡")
    assert TOTPDevice.objects.get().confirmed
