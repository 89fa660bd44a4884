"""Uploaded documents: judged by content, bounded by policy, served only as sandboxed attachments after the access
check; the site-wide Content-Security-Policy; no inline script or handler in any template."""

import datetime
import pathlib
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from core.errors import InvalidInput
from core.models import AuditEvent, PolicyValue
from tests.withdrawals.conftest import CARD, doc, ill
from withdrawals import services
from withdrawals.models import DocumentType, Reason, WithdrawalApplication, WithdrawalDocument

D = Decimal
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
HTML = b"<html><script>fetch('/counter/')</script></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'


@pytest.fixture(autouse=True)
def _chinese():
    with translation.override("zh-hans"):
        yield


def apply_with(staff, funded, upload):
    return services.apply(
        actor=staff["clerk"],
        account=funded,
        reason=Reason.ILLNESS,
        amount="800",
        facts=ill("800"),
        payee_card=CARD,
        payee_name="张三",
        documents=[(DocumentType.MEDICAL, upload)],
    )


@pytest.mark.parametrize(
    "name,content",
    [("scan.html", HTML), ("scan.svg", SVG), ("scan.pdf", HTML), ("scan.pdf", SVG), ("statement.txt", b"repaid 30000")],
)
def test_a_document_that_is_not_a_pdf_jpeg_or_png_is_refused_and_nothing_is_written(staff, funded, name, content):
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")
    with pytest.raises(InvalidInput) as exc:
        apply_with(staff, funded, upload)
    assert exc.value.code == "file_type" and "不是 PDF、JPEG 或 PNG 文件" in exc.value.message
    assert exc.value.as_dict()["fields"] == {"documents": ["只接受 PDF、JPEG 或 PNG 扫描件。"]}
    assert not WithdrawalApplication.objects.exists() and not WithdrawalDocument.objects.exists()


def test_scans_are_stored_under_a_name_of_their_judged_type(staff, funded):
    app = apply_with(staff, funded, SimpleUploadedFile("x-ray.html", PNG, content_type="text/html"))
    stored = app.documents.get()
    assert re.fullmatch(r"[0-9a-f]{32}\.png", stored.filename)
    app = apply_with(staff, funded, SimpleUploadedFile("bill.jpeg", JPEG))
    assert app.documents.get().filename.endswith(".jpg")


def test_the_size_limit_comes_from_policy(staff, funded):
    PolicyValue.objects.create(key="withdrawals.document_max_mb", effective_from=datetime.date(2026, 1, 1), value="1")
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.4" + b"0" * (1024 * 1024))
    with pytest.raises(InvalidInput) as exc:
        apply_with(staff, funded, big)
    assert exc.value.code == "file_too_large" and "大于 1 MB" in exc.value.message
    assert not WithdrawalApplication.objects.exists()
    with pytest.raises(InvalidInput) as exc:
        apply_with(staff, funded, SimpleUploadedFile("empty.pdf", b""))
    assert exc.value.code == "file_empty"


def test_the_counter_form_shows_the_refusal_in_chinese(staff, funded, client):
    client.force_login(staff["clerk"])
    page = client.post(
        "/counter/withdrawals/new/",
        {
            "account": funded.number,
            "reason": Reason.ILLNESS,
            "amount": "800",
            "payee_card": CARD,
            "payee_name": "张三",
            "medical_cost": "800",
            "bill_number": "MB-H1",
            "patient": "self",
            f"doc_{DocumentType.MEDICAL}": [SimpleUploadedFile("scan.html", HTML, content_type="text/html")],
        },
    )
    assert page.status_code == 200 and "不是 PDF、JPEG 或 PNG 文件" in page.content.decode()
    assert not WithdrawalApplication.objects.exists()


def test_documents_are_served_as_sandboxed_attachments_after_the_access_check(staff, funded, client, tmp_path):
    app = apply_with(staff, funded, doc())
    stored = app.documents.get()
    # a file stored before this check (an HTML page named .html) is still served as opaque bytes
    legacy = WithdrawalDocument.objects.create(
        application=app, doc_type=DocumentType.OTHER, file=SimpleUploadedFile("old.html", HTML)
    )
    client.force_login(staff["reviewer"])
    for document, expected in ((stored, "application/pdf"), (legacy, "application/octet-stream")):
        response = client.get(f"/counter/withdrawals/{app.number}/documents/{document.pk}/")
        assert response.status_code == 200 and response["Content-Type"] == expected
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert AuditEvent.objects.filter(action="withdrawal.document.view", actor=staff["reviewer"]).count() == 2
    # never from /media/, whatever the mode
    assert client.get(f"/media/{stored.file.name}").status_code == 404
    client.logout()
    assert client.get(f"/media/{stored.file.name}").status_code in (302, 404)
    assert client.get(f"/counter/withdrawals/{app.number}/documents/{stored.pk}/").status_code == 302


def test_every_page_has_a_content_security_policy_without_inline_script(staff, client):
    client.force_login(staff["clerk"])
    response = client.get("/counter/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert "object-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert "Content-Security-Policy" in client.get("/portal/login/")
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and not re.search(rb"<script>(?!\s*</script>)", docs.content)


def test_no_template_has_an_inline_script_handler_or_style_block():
    root = pathlib.Path(__file__).resolve().parents[2] / "templates"
    offenders = []
    for path in root.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text, re.I):
            if "src=" not in tag and "application/json" not in tag:
                offenders.append(f"{path.name}: {tag}")
        offenders += [f"{path.name}: {m}" for m in re.findall(r"\son[a-z]+\s*=", text, re.I)]
        offenders += [f"{path.name}: <style>" for _m in re.findall(r"<style\b", text, re.I)]
        offenders += [f"{path.name}: javascript:" for _m in re.findall(r"javascript:", text, re.I)]
    assert offenders == []
