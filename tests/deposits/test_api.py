import datetime
from decimal import Decimal

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts import services as account_services
from core.actors import system_actor
from core.business_date import set_business_date
from deposits.models import RemittanceList
from tests import factories
from tests.conftest import make_user


@pytest.fixture
def setup(clerk):
    set_business_date(actor=system_actor(), date=datetime.date(2026, 11, 20))
    emp = factories.employer(clerk)
    a = factories.account(clerk, emp, name="甲", base="9000")
    b = factories.account(clerk, emp, name="乙", base="5000")
    agent = make_user("payroll", "employer_agent")
    account_services.link_employer_agent(actor=clerk, user=agent, employer=emp)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=agent).key}")
    return client, emp, a, b


def test_submit_replace_and_confirm(setup):
    client, emp, a, b = setup
    resp = client.post("/api/v1/employer/remittances/", {"month": "2026-11"}, format="json")
    assert resp.status_code == 201, resp.json()
    data = resp.json()
    assert data["total"] == "3360.00" and data["status"] == "draft" and len(data["lines"]) == 2
    ref = data["reference"]
    resp = client.put(f"/api/v1/employer/remittances/{ref}/lines/", {"lines": [
        {"account": a.number, "base": "10000", "employee_ratio_percent": "10", "employer_ratio_percent": "12"}]},
        format="json")
    assert resp.status_code == 200 and resp.json()["total"] == "2200.00"
    resp = client.post(f"/api/v1/employer/remittances/{ref}/confirm/")
    assert resp.status_code == 200 and resp.json()["status"] == "confirmed"
    assert RemittanceList.objects.get(reference=ref).total == Decimal("2200.00")


def test_bad_lines_give_structured_error_and_change_nothing(setup):
    client, emp, a, b = setup
    ref = client.post("/api/v1/employer/remittances/", {"month": "2026-11"}, format="json").json()["reference"]
    resp = client.put(f"/api/v1/employer/remittances/{ref}/lines/", {"lines": [
        {"account": a.number, "base": "99999", "employee_ratio_percent": "12", "employer_ratio_percent": "12"},
        {"account": "nobody", "base": "5000", "employee_ratio_percent": "12", "employer_ratio_percent": "12"}]},
        format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert resp.status_code == 400
    body = resp.json()
    assert body["code"] == "bad_rows" and len(body["fields"]["rows"]) == 2
    assert body["fields"]["rows"][1] == "第 3 行，个人账号：nobody 不是本单位职工"
    assert RemittanceList.objects.get(reference=ref).total == Decimal("3360.00")
    resp = client.post("/api/v1/employer/remittances/", {"month": "2026-11"}, format="json")
    assert resp.status_code == 409 and resp.json()["code"] == "list_exists"
    resp = client.post("/api/v1/employer/remittances/", {"month": "11/2026"}, format="json")
    assert resp.status_code == 400 and "month" in resp.json()["fields"]


def test_scoped_to_own_employer(setup, clerk):
    client, emp, a, b = setup
    other = factories.employer(clerk, name="别家")
    factories.account(clerk, other, name="丙")
    from deposits.services import remittance

    theirs = remittance.generate_list(actor=clerk, employer=other, month=datetime.date(2026, 11, 1))
    assert client.get(f"/api/v1/employer/remittances/{theirs.reference}/").status_code == 404
    assert client.post(f"/api/v1/employer/remittances/{theirs.reference}/confirm/").status_code == 404
    staff = APIClient()
    staff.force_authenticate(clerk)
    assert staff.post("/api/v1/employer/remittances/", {"month": "2026-11"}, format="json").status_code == 403
    assert APIClient().get(f"/api/v1/employer/remittances/{theirs.reference}/").status_code == 401


def test_schema_documents_the_endpoints(db):
    resp = APIClient().get("/api/schema/")
    assert resp.status_code == 200
    text = resp.content.decode()
    assert "/api/v1/employer/remittances/{reference}/confirm/" in text
    assert "/api/v1/bank/statement-lines/" in text


def test_list_is_filtered_by_the_pages_filterset(setup, clerk):
    client, emp, a, b = setup
    client.post("/api/v1/employer/remittances/", {"month": "2026-10"}, format="json")
    november = client.post("/api/v1/employer/remittances/", {"month": "2026-11"}, format="json").json()["reference"]
    client.post(f"/api/v1/employer/remittances/{november}/confirm/")
    resp = client.get("/api/v1/employer/remittances/")
    assert resp.status_code == 200
    assert [(r["month"], r["status"]) for r in resp.json()["results"]] == [("2026-11", "confirmed"),
                                                                           ("2026-10", "draft")]
    resp = client.get("/api/v1/employer/remittances/", {"status": "draft"})
    assert [r["month"] for r in resp.json()["results"]] == ["2026-10"]
    resp = client.get("/api/v1/employer/remittances/", {"month": "2026-11", "q": november})
    assert [r["reference"] for r in resp.json()["results"]] == [november]
    resp = client.get("/api/v1/employer/remittances/", {"status": "nonsense"})
    assert resp.status_code == 400 and "status" in resp.json()["fields"]
    assert client.get("/api/v1/employer/remittances/", {"employer": emp.pk}).json()["count"] == 2
    other = factories.employer(clerk, name="别家公司")
    resp = client.get("/api/v1/employer/remittances/", {"employer": other.pk})
    assert resp.status_code == 400 and "employer" in resp.json()["fields"]  # the same as an id that does not exist
