"""Annual statement PDFs are verifiable like certificates: the PDF prints its verification code and the QR code of
/verify/<code>/ next to the seal; that page shows the statement's minimum fields, checks an uploaded copy against
the archived bytes and logs every look for the depositor; documents issued before codes existed keep working."""

import io
import re

import pytest
import segno
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from core import roles
from documents.models import AnnualStatement, ArchiveRecord, StatementDocument, VerificationLog
from documents.services import statement_pdfs
from documents.services.certificates import CODE_PATTERN
from tests.conftest import make_user
from tests.documents import test_statement_pdfs
from tests.documents.conftest import pdf_text

BASE = "https://gjj.example.cn/"
year_2026 = test_statement_pdfs.year_2026  # the statement PDF tests' fixture


@pytest.fixture(autouse=True)
def _fresh_rate_counters():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def document(year_2026):
    statement = AnnualStatement.objects.get(year=2026, account=year_2026["a"])
    return statement_pdfs.issue(actor=year_2026["clerk"], statement=statement, base_url=BASE)


def visitor():
    return Client(HTTP_ACCEPT_LANGUAGE="zh-hans", REMOTE_ADDR="203.0.113.7", HTTP_USER_AGENT="BankScanner/1.0")


def qr_modules(data: bytes) -> set[tuple[int, int]]:
    """The dark modules (row, column) of the QR code drawn on the PDF's first page. WeasyPrint draws segno's SVG
    as one horizontal stroke per run of dark modules, in module units: ``x1 y.5 m`` / ``x2 y.5 l``."""
    stream = PdfReader(io.BytesIO(data)).pages[0].get_contents().get_data().decode("latin-1")
    dark = set()
    for x1, y, x2 in re.findall(r"^(\d+) (\d+)\.5 m\n(\d+) \2\.5 l$", stream, flags=re.M):
        dark.update((int(y), x) for x in range(int(x1), int(x2)))
    return dark


def expected_modules(text: str) -> set[tuple[int, int]]:
    """The dark modules of the QR code of ``text`` as documents.pdf.qr_data_uri draws it (border 1)."""
    rows = segno.make(text, error="m").matrix_iter(scale=1, border=1)
    return {(r, c) for r, row in enumerate(rows) for c, dark in enumerate(row) if dark}


def test_statement_pdf_prints_the_code_and_the_qr_code_of_its_verification_page(document, year_2026):
    assert CODE_PATTERN.match(document.code)
    url = f"https://gjj.example.cn/verify/{document.code}/"
    data = statement_pdfs.pdf_bytes(document)
    text = pdf_text(data)
    assert re.search(r"验证码：\s*" + document.code, text)
    assert re.search(r"验证网址：(\S+)", text).group(1) == url
    modules = qr_modules(data)
    assert len(modules) > 200 and modules == expected_modules(url)  # the QR code decodes to the URL
    # a statement of the employer's ZIP (no request) points to settings.PUBLIC_BASE_URL, like a certificate
    other = AnnualStatement.objects.get(year=2026, account=year_2026["b"])
    (zipped,) = statement_pdfs.issue_many(actor=year_2026["clerk"], statements=[other])
    assert zipped.code and zipped.code != document.code
    assert f"验证网址：http://127.0.0.1:8000/verify/{zipped.code}/" in pdf_text(statement_pdfs.pdf_bytes(zipped))


def test_the_portal_download_points_to_the_site_it_came_from(year_2026):
    a = year_2026["a"]
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(a.depositor.user)
    response = client.get(f"/portal/accounts/{a.number}/statement/pdf/?year=2026")
    document = StatementDocument.objects.get()
    assert response.status_code == 200
    assert f"验证网址：http://testserver/verify/{document.code}/" in pdf_text(response.content)


def test_a_document_stored_first_keeps_its_code(document, year_2026):
    """Two requests rendered the same statement: the second one's code and bytes are dropped."""
    statement = document.statement
    data = statement_pdfs.printed_data(statement)
    again = statement_pdfs._store(actor=year_2026["clerk"], statement=statement, data=data,
                                  code="ABCDEFGHJKLMNPQRSTUV", content=b"%PDF-1.7 other render")
    assert again.pk == document.pk and again.code == document.code
    assert StatementDocument.objects.count() == 1 and ArchiveRecord.objects.filter(kind="statement").count() == 1
    assert visitor().get("/verify/ABCDEFGHJKLMNPQRSTUV/").status_code == 404


def test_verification_page_shows_the_statement_minimum(document, year_2026):
    a = year_2026["a"]
    resp = visitor().get(f"/verify/{document.code}/")
    page = resp.content.decode()
    assert resp.status_code == 200
    assert 'data-state="valid"' in page and "有效" in page
    assert "张*丰" in page and "张三丰" not in page
    assert "个人住房公积金年度对账单" in page and document.number in page
    assert re.search(r'id="interest-year">2025-07-01 – 2026-06-30<', page)
    assert timezone.localdate(document.issued_at).isoformat() in page
    assert a.depositor.id_number not in page and f"{document.statement.closing:,.2f}" not in page
    log = VerificationLog.objects.get()
    assert (log.statement_document, log.certificate, log.action, log.state, log.matched) == (
        document, None, "view", "valid", None)
    assert (log.ip_address, log.user_agent) == ("203.0.113.7", "BankScanner/1.0")


def test_upload_of_the_statement_and_of_an_altered_copy(document):
    original = statement_pdfs.pdf_bytes(document)
    resp = visitor().post(f"/verify/{document.code}/", {"file": SimpleUploadedFile("s.pdf", original)})
    assert resp.status_code == 200 and 'data-matched="yes"' in resp.content.decode()
    altered = bytearray(original)
    altered[len(altered) // 2] ^= 0x01
    resp = visitor().post(f"/verify/{document.code}/", {"file": SimpleUploadedFile("s.pdf", bytes(altered))})
    assert resp.status_code == 200 and 'data-matched="no"' in resp.content.decode()
    resp = visitor().post(f"/verify/{document.code}/", {"file": SimpleUploadedFile("s.pdf", b"GIF89a")})
    assert resp.status_code == 400 and "该文件不是 PDF 文档" in resp.content.decode()
    assert list(VerificationLog.objects.order_by("id").values_list("statement_document", "action", "matched")) == [
        (document.pk, "upload", True), (document.pk, "upload", False)]


def test_depositor_sees_who_verified_the_statement_and_no_one_else_does(document, year_2026):
    visitor().get(f"/verify/{document.code}/")
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(year_2026["a"].depositor.user)
    page = client.get("/portal/certificates/").content.decode()
    assert 'id="verifications"' in page and "203.0.113.7" in page and "BankScanner/1.0" in page
    assert document.number in page and "谁核验了我的证明和对账单" in page
    b = year_2026["b"]
    b.depositor.user = make_user(b.depositor.id_number, roles.DEPOSITOR)
    b.depositor.save(update_fields=["user"])
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(b.depositor.user)
    other = client.get("/portal/certificates/").content.decode()
    assert "203.0.113.7" not in other and document.number not in other
    assert VerificationLog.objects.visible_to(b.depositor.user).count() == 0
    assert VerificationLog.objects.visible_to(year_2026["a"].depositor.user).count() == 1


def test_unknown_codes_throttle_and_documents_without_a_code(document, year_2026, settings):
    for code in (document.code.lower(), document.code[:-1], document.code + "A"):
        resp = visitor().get(f"/verify/{code}/")
        assert resp.status_code == 404 and 'id="verify-unknown"' in resp.content.decode()
    settings.DOCUMENTS_VERIFY_RATE_PER_MINUTE = 5
    assert [visitor().get(f"/verify/{document.code}/").status_code for _ in range(3)] == [200, 200, 429]
    assert VerificationLog.objects.count() == 2
    # a document issued before statements carried a code is still handed out, and verifies nothing
    StatementDocument.objects.filter(pk=document.pk).update(code=None)
    a = year_2026["a"]
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(a.depositor.user)
    response = client.get(f"/portal/accounts/{a.number}/statement/pdf/?year=2026")
    assert response.status_code == 200 and response.content == statement_pdfs.pdf_bytes(document)
    assert StatementDocument.objects.count() == 1


def test_a_log_row_concerns_exactly_one_document(document):
    with pytest.raises(IntegrityError), transaction.atomic():
        VerificationLog.objects.create(action="view", state="valid")
    assert not VerificationLog.objects.exists()
