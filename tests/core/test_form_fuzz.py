"""Hypothesis throws arbitrary text and numbers at every form of the counter and the portals and at the file
parsers: a form is valid or invalid with messages, a parser returns values or refuses with InvalidInput; nothing
raises, whatever the input (the property behind "no input gives a 500")."""

import datetime
import inspect
from decimal import Decimal

import pytest
from django import forms
from django.contrib.auth.forms import AuthenticationForm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts import forms as account_forms
from core import bounds
from core.actors import system_actor
from core.business_date import set_business_date
from core.errors import InvalidInput
from deposits import forms as deposit_forms
from portal import forms as portal_forms
from tests import factories
from withdrawals import forms as withdrawal_forms

FORM_MODULES = (account_forms, deposit_forms, withdrawal_forms, portal_forms)


def _form_classes():
    found = {}
    for module in FORM_MODULES:
        for name, value in inspect.getmembers(module, inspect.isclass):
            if (
                issubclass(value, forms.Form)
                and value.__module__ == module.__name__
                and not issubclass(value, AuthenticationForm)
                and value.base_fields
            ):
                found[f"{module.__name__}.{name}"] = value
    return found


FORMS = _form_classes()

numbers = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.integers().map(str),
    st.floats().map(repr),
    st.sampled_from(["1e30", "-1e30", "1E+400", "0.001", "9" * 200, "NaN", "-0", "1,000", "１２", "0x10"]),
)
dates = st.one_of(
    st.dates().map(lambda d: d.isoformat()),
    st.dates().map(lambda d: f"{d:%Y-%m}"),
    st.sampled_from(["0001-01", "0001-01-01", "9999-12-31", "9999-12", "2026-13", "2026-02-30", "0000-00"]),
)
texts = st.one_of(st.text(max_size=60), st.text(max_size=3).map(lambda t: t * 50_000))
values = st.one_of(numbers, dates, texts)


@pytest.fixture
def world(clerk):
    set_business_date(actor=system_actor(), date=datetime.date(2026, 11, 20))
    return {"employer": factories.employer(clerk, employer_ratio=Decimal("0.07"), employee_ratio=Decimal("0.07"))}


def _make(cls, data, world):
    kwargs = {}
    if "employer" in inspect.signature(cls.__init__).parameters:
        kwargs["employer"] = world["employer"]
    return cls(data=data, **kwargs)


def test_every_form_is_fuzzed():
    assert len(FORMS) >= 20, sorted(FORMS)


@pytest.mark.parametrize("name", sorted(FORMS))
def test_no_form_raises_on_arbitrary_input(world, name):
    cls = FORMS[name]
    fields = list(cls.base_fields)

    @settings(max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(data=st.fixed_dictionaries({}, optional={f: values for f in fields}))
    def fuzz(data):
        form = _make(cls, data, world)
        if not form.is_valid():
            assert all(str(m) for messages in form.errors.values() for m in messages)

    fuzz()


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(text=values)
def test_bounds_parsers_return_or_refuse(db, text):
    set_business_date(actor=system_actor(), date=datetime.date(2026, 11, 20))
    for parse in (bounds.money, bounds.rate, bounds.year, bounds.parse_date, bounds.parse_number):
        try:
            value = parse(text)
        except InvalidInput as exc:
            assert exc.message and exc.code
        else:
            if parse in (bounds.money, bounds.rate):
                assert value.is_finite() and abs(value) <= bounds.MONEY_MAX
            if parse is bounds.parse_date:
                assert bounds.founded() <= value <= bounds.latest_date()


@pytest.fixture
def parsers_world(world, clerk):
    from accounts import services as account_services
    from tests.conftest import make_user

    account = factories.account(clerk, world["employer"], name="甲", base="5000")
    agent = make_user("agent-fuzz", "employer_agent")
    account_services.link_employer_agent(actor=clerk, user=agent, employer=world["employer"])
    return {**world, "account": account, "agent": agent, "bank": factories.bank_account()}


def test_file_parsers_take_any_cell(parsers_world, finance):
    from deposits.services import base_adjustment, remittance_files
    from ledger.services import import_statement

    employer, number = parsers_world["employer"], parsers_world["account"].number

    @settings(max_examples=150, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(base=values, ratio=values, wage=values, day=values, amount=values)
    def fuzz(base, ratio, wage, day, amount):
        table = remittance_files.rows_from_lines(
            [{"account": number, "base": base, "employee_ratio": ratio, "employer_ratio": "7"}]
        )
        for call in (
            lambda: remittance_files.validate(employer=employer, month=datetime.date(2026, 11, 1), table=table),
            lambda: base_adjustment.parse_base_rows(
                employer=employer,
                effective_from=datetime.date(2026, 12, 1),
                rows=[{"account_number": number, "wage": wage}],
            ),
            lambda: import_statement(
                actor=finance,
                bank_account=parsers_world["bank"],
                rows=[{"bank_reference": "FUZZ", "value_date": day, "direction": "C", "amount": amount}],
                closing_balance=amount,
            ),
        ):
            try:
                call()
            except InvalidInput as exc:
                assert exc.message

    fuzz()


STAFF_LISTS = [
    "accounts:employers",
    "accounts:search",
    "accounts:cases",
    "accounts:lookup_employers",
    "accounts:lookup_accounts",
    "deposits:remittances",
    "deposits:arrears",
    "deposits:bank_lines",
    "deposits:deferrals",
    "deposits:base_adjustments",
    "deposits:flexible",
    "deposits:interest_settlement",
    "ledger:reconciliation",
    "withdrawals:queue",
]
PARAMS = [
    "page",
    "sort",
    "per_page",
    "export",
    "q",
    "month_from",
    "month_to",
    "status",
    "date_from",
    "date_to",
    "employer_number",
    "kind",
    "state",
    "account",
    "reason",
    "direction",
    "ok",
    "name",
    "year",
    "amount_min",
    "amount_max",
]


def test_staff_lists_take_any_query(parsers_world, auditor):
    from django.test import Client
    from django.urls import reverse

    web = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    web.force_login(auditor)
    urls = [reverse(name) for name in STAFF_LISTS]
    urls += [
        reverse("accounts:account", args=[parsers_world["account"].number]),
        reverse("accounts:employer", args=[parsers_world["employer"].account_number]),
    ]

    @settings(max_examples=120, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(url=st.sampled_from(urls), query=st.dictionaries(st.sampled_from(PARAMS), values, max_size=4))
    def fuzz(url, query):
        response = web.get(url, query)
        assert response.status_code < 500, (url, query)

    fuzz()


@pytest.mark.parametrize("value", ["abc", "99999999999999999999999", "-1", "１"])
def test_a_record_id_from_a_form_is_bounded(value):
    assert bounds.record_id(value) is None
    assert bounds.record_id("42") == 42


def test_write_pages_take_any_post(parsers_world, clerk):
    """Arbitrary form data posted to the counter's and the employer portal's write pages: a page with messages
    or a redirect, never a 5xx."""
    from django.test import Client
    from django.urls import reverse

    from deposits.services import remittance as remittances

    employer, account = parsers_world["employer"], parsers_world["account"]
    remittance = remittances.generate_list(actor=clerk, employer=employer, month=datetime.date(2026, 11, 1))
    staff = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    staff.force_login(clerk)
    agent = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    agent.force_login(parsers_world["agent"])
    ref, number, emp = remittance.reference, account.number, employer.account_number
    targets = [
        (staff, reverse("deposits:remittance_line", args=[ref]), deposit_forms.LineForm),
        (staff, reverse("deposits:remittance_remove_line", args=[ref]), deposit_forms.RemoveLineForm),
        (staff, reverse("deposits:employer_generate", args=[emp]), deposit_forms.GenerateForm),
        (staff, reverse("deposits:employer_supplementary", args=[emp]), deposit_forms.SupplementaryForm),
        (staff, reverse("deposits:flexible_register"), deposit_forms.FlexibleRegisterForm),
        (staff, reverse("deposits:flexible_deposit"), deposit_forms.FlexibleDepositForm),
        (staff, reverse("deposits:interest_settle"), None),
        (staff, reverse("accounts:account_new"), account_forms.OpenAccountForm),
        (staff, reverse("accounts:account_seal", args=[number]), account_forms.SealForm),
        (staff, reverse("accounts:employer_new"), account_forms.EmployerForm),
        (staff, reverse("accounts:employer_edit", args=[emp]), account_forms.EmployerChangeForm),
        (staff, reverse("withdrawals:preview"), withdrawal_forms.ApplicationForm),
        (agent, reverse("portal:employer_generate"), portal_forms.MonthForm),
        (agent, reverse("portal:employer_line", args=[ref]), portal_forms.LineForm),
        (agent, reverse("portal:employer_deferrals"), deposit_forms.DeferralApplyForm),
        (agent, reverse("portal:employer_bases"), None),
    ]
    names = sorted({name for _c, _u, form in targets if form for name in form.base_fields} | {"year", "wage"})

    @settings(max_examples=150, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(target=st.sampled_from(targets), data=st.dictionaries(st.sampled_from(names), values, max_size=6))
    def fuzz(target, data):
        client, url, _form = target
        response = client.post(url, data)
        assert response.status_code < 500, (url, data)

    fuzz()
