"""Schemathesis throws generated and malformed requests at every operation of the OpenAPI schema, as a token user
of the operation's audience (employer agent, bank, depositor): whatever comes in, no answer is a 5xx, and an
error has the API's shape {"code", "message", "fields"}. Bounded (max_examples, no deadline) to stay well under
90 s in CI."""

import datetime
import json
from decimal import Decimal
from urllib.parse import quote, urlencode

import pytest
import schemathesis
from django.core.serializers.json import DjangoJSONEncoder
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from schemathesis.generation import GenerationMode

from accounts import services as account_services
from core.actors import system_actor
from core.business_date import set_business_date
from deposits.services import remittance as remittances
from judicial import services as judicial_services
from judicial.services import credentials
from tests import factories
from tests.conftest import make_user
from tests.judicial.court_client import CourtClient

EXAMPLES = 60
# The public loan calculator is called without a token (anonymous).
AUDIENCE = {"/api/v1/employer/": "agent", "/api/v1/bank/": "bank", "/api/v1/depositor/": "depositor",
            "/api/v1/loans/calculator/": None, "/api/v1/judicial/": "court",
            "/api/v1/": None}  # the index, last: every other path matches a longer prefix first


def _spec():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(json.dumps(schema, cls=DjangoJSONEncoder))


def _operations():
    spec = _spec()
    return [
        (path, method)
        for path, item in spec["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    ]


@pytest.fixture
def world(clerk):
    set_business_date(actor=system_actor(), date=datetime.date(2026, 11, 20))
    employer = factories.employer(clerk, employer_ratio=Decimal("0.07"), employee_ratio=Decimal("0.07"))
    account = factories.account(clerk, employer, name="甲", base="5000")
    agent = make_user("payroll", "employer_agent")
    account_services.link_employer_agent(actor=clerk, user=agent, employer=employer)
    remittance = remittances.generate_list(actor=clerk, employer=employer, month=datetime.date(2026, 11, 1))
    bank = factories.bank_account()
    depositor = make_user("depositor-fuzz", "depositor")
    account.depositor.user = depositor
    account.depositor.save(update_fields=["user"])
    tokens = {
        name: Token.objects.create(user=user).key
        for name, user in (("agent", agent), ("bank", make_user("bankbot", "api_bank")), ("depositor", depositor))
    }
    officer = make_user("judicial-fuzz", "judicial_officer")
    court = judicial_services.register_court(
        actor=officer, code="4403050", name="示范市南山区人民法院", enforcement_account_name="执行款专户",
        enforcement_account_number="44201500000000001", enforcement_bank="建设银行南山支行")
    tokens["court"] = credentials.issue_credential(actor=make_user("admin-fuzz", "system_admin"), court=court)
    return {"tokens": tokens, "reference": remittance.reference, "bank": bank.number, "account": account.number}


def _client(token):
    if isinstance(token, tuple):  # a court signs its requests with its key
        return CourtClient(*token, HTTP_ACCEPT_LANGUAGE="zh-hans")
    client = APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans")
    if token:
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def _send(client, case):
    path = quote(case.formatted_path, safe="/")
    if case.query:
        path += "?" + urlencode({k: v for k, v in case.query.items() if v is not None}, doseq=True)
    body = None if type(case.body).__name__ == "NotSet" else case.body
    method = getattr(client, case.method.lower())
    if body is None:
        return method(path)
    if isinstance(body, bytes | str):
        return method(path, data=body, content_type=case.media_type or "application/octet-stream")
    return method(path, data=json.dumps(body, cls=DjangoJSONEncoder, default=repr), content_type="application/json")


@pytest.mark.parametrize("path,method", _operations())
def test_no_api_operation_answers_5xx(world, path, method):
    spec = schemathesis.openapi.from_dict(_spec())
    operation = spec[path][method.upper()]
    audience = next(name for prefix, name in AUDIENCE.items() if path.startswith(prefix))
    client = _client(world["tokens"][audience] if audience else None)
    fixed = {"reference": world["reference"]} if "{reference}" in path else None
    strategies = [
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
    ]
    if fixed:
        strategies += [
            operation.as_strategy(generation_mode=mode, path_parameters=fixed)
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        ]

    def known(case):
        """Half the bodies name the real bank account or employee, so that the rows themselves are judged."""
        body = case.body
        if isinstance(body, dict):
            if "bank_account" in body:
                body["bank_account"] = world["bank"]
            lines = body.get("lines")
            for line in lines if isinstance(lines, list) else []:
                if isinstance(line, dict):
                    line["account"] = world["account"]
        return case

    strategies += [strategy.map(known) for strategy in strategies]

    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(case=st.one_of(strategies))
    def fuzz(case):
        response = _send(client, case)
        assert response.status_code < 500, (
            case.method,
            case.formatted_path,
            case.query,
            case.body,
            response.content[:500],
        )
        if response.status_code >= 400 and response.get("Content-Type", "").startswith("application/json"):
            assert set(response.json()) == {"code", "message", "fields"}, response.content[:500]

    fuzz()
