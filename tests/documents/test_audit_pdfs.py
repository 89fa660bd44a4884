"""The auditor's exports as signed PDF: the journal, the reconciliation report, the judicial deduction register,
the register of issued certificates (also CSV) and the register of annual statements; each PDF's text and
signature; the policy bounds on rows and days refuse with a message before anything is rendered."""
# ruff: noqa: F811  (the pages' ``world`` fixture is imported and used as an argument)

import datetime

import pytest

from core.errors import Forbidden, InvalidInput
from core.models import PolicyValue
from documents import pdf
from documents.models import AnnualStatement
from documents.services import certificates as certificate_services
from documents.services import exports
from ledger.models import JournalLine
from tests.documents.conftest import pdf_text
from tests.documents.test_pages import csv_rows, on, staff, world  # noqa: F401  (the pages' fixture)

day = datetime.date


def get_pdf(client, url):
    resp = client.get(url)
    assert resp.status_code == 200, resp.get("Location")
    assert resp["Content-Type"] == "application/pdf" and resp["Content-Disposition"].endswith('.pdf"')
    assert pdf.verify_pdf_signature(resp.content)
    return pdf_text(resp.content)


def test_journal_statement_register_and_reconciliation_as_signed_pdf(world, auditor):
    a, _b = world
    client = staff(auditor)
    text = get_pdf(client, "/counter/documents/audit/journal/?journal-start=2025-08-01&journal-end=2025-08-31"
                           "&journal-format=pdf")
    lines = JournalLine.objects.filter(business_date__gte=day(2025, 8, 1), business_date__lte=day(2025, 8, 31))
    assert "期间会计分录" in text
    assert f"共 {lines.count()} 行" in text and "2,000.00" not in text and "2000.00" in text and "12.34" in text
    s = AnnualStatement.objects.get(year=2026, account=a)
    text = get_pdf(client, "/counter/documents/audit/statements/?statements-year=2026&statements-format=pdf")
    assert a.number in text and "甲" in text and "10000.00" in text and str(s.closing) in text and "共 2 行" in text
    text = get_pdf(client, "/counter/documents/audit/reconciliation/?reconciliation-format=pdf")
    assert "试算平衡" in text and "OK" in text


def test_certificate_register_csv_and_pdf(world, auditor, clerk):
    a, _b = world
    on(day(2026, 7, 2))
    cert = certificate_services.issue(actor=clerk, account_number=a.number, kind="deposit", months=3)
    client = staff(auditor)
    query = "certificates-start=2026-07-01&certificates-end=2026-07-31&certificates-format="
    rows = csv_rows(client.get(f"/counter/documents/audit/certificates/?{query}csv"))
    assert len(rows) == 2 and rows[1][0] == cert.number and rows[1][2] == a.number and rows[1][3] == "甲"
    assert rows[1][10] == cert.sha256
    text = get_pdf(client, f"/counter/documents/audit/certificates/?{query}pdf")
    assert cert.number in text and "甲" in text and "共 1 行" in text
    empty = csv_rows(client.get("/counter/documents/audit/certificates/?certificates-start=2026-06-01&"
                                "certificates-end=2026-06-30&certificates-format=csv"))
    assert len(empty) == 1


def test_judicial_register_as_signed_pdf(world, auditor):
    text = get_pdf(staff(auditor), "/counter/documents/audit/judicial-deductions/?judicial-start=2026-06-01&"
                                   "judicial-end=2026-06-30&judicial-format=pdf")
    assert "司法扣划" in text and "共 0 行" in text


def test_pdf_bounds_refuse_with_a_message(world, auditor, clerk):
    client = staff(auditor)
    resp = client.get("/counter/documents/audit/journal/?journal-start=2025-07-01&journal-end=2025-08-31"
                      "&journal-format=pdf")
    assert resp.status_code == 302 and resp.url == "/counter/documents/audit/"
    page = client.get(resp.url).content.decode()
    assert "签名PDF最多涵盖 31 天" in page
    PolicyValue.objects.filter(key="documents.pdf_export_max_rows").update(value="1")
    resp = client.get("/counter/documents/audit/statements/?statements-year=2026&statements-format=pdf")
    assert resp.status_code == 302
    assert "签名PDF最多 1 行（本次导出 2 行）" in client.get(resp.url).content.decode()
    # CSV is not bound by the PDF limit
    assert client.get("/counter/documents/audit/statements/?statements-year=2026&statements-format=csv"
                      ).status_code == 200
    with pytest.raises(InvalidInput):  # the service refuses before it reads the rows
        exports.signed_table(actor=auditor, title="t", subtitle="s", headers=["h"], rows=iter(()), count=2)
    with pytest.raises(Forbidden):  # only auditors
        exports.signed_table(actor=clerk, title="t", subtitle="s", headers=["h"], rows=iter(()), count=0)
