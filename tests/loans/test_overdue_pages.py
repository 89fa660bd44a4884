"""The overdue pages: the dashboard with its figures, the close of business started from the page, the
collection workbench and its export, a loan's collection page (record a call, request and approve a write-off),
the credit-report file; refusals show a message and write nothing, never a 500."""

import datetime
from decimal import Decimal

import pytest

from loans.models import CollectionLog, LoanCloseOfBusiness, LoanContract
from tests.loans.conftest import on
from tests.loans.test_money import disbursed, finance  # noqa: F401 - fixture

D = Decimal
day = datetime.date


@pytest.fixture
def overdue_loan(staff, household, finance):  # noqa: F811
    contract = disbursed(staff, household, finance)
    on(day(2026, 3, 20))
    return contract


def test_finance_closes_from_the_dashboard_and_reads_the_figures(client, finance, overdue_loan):  # noqa: F811
    client.force_login(finance)
    page = client.get("/counter/loans/overdue/")
    assert page.status_code == 200
    assert client.post("/counter/loans/overdue/close/", {"on": "2026-03-21"}).status_code == 200  # future: refused
    assert not LoanCloseOfBusiness.objects.exists()
    response = client.post("/counter/loans/overdue/close/", {"on": "2026-03-20"})
    assert response.status_code == 302
    assert LoanCloseOfBusiness.objects.get().status == "done"
    page = client.get("/counter/loans/overdue/").content.decode()
    assert 'id="ratio-generic">3.10‰' in page and 'id="overdue-count">1<' in page
    assert "1–3个月" in page and "3年以上" in page  # the buckets of how long overdue, in the reader's language
    client.cookies["django_language"] = "en"
    english = client.get("/counter/loans/overdue/").content.decode()
    assert "1–3 months" in english and "Over 3 years" in english and "个月" not in english
    client.cookies["django_language"] = "zh-hans"
    csv = client.get("/counter/loans/overdue/credit-report/?month=2026-03&format=csv")
    assert csv.status_code == 200 and overdue_loan.number in csv.content.decode("utf-8-sig")
    assert client.get("/counter/loans/overdue/credit-report/?month=bad").status_code == 302
    assert client.get("/counter/loans/overdue/progress/").status_code == 200


def test_workbench_case_and_actions(client, staff, finance, overdue_loan):  # noqa: F811
    from loans import services

    services.close_business(actor=finance)
    officer = staff["officer"]
    client.force_login(officer)
    page = client.get("/counter/loans/collection/?grade=02&min_dpd=5")
    assert page.status_code == 200 and overdue_loan.number in page.content.decode()
    assert overdue_loan.number not in client.get("/counter/loans/collection/?min_dpd=11").content.decode()
    assert client.get("/counter/loans/collection/?min_dpd=x&grade=zz").status_code == 200
    export = client.get("/counter/loans/collection/?export=csv")
    assert export.status_code == 200 and overdue_loan.number in b"".join(export.streaming_content).decode("utf-8-sig")
    url = f"/counter/loans/collection/{overdue_loan.number}/"
    assert client.get(url).status_code == 200
    assert (
        client.post(
            url + "record/", {"contact-kind": "call", "contact-on": "2026-01-01", "contact-text": "x"}
        ).status_code
        == 200
    )
    assert not CollectionLog.objects.filter(kind="call").exists()
    assert (
        client.post(
            url + "record/", {"contact-kind": "call", "contact-on": "2026-03-20", "contact-text": "电话催收"}
        ).status_code
        == 302
    )
    assert CollectionLog.objects.filter(kind="call").count() == 1
    assert client.post(url + "request/", {"action-kind": "write_off", "action-reason": "失联"}).status_code == 302
    req = overdue_loan.action_requests.get()
    client.force_login(staff["approver"])
    assert client.post(url + f"decide/{req.pk}/", {"action": "approve"}).status_code == 302
    overdue_loan.refresh_from_db()
    assert overdue_loan.status == LoanContract.Status.WRITTEN_OFF
    client.force_login(staff["clerk"])
    assert (
        client.post(
            url + "record/", {"contact-kind": "call", "contact-on": "2026-03-20", "contact-text": "x"}
        ).status_code
        == 403
    )
