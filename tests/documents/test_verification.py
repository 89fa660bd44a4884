"""The public verification page /verify/<code>/: states, uploads, the 404 page, throttling, the depositor's log."""

import datetime

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from core.actors import system_actor
from core.business_date import set_business_date
from documents import services
from documents.models import VerificationLog
from tests.documents.conftest import portal_client


@pytest.fixture(autouse=True)
def _fresh_rate_counters():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def cert(world):
    return services.issue(actor=world["clerk"], account_number=world["a"].number, kind="deposit")


def visitor():
    return Client(HTTP_ACCEPT_LANGUAGE="zh-hans", REMOTE_ADDR="203.0.113.7", HTTP_USER_AGENT="BankScanner/1.0")


def test_valid_certificate_shows_the_minimum(cert, world):
    resp = visitor().get(f"/verify/{cert.code}/")
    page = resp.content.decode()
    assert resp.status_code == 200
    assert 'data-state="valid"' in page and "有效" in page
    assert "张*丰" in page and "张三丰" not in page
    assert "不超过 5 MB" in page
    assert world["a"].depositor.id_number not in page and world["a"].number not in page
    assert cert.number in page and "2026-11-20" in page and "2027-02-19" in page
    assert "个人住房公积金缴存证明" in page
    log = VerificationLog.objects.get()
    assert (log.certificate, log.action, log.state, log.matched) == (cert, "view", "valid", None)
    assert (log.ip_address, log.user_agent) == ("203.0.113.7", "BankScanner/1.0")


def test_expired_and_revoked(cert, world):
    set_business_date(actor=system_actor(), date=datetime.date(2027, 2, 20))
    assert 'data-state="expired"' in visitor().get(f"/verify/{cert.code}/").content.decode()
    services.revoke(actor=world["clerk"], certificate=cert, reason="重新开具")
    assert 'data-state="revoked"' in visitor().get(f"/verify/{cert.code}/").content.decode()
    assert list(VerificationLog.objects.order_by("id").values_list("state", flat=True)) == ["expired", "revoked"]


def test_upload_of_the_issued_copy_and_of_an_altered_one(cert):
    original = services.pdf_bytes(cert)
    resp = visitor().post(f"/verify/{cert.code}/", {"file": SimpleUploadedFile("c.pdf", original)})
    assert resp.status_code == 200 and 'data-matched="yes"' in resp.content.decode()
    altered = bytearray(original)
    altered[len(altered) // 2] ^= 0x01
    resp = visitor().post(f"/verify/{cert.code}/", {"file": SimpleUploadedFile("c.pdf", bytes(altered))})
    assert resp.status_code == 200 and 'data-matched="no"' in resp.content.decode()
    assert list(VerificationLog.objects.order_by("id").values_list("action", "matched")) == [
        ("upload", True), ("upload", False)]


@pytest.mark.parametrize("content, message", [
    (b"GIF89a not a pdf", "该文件不是 PDF 文档"),
    (b"", "提交的是空文件"),
])
def test_not_a_pdf_is_refused_and_nothing_logged(cert, content, message):
    resp = visitor().post(f"/verify/{cert.code}/", {"file": SimpleUploadedFile("c.pdf", content)})
    assert resp.status_code == 400 and message in resp.content.decode()
    assert not VerificationLog.objects.exists()


def test_oversized_upload_is_refused(cert, settings):
    settings.DOCUMENTS_UPLOAD_MAX_BYTES = 1024 * 1024
    resp = visitor().post(f"/verify/{cert.code}/",
                          {"file": SimpleUploadedFile("c.pdf", b"%PDF-1.7\n" + b"0" * (1024 * 1024))})
    assert resp.status_code == 400 and "文件超过 1 MB" in resp.content.decode()
    assert not VerificationLog.objects.exists()


@pytest.mark.parametrize("code", ["ABCDEFGHJKLMNPQRSTUV", "short", "abcdefghjkmnpqrstuvw", "X" * 200, "%3Cscript%3E"])
def test_unknown_or_malformed_code_is_a_clear_404(cert, code):
    resp = visitor().get(f"/verify/{code}/")
    page = resp.content.decode()
    assert resp.status_code == 404 and 'id="verify-unknown"' in page and "没有与该验证码对应的证明" in page
    assert "张" not in page
    assert not VerificationLog.objects.exists()


def test_throttled_per_client_address(cert, settings):
    settings.DOCUMENTS_VERIFY_RATE_PER_MINUTE = 3
    client = visitor()
    assert [client.get(f"/verify/{cert.code}/").status_code for _ in range(4)] == [200, 200, 200, 429]
    other = Client(REMOTE_ADDR="198.51.100.9")
    assert other.get(f"/verify/{cert.code}/").status_code == 200
    assert VerificationLog.objects.count() == 4


def test_depositor_sees_who_verified(cert, world):
    visitor().get(f"/verify/{cert.code}/")
    page = portal_client(world["a"]).get("/portal/certificates/").content.decode()
    assert 'id="verifications"' in page and "203.0.113.7" in page and "BankScanner/1.0" in page
    assert cert.number in page
    other = portal_client(world["b"]).get("/portal/certificates/").content.decode()
    assert "203.0.113.7" not in other and cert.number not in other
