"""Hostile input (DESIGN.md §11): the calculator API and the application fields never fail with a 5xx or an
unexpected exception, whatever the values."""

import json
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from accounts.models import Depositor
from core.errors import InvalidInput
from loans.api import views
from loans.services.applications import clean

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.sampled_from(["1e999999", "-0", "0.01", "NaN", "Infinity", "1,000", " 12 ", "0x10", "１２", "300", "0.03075"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)
prepayment = st.fixed_dictionaries({"after_installment": values, "amount": values, "keep": values})
bodies = st.one_of(
    values,
    st.fixed_dictionaries(
        {"principal": values, "months": values, "annual_rate": values},
        optional={"method": values, "prepayments": st.one_of(values, st.lists(prepayment, max_size=3))},
    ),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=bodies)
def test_calculator_never_fails(body):
    with mock.patch.object(views.Calculator, "throttle_classes", []):
        response = APIClient().post("/api/v1/loans/calculator/", json.dumps(body), content_type="application/json")
    assert response.status_code in (200, 400), response.content
    data = response.json()
    if response.status_code == 400:
        assert set(data) == {"code", "message", "fields"}
    else:
        assert data["months"] == len(data["installments"]) >= 1


FIELDS = (
    "purpose",
    "property_address",
    "property_kind",
    "property_price",
    "property_area",
    "green_building",
    "ownership_share",
    "homes_owned",
    "owned_home_loan_unpaid",
    "children",
    "monthly_income",
    "other_monthly_debt",
    "requested_amount",
    "term_months",
    "method",
    "commercial_remaining",
    "female_category",
)


@settings(max_examples=300, deadline=None)
@given(data=st.dictionaries(st.sampled_from(FIELDS), values, max_size=len(FIELDS)), sex=st.sampled_from("MF"))
def test_application_fields_are_cleaned_or_refused(data, sex):
    borrower = Depositor(gender=sex, children=0)
    try:
        cleaned = clean(data, borrower=borrower)
    except InvalidInput as exc:
        assert exc.fields and exc.message
        return
    assert cleaned["requested_amount"] > 0 and 1 <= cleaned["term_months"] <= 480
