"""The public loan calculator API: exact schedules, prepayments, every kind of bad input, throttling."""

import json
from decimal import Decimal

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from loans import calculations as calc

D = Decimal
URL = "/api/v1/loans/calculator/"


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    yield
    cache.clear()


def post(body, client=None):
    raw = body if isinstance(body, str | bytes) else json.dumps(body)
    return (client or APIClient()).post(URL, raw, content_type="application/json")


def test_example_a_to_the_fen():
    response = post({"principal": "500000.00", "months": 240, "annual_rate": "0.0285"})
    assert response.status_code == 200
    data = response.json()
    assert data["months"] == 240 and len(data["installments"]) == 240
    assert data["installments"][0] == {
        "number": 1,
        "payment": "2735.59",
        "principal": "1548.09",
        "interest": "1187.50",
        "balance": "498451.91",
    }
    assert data["installments"][-1] == {
        "number": 240,
        "payment": "2736.75",
        "principal": "2730.27",
        "interest": "6.48",
        "balance": "0.00",
    }
    assert (data["total_interest"], data["total_payment"], data["prepaid"]) == ("156542.76", "656542.76", "0.00")


def test_equal_principal_and_json_numbers_are_read_as_decimals():
    # 0.0285 as a JSON number: parsed as Decimal("0.0285"), never as a binary float
    response = post('{"principal": 500000, "months": 240, "annual_rate": 0.0285, "method": "equal_principal"}')
    assert response.status_code == 200
    data = response.json()
    assert data["installments"][0]["payment"] == "3270.83" and data["installments"][-1]["payment"] == "2089.08"
    assert data["total_interest"] == "143093.98"


@pytest.mark.parametrize("keep", ["term", "payment"])
def test_the_issue_example_with_a_prepayment(keep):
    body = {
        "principal": "830000.00",
        "months": 300,
        "annual_rate": "0.03075",
        "method": "equal_installment",
        "prepayments": [{"after_installment": 60, "amount": "150000.00", "keep": keep}],
    }
    data = post(body).json()
    expected = calc.simulate(
        D("830000.00"),
        D("0.03075"),
        300,
        "equal_installment",
        [{"after_installment": 60, "amount": D("150000.00"), "keep": keep}],
    )
    assert data["months"] == len(expected.installments)
    assert data["total_interest"] == f"{expected.total_interest:.2f}"
    assert data["prepaid"] == "150000.00"
    installments = data["installments"]
    assert sum(D(i["principal"]) for i in installments) + D("150000.00") == D("830000.00")
    assert D(data["total_payment"]) == sum(D(i["payment"]) for i in installments) + D("150000.00")
    regular = calc.equal_installment_payment(D("830000.00"), D("0.03075"), 300)
    assert installments[59]["payment"] == f"{regular:.2f}"
    if keep == "term":
        assert data["months"] == 300 and D(installments[60]["payment"]) < regular
    else:
        assert data["months"] < 300 and installments[60]["payment"] == f"{regular:.2f}"


def test_two_prepayments_in_order():
    body = {
        "principal": "500000.00",
        "months": 240,
        "annual_rate": "0.0285",
        "prepayments": [
            {"after_installment": 36, "amount": "100000.00", "keep": "payment"},
            {"after_installment": 48, "amount": "50000.00", "keep": "term"},
        ],
    }
    data = post(body).json()
    assert data["prepaid"] == "150000.00"
    assert data["installments"][36]["payment"] == "2735.59"  # kept after the first
    assert sum(D(i["principal"]) for i in data["installments"]) == D("350000.00")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"principal": "-1", "months": 12, "annual_rate": "0.03"}, "principal"),
        ({"principal": "0", "months": 12, "annual_rate": "0.03"}, "principal"),
        ({"principal": "12.345", "months": 12, "annual_rate": "0.03"}, "principal"),
        ({"principal": "1,000", "months": 12, "annual_rate": "0.03"}, "principal"),
        ({"principal": "1e400", "months": 12, "annual_rate": "0.03"}, "principal"),
        ({"principal": ["1"], "months": 12, "annual_rate": "0.03"}, "principal"),
        ({"months": 12, "annual_rate": "0.03"}, "principal"),
        ({"principal": "1000", "months": 481, "annual_rate": "0.03"}, "months"),
        ({"principal": "1000", "months": 0, "annual_rate": "0.03"}, "months"),
        ({"principal": "1000", "months": "twelve", "annual_rate": "0.03"}, "months"),
        ({"principal": "1000", "months": {"n": 1}, "annual_rate": "0.03"}, "months"),
        ({"principal": "1000", "months": 12, "annual_rate": "1.5"}, "annual_rate"),
        ({"principal": "1000", "months": 12, "annual_rate": "-0.01"}, "annual_rate"),
        ({"principal": "1000", "months": 12, "annual_rate": "NaN"}, "annual_rate"),
        ({"principal": "1000", "months": 12, "annual_rate": "0.03", "method": ["x"]}, "method"),
        ({"principal": "1000", "months": 12, "annual_rate": "0.03", "prepayments": "all"}, "prepayments"),
        ({"principal": "1000", "months": 12, "annual_rate": "0.03", "prepayments": ["x"]}, "prepayments[0]"),
        (
            {
                "principal": "1000",
                "months": 12,
                "annual_rate": "0.03",
                "prepayments": [{"after_installment": 3, "amount": "900", "keep": "term"}],
            },
            "prepayments[0].amount",
        ),
        (
            {
                "principal": "1000",
                "months": 12,
                "annual_rate": "0.03",
                "prepayments": [{"after_installment": 12, "amount": "1", "keep": "term"}],
            },
            "prepayments[0].after_installment",
        ),
        (
            {
                "principal": "1000",
                "months": 12,
                "annual_rate": "0.03",
                "prepayments": [{"after_installment": 3, "amount": "1", "keep": "both"}],
            },
            "prepayments[0].keep",
        ),
        (
            {
                "principal": "1000",
                "months": 12,
                "annual_rate": "0.03",
                "prepayments": [
                    {"after_installment": 3, "amount": "1", "keep": "term"},
                    {"after_installment": 3, "amount": "1", "keep": "term"},
                ],
            },
            "prepayments[1].after_installment",
        ),
        (
            {
                "principal": "1000",
                "months": 12,
                "annual_rate": "0.03",
                "prepayments": [{"after_installment": 1, "amount": "1", "keep": "term"}] * 25,
            },
            "prepayments",
        ),
    ],
)
def test_bad_input_is_a_structured_400(body, field):
    response = post(body)
    assert response.status_code == 400, response.content
    data = response.json()
    assert set(data) == {"code", "message", "fields"}
    assert data["code"] == "invalid" and field in data["fields"] and data["message"]


@pytest.mark.parametrize("raw", ["{", "[1, 2]", '"text"', "", '{"principal": NaN}', "[" * 100000, "x" * 70000])
def test_malformed_bodies_are_refused(raw):
    response = post(raw)
    assert response.status_code == 400
    assert set(response.json()) == {"code", "message", "fields"}


def test_messages_in_chinese():
    response = APIClient().post(
        URL, {"principal": "-1", "months": 12, "annual_rate": "0.03"}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.json()["fields"] == {"principal": ["金额必须大于零。"]}


def test_no_login_needed_and_throttled():
    client = APIClient()
    body = {"principal": "10000", "months": 12, "annual_rate": "0.03"}
    statuses = [post(body, client).status_code for _ in range(61)]
    assert statuses[:60] == [200] * 60 and statuses[60] == 429
    assert set(post(body, client).json()) == {"code", "message", "fields"}


def test_schema_documents_the_calculator(db):
    response = APIClient().get("/api/schema/")
    assert response.status_code == 200 and URL.encode() in response.content


def test_parse_errors_in_chinese():
    response = APIClient().post(URL, "{", content_type="application/json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400 and response.json()["message"] == "请求内容不是有效的 JSON。"
