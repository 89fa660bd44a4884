import datetime
import io

import pytest
from django.test import Client
from pypdf import PdfReader

from core.actors import system_actor
from core.business_date import set_business_date
from tests import factories
from tests.conftest import make_user
from tests.loans.conftest import household, paid_months, staff  # noqa: F401  (the loans tests' fixtures)

TODAY = datetime.date(2026, 11, 20)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def world(clerk):
    """On 2026-11-20: 张三丰's open account (base 9,000, 12 % + 12 %) with deposits posted for September to
    November 2026 (2,160.00 each), a depositor login; 李四's account, also with a login."""
    set_business_date(actor=system_actor(), date=TODAY)
    emp = factories.employer(clerk)
    a = factories.account(clerk, emp, name="张三丰", base="9000")
    b = factories.account(clerk, emp, name="李四", base="5000")
    paid_months(a, [datetime.date(2026, m, 1) for m in (9, 10, 11)], amount="2160")
    for account in (a, b):
        account.depositor.user = make_user(account.depositor.id_number, "depositor")
        account.depositor.save(update_fields=["user"])
        account.refresh_from_db()
    return {"clerk": clerk, "employer": emp, "a": a, "b": b}


def portal_client(account):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(account.depositor.user)
    return client
