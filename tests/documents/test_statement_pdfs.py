"""Signed PDFs of annual statements: the text in Chinese (name, year, amounts), the signature, the cache (the
second download hands out the same archived bytes, nothing rendered again), the e-archive holds each issued PDF
once; the employer's ZIP built by a Celery task (eager in tests) with progress; refusals write nothing."""

import datetime
import io
import zipfile
from decimal import Decimal
from unittest import mock

import pytest
from django.test import Client, override_settings

from core import roles
from core.actors import system_actor
from core.errors import InvalidInput, NotFound, StateError
from core.models import BatchRun, BusinessDay
from deposits.services import interest
from documents import pdf
from documents.models import AnnualStatement, ArchiveRecord, StatementDocument
from documents.services import archive, statement_pdfs, statement_zips, statements
from tests import factories
from tests.conftest import make_user
from tests.documents.conftest import pdf_text

D = Decimal


def on(date):
    BusinessDay.objects.update_or_create(pk=1, defaults={"current": date})


@pytest.fixture
def media(tmp_path):
    with override_settings(MEDIA_ROOT=tmp_path / "media"):
        yield tmp_path / "media"


@pytest.fixture
def year_2026(clerk):
    """An employer with three employees: 张三丰 (50,000.00 carried over, 2,000.00 deposited in the year), 李四 and
    王五 (1,000.00 each in the year); a second employer with 赵六; the 2026 interest settled and statements built."""
    on(datetime.date(2025, 6, 1))
    emp = factories.employer(clerk, name="示范华信电子科技有限公司")
    other = factories.employer(clerk, name="示范远航物流有限公司")
    a = factories.account(clerk, emp, name="张三丰")
    b = factories.account(clerk, emp, name="李四")
    c = factories.account(clerk, emp, name="王五")
    d = factories.account(clerk, other, name="赵六")
    factories.deposit(a, "50000.00")
    on(datetime.date(2025, 9, 10))
    factories.deposit(a, "2000.00")
    for account in (b, c, d):
        factories.deposit(account, "1000.00")
    on(datetime.date(2026, 7, 1))
    interest.settle_interest(year=2026, actor=system_actor())
    run = statements.build_statements(year=2026, actor=system_actor())
    assert run.status == BatchRun.Status.DONE
    a.depositor.user = make_user(a.depositor.id_number, roles.DEPOSITOR)
    a.depositor.save(update_fields=["user"])
    return {"clerk": clerk, "employer": emp, "other": other, "a": a, "b": b, "c": c, "d": d}


def test_statement_pdf_text_signature_cache_and_archive_once(year_2026, monkeypatch):
    a = year_2026["a"]
    s = AnnualStatement.objects.get(year=2026, account=a)
    assert s.opening == D("50000.00") and s.regular == D("2000.00") and s.interest > 0
    closing = f"{s.closing:,.2f}"
    renders = []
    real = pdf.render_pdf_many
    monkeypatch.setattr(pdf, "render_pdf_many", lambda *a, **k: renders.append(1) or real(*a, **k))

    first = statement_pdfs.issue(actor=year_2026["clerk"], statement=s)
    data = statement_pdfs.pdf_bytes(first)
    text = pdf_text(data)
    for expected in ("个人住房公积金年度对账单", "张三丰", a.number, "2025年07月01日至2026年06月30日",
                     "上年结转余额", "50,000.00", "2,000.00", "年度利息", f"{s.interest:,.2f}", "本年末余额", closing):
        assert expected in text, expected
    assert pdf.verify_pdf_signature(data)
    assert not pdf.verify_pdf_signature(data[:-200] + bytes([data[-200] ^ 1]) + data[-199:])
    assert first.archive.kind == "statement" and first.archive.reference == first.number
    assert first.number.startswith(f"DZ2026{a.number}-") and len(renders) == 1

    # the second download (the depositor's, in the portal) hands out the same bytes: nothing rendered, archived once
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(a.depositor.user)
    response = client.get(f"/portal/accounts/{a.number}/statement/pdf/?year=2026")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content == data and len(renders) == 1
    assert StatementDocument.objects.count() == 1
    assert ArchiveRecord.objects.filter(kind="statement").count() == 1
    assert archive.verify_chain()["ok"]


def test_staff_page_and_download(year_2026):
    a = year_2026["a"]
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(year_2026["clerk"])
    page = client.get(f"/counter/documents/accounts/{a.number}/statement/")
    assert page.status_code == 200 and "张三丰" in page.content.decode() and "statement-pdf" in page.content.decode()
    response = client.get(f"/counter/documents/accounts/{a.number}/statement/pdf/?year=2026")
    assert response.status_code == 200 and "张三丰" in pdf_text(response.content)
    # a year without a statement, a malformed year: a message, nothing issued
    for year in ("2025", "abc", "99999999999999999999"):
        response = client.get(f"/counter/documents/accounts/{a.number}/statement/pdf/?year={year}")
        assert response.status_code == 302
    assert StatementDocument.objects.count() == 1
    # another depositor cannot download 张三丰's statement
    other = year_2026["b"]
    other.depositor.user = make_user(other.depositor.id_number, roles.DEPOSITOR)
    other.depositor.save(update_fields=["user"])
    client = Client()
    client.force_login(other.depositor.user)
    assert client.get(f"/portal/accounts/{a.number}/statement/pdf/?year=2026").status_code == 404


def test_a_statement_whose_identity_fails_is_not_issued(year_2026):
    s = AnnualStatement.objects.get(year=2026, account=year_2026["b"])
    AnnualStatement.objects.filter(pk=s.pk).update(identity_ok=False)
    s.refresh_from_db()
    with pytest.raises(StateError):
        statement_pdfs.issue(actor=year_2026["clerk"], statement=s)
    assert not StatementDocument.objects.exists() and not ArchiveRecord.objects.exists()


def test_employer_zip_in_the_background_with_progress(year_2026, media):
    clerk = year_2026["clerk"]
    # one statement already downloaded: the ZIP reuses its bytes
    first = statement_pdfs.issue(actor=clerk, statement=AnnualStatement.objects.get(year=2026,
                                                                                   account=year_2026["a"]))
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(clerk)
    response = client.post("/counter/documents/statements/zips/",
                           {"employer": year_2026["employer"].account_number, "year": "2026"})
    run = BatchRun.objects.get(job=statement_zips.JOB)
    assert response.status_code == 302 and response["Location"] == f"/counter/documents/statements/zips/{run.pk}/"
    assert run.status == BatchRun.Status.DONE and run.total == 3 and run.processed == 3 and run.percent == 100
    progress = client.get(f"/counter/documents/statements/zips/{run.pk}/progress/").content.decode()
    assert "zip-download" in progress and "hx-trigger" not in progress  # finished: polling stops
    download = client.get(f"/counter/documents/statements/zips/{run.pk}/download/")
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    archive_zip = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    names = sorted(archive_zip.namelist())
    numbers = sorted(f"{year_2026[k].number}-2026.pdf" for k in ("a", "b", "c"))
    assert names == numbers  # 赵六 of the other employer is not in it
    assert archive_zip.read(f"{year_2026['a'].number}-2026.pdf") == statement_pdfs.pdf_bytes(first)
    for name in names:
        data = archive_zip.read(name)
        assert pdf.verify_pdf_signature(data)
    assert "王五" in pdf_text(archive_zip.read(f"{year_2026['c'].number}-2026.pdf"))
    assert StatementDocument.objects.count() == 3 and ArchiveRecord.objects.filter(kind="statement").count() == 3
    # ordered again: no statement is rendered or archived a second time
    run2, _queued = statement_zips.start_zip(actor=clerk, employer_number=year_2026["employer"].account_number,
                                             year=2026)
    assert run2.pk != run.pk and BatchRun.objects.get(pk=run2.pk).result["documents"] == 3
    assert ArchiveRecord.objects.filter(kind="statement").count() == 3


def test_zip_progress_polls_while_building(year_2026, media):
    clerk = year_2026["clerk"]
    with mock.patch("documents.services.statement_zips._queue", return_value=True):
        run, queued = statement_zips.start_zip(actor=clerk, employer_number=year_2026["employer"].account_number,
                                               year=2026)
    assert queued and run.status == BatchRun.Status.PENDING and run.processed == 0
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(clerk)
    progress = client.get(f"/counter/documents/statements/zips/{run.pk}/progress/").content.decode()
    assert "hx-trigger" in progress and "zip-download" not in progress
    again, _ = statement_zips.start_zip(actor=clerk, employer_number=year_2026["employer"].account_number, year=2026)
    assert again.pk == run.pk  # an order in progress is not duplicated
    assert client.get(f"/counter/documents/statements/zips/{run.pk}/download/").status_code == 302


def test_zip_refusals_write_nothing(year_2026, media):
    clerk = year_2026["clerk"]
    before = BatchRun.objects.count()
    with pytest.raises(NotFound, match="单位账号|account number"):
        statement_zips.start_zip(actor=clerk, employer_number="NOPE", year=2026)
    with pytest.raises(StateError):
        statement_zips.start_zip(actor=clerk, employer_number=year_2026["employer"].account_number, year=2027)
    with pytest.raises(InvalidInput):
        statement_zips.start_zip(actor=clerk, employer_number=year_2026["employer"].account_number, year="20x6")
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(clerk)
    response = client.post("/counter/documents/statements/zips/", {"employer": "X" * 5000, "year": "2026"})
    assert response.status_code == 200
    response = client.post("/counter/documents/statements/zips/", {"employer": "E999", "year": "2026"})
    assert response.status_code == 200 and "没有单位账号为 E999 的单位" in response.content.decode()
    response = client.post("/counter/documents/statements/zips/",
                           {"employer": year_2026["employer"].account_number, "year": "2027"})
    assert "截至 2027 年 6 月 30 日的结息年度尚未结息，该年度尚无对账单。" in response.content.decode()
    assert BatchRun.objects.count() == before and not StatementDocument.objects.exists()
