"""Statement pages (portal, staff runs) and the auditor's exports: content, formula escaping, bounded periods and
who may open what."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from openpyxl import load_workbook

from core import roles
from core.actors import system_actor
from core.models import BatchRun, BusinessDay
from deposits.services import interest
from documents.models import AnnualStatement
from documents.services import statements
from ledger.models import JournalLine
from ledger.posting import credit, debit, post
from ledger.reconciliation import reconcile
from tests import factories
from tests.conftest import make_user

D = Decimal
day = datetime.date
EVIL = '=HYPERLINK("http://x","y")'


def on(date):
    BusinessDay.objects.update_or_create(pk=1, defaults={"current": date})


@pytest.fixture
def world(clerk, finance):
    on(day(2025, 6, 1))
    emp = factories.employer(clerk)
    a = factories.account(clerk, emp, name="甲", base="9000")
    b = factories.account(clerk, emp, name="乙", base="5000")
    factories.deposit(a, "10000.00")
    on(day(2025, 8, 10))
    factories.deposit(a, "2000.00")
    factories.deposit(b, "800.00")
    bank = factories.bank_account()
    entry = post(
        actor=system_actor(),
        lines=[debit(bank.ledger_account, D("12.34")), credit(a.ledger_account, D("12.34"))],
        memo=EVIL,
        business_type="02",
        source="-cmd",
    )
    factories.bank_received(bank, entry)
    on(day(2026, 7, 1))
    interest.settle_interest(year=2026, actor=system_actor())
    statements.build_statements(year=2026, actor=system_actor())
    reconcile(actor=finance)
    for account in (a, b):
        user = make_user(account.depositor.id_number, roles.DEPOSITOR)
        account.depositor.user = user
        account.depositor.save(update_fields=["user"])
    return a, b


def staff(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def depositor_client(account):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    resp = client.post("/portal/login/", {"username": account.depositor.id_number.lower(), "password": "pw-Secret-123"})
    assert resp.status_code == 302
    return client


def body(resp):
    return b"".join(resp.streaming_content) if resp.streaming else resp.content


def csv_rows(resp):
    return list(csv.reader(io.StringIO(body(resp).decode("utf-8-sig"))))


def test_depositor_sees_own_statement_only(world):
    a, b = world
    s = AnnualStatement.objects.get(year=2026, account=a)
    assert s.opening == D("10000.00") and s.regular == D("2000.00") and s.back == D("12.34") and s.identity_ok
    assert s.closing == s.opening + s.regular + s.back + s.interest and s.interest > 0
    client = depositor_client(a)
    resp = client.get(f"/portal/accounts/{a.number}/statement/")
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "年度对账单" in html or "对账单" in html
    assert "10,000.00" in html and f"{s.closing:,.2f}" in html and f"{s.interest:,.2f}" in html
    assert client.get(f"/portal/accounts/{b.number}/statement/").status_code == 404
    bad = client.get(f"/portal/accounts/{a.number}/statement/?year=abc")
    assert bad.status_code == 200 and 'id="statement-lines"' not in bad.content.decode()
    missing = client.get(f"/portal/accounts/{a.number}/statement/?year=2025")
    assert missing.status_code == 200 and 'id="statement-lines"' not in missing.content.decode()


def test_staff_see_the_runs_and_the_failed_identities(world, clerk, finance, auditor):
    a, _b = world
    resp = staff(clerk).get("/counter/documents/statements/")
    assert resp.status_code == 200 and "statements:2026" in resp.content.decode()
    assert staff(clerk).post("/counter/documents/statements/build/", {"year": "2026"}).status_code == 403
    assert staff(auditor).post("/counter/documents/statements/build/", {"year": "2026"}).status_code == 403
    # a year not settled: refused with a message, nothing recorded
    resp = staff(finance).post("/counter/documents/statements/build/", {"year": "2027"}, follow=True)
    assert resp.status_code == 200 and not BatchRun.objects.filter(key="statements:2027").exists()
    # a broken balance, then a new run for it lists the account
    AnnualStatement.objects.all().delete()
    BatchRun.objects.filter(key="statements:2026").delete()
    with connection.cursor() as cur:
        cur.execute("UPDATE ledger_account SET balance = balance + 1 WHERE id = %s", [a.ledger_account_id])
    resp = staff(finance).post("/counter/documents/statements/build/", {"year": "2026"})
    assert resp.status_code == 302
    run = BatchRun.objects.get(key="statements:2026")
    assert run.status == BatchRun.Status.FAILED and run.failed_items == 1
    page = staff(auditor).get("/counter/documents/statements/").content.decode()
    assert "failed-statements" in page and a.number in page
    with connection.cursor() as cur:
        cur.execute("UPDATE ledger_account SET balance = balance - 1 WHERE id = %s", [a.ledger_account_id])


def test_only_auditors_open_the_exports(world, clerk, finance, auditor):
    a, _b = world
    assert staff(auditor).get("/counter/documents/audit/").status_code == 200
    for user in (clerk, finance):
        assert staff(user).get("/counter/documents/audit/").status_code == 403
        assert (
            staff(user)
            .get("/counter/documents/audit/statements/?statements-year=2026&statements-format=csv")
            .status_code
            == 403
        )
    anonymous = Client().get("/counter/documents/audit/journal/")
    assert anonymous.status_code == 302 and "/login/" in anonymous.url
    assert depositor_client(a).get("/counter/documents/audit/").status_code == 403


def test_journal_export_csv_and_xlsx_escape_formulas(world, auditor):
    client = staff(auditor)
    query = "journal-start=2025-07-01&journal-end=2026-06-30&journal-format="
    rows = csv_rows(client.get(f"/counter/documents/audit/journal/?{query}csv"))
    expected = JournalLine.objects.filter(business_date__gte=day(2025, 7, 1), business_date__lte=day(2026, 6, 30))
    assert len(rows) == 1 + expected.count()
    evil = [r for r in rows if r[4].endswith(EVIL[1:])]
    assert len(evil) == 2 and all(r[4] == "'" + EVIL and r[5] == "'-cmd" for r in evil)
    assert {r[10] for r in evil} == {"12.34"}
    resp = client.get(f"/counter/documents/audit/journal/?{query}xlsx")
    sheet = load_workbook(io.BytesIO(body(resp))).active
    values = list(sheet.iter_rows(values_only=True))
    assert len(values) == len(rows)
    assert [v[4] for v in values if v[4] and EVIL[1:] in v[4]] == ["'" + EVIL] * 2
    assert {v[10] for v in values[1:] if v[4] == "'" + EVIL} == {12.34}


@pytest.mark.parametrize(
    "query",
    [
        "journal-start=2024-01-01&journal-end=2026-06-30&journal-format=csv",  # longer than 366 days
        "journal-start=2026-06-30&journal-end=2025-07-01&journal-format=csv",  # reversed
        "journal-start=1900-01-01&journal-end=1900-02-01&journal-format=csv",  # before the center existed
        "journal-start=x&journal-end=2026-06-30&journal-format=csv",
        "journal-start=2025-07-01&journal-end=2026-06-30&journal-format=pdf",
        "",
    ],
)
def test_bad_periods_are_refused_with_a_message(world, auditor, query):
    resp = staff(auditor).get(f"/counter/documents/audit/journal/?{query}")
    assert resp.status_code == 302 and resp.url == "/counter/documents/audit/"
    page = staff(auditor).get(resp.url)
    assert page.status_code == 200


def test_statement_register_and_reconciliation_exports(world, auditor):
    a, b = world
    client = staff(auditor)
    rows = csv_rows(client.get("/counter/documents/audit/statements/?statements-year=2026&statements-format=csv"))
    assert len(rows) == 3
    by_number = {r[1]: r for r in rows[1:]}
    s = AnnualStatement.objects.get(year=2026, account=a)
    row = by_number[a.number]
    assert row[2] == "甲" and row[3] == "10000.00" and row[4] == "2000.00" and row[6] == "12.34"
    assert row[11] == str(s.interest) and row[13] == str(s.closing) and row[14] == "True"
    resp = client.get("/counter/documents/audit/statements/?statements-year=1800&statements-format=csv")
    assert resp.status_code == 302
    rows = csv_rows(client.get("/counter/documents/audit/reconciliation/?reconciliation-format=csv"))
    assert rows[0][1] and any(r[1] == "试算平衡" and r[2] == "OK" for r in rows[1:])
    assert (
        client.get(
            "/counter/documents/audit/reconciliation/?reconciliation-run=999999&reconciliation-format=csv"
        ).status_code
        == 302
    )


def test_judicial_register_export_reuses_the_register(world, auditor):
    resp = staff(auditor).get(
        "/counter/documents/audit/judicial-deductions/?judicial-start=2025-07-01&"
        "judicial-end=2026-06-30&judicial-format=xlsx"
    )
    assert resp.status_code == 200
    sheet = load_workbook(io.BytesIO(body(resp))).active
    header = next(sheet.iter_rows(values_only=True))
    assert "案号" in header or "Case number" in header
    too_long = staff(auditor).get(
        "/counter/documents/audit/judicial-deductions/?judicial-start=2024-01-01&"
        "judicial-end=2026-06-30&judicial-format=csv"
    )
    assert too_long.status_code == 302
