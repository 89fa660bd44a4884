"""Find any case (accounts.cases): by each key, each kind, the filters, paging, who sees what, hostile input; the
person's cases and their actions on the account page; the employer and account lookups of the counter forms."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts import cases
from core import roles
from tests import access_world
from tests.conftest import make_user
from withdrawals.models import WithdrawalApplication

URL = "/counter/cases/"


@pytest.fixture
def world(db):
    return access_world.build()


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def found(user, **filters):
    """(kind, number) of every case the search finds for ``user``."""
    result = cases.search_cases(viewer=user, filters=filters)
    return {(row["c_kind"], row["c_number"]) for row in result.rows} if result.rows != [] else set()


def row_numbers(page):
    """The case numbers of the result rows of a page."""
    return [re.search(r'<td class="font-monospace"><a href="[^"]+">([^<]+)</a>', row).group(1)
            for row in re.findall(r'<tr class="case-row.*?</tr>', page, re.S)]


def personal_cases(side):
    return {("withdrawal", side.withdrawal.number), ("loan_application", side.loan.number),
            ("loan_application", side.loan_contract.application.number),
            ("loan_contract", side.loan_contract.number)}


def employer_cases(side):
    return {("remittance", side.remittance.reference), ("deferral", str(side.deferral.pk)),
            ("base_adjustment", str(side.base_adjustment.pk))}


def test_the_search_finds_each_kind_by_its_number(world):
    officer = world.staff[roles.JUDICIAL_OFFICER]
    a = world.a
    request = world.judicial_request
    assert found(officer, q=a.withdrawal.number) == {("withdrawal", a.withdrawal.number)}
    assert found(officer, q=a.loan.number.lower()) == {("loan_application", a.loan.number)}
    assert found(officer, q=a.loan_contract.number) == {("loan_contract", a.loan_contract.number)}
    assert found(officer, q=a.remittance.reference) == {("remittance", a.remittance.reference)}
    assert ("deferral", str(a.deferral.pk)) in found(officer, q=str(a.deferral.pk))
    assert ("base_adjustment", str(a.base_adjustment.pk)) in found(officer, q=str(a.base_adjustment.pk))
    # a court request by its own number and by the court's case number (执行案号)
    assert found(officer, q="ACCESS-Q1") == {("judicial_request", "ACCESS-Q1")}
    assert found(officer, q=request.case_number) == {("judicial_request", "ACCESS-Q1")}


def test_the_search_finds_a_persons_cases_by_id_number_account_number_and_name(world):
    officer = world.staff[roles.JUDICIAL_OFFICER]
    a, b = world.a, world.b
    mine = personal_cases(a) | {("judicial_request", "ACCESS-Q1")}
    assert found(officer, q=a.depositor.id_number) == mine
    assert found(officer, q=a.account.number) == mine
    assert found(officer, q=f"  {a.depositor.name} ") == mine
    assert found(officer, q=b.depositor.id_number) == personal_cases(b)
    assert found(officer, q="nobody-at-all-9") == set()


def test_the_search_finds_an_employers_cases_by_number_uscc_and_name(world):
    officer = world.staff[roles.JUDICIAL_OFFICER]
    a = world.a
    everything = employer_cases(a) | personal_cases(a)  # the court request names no account, so no employer
    assert found(officer, q=a.employer.account_number) == everything
    assert found(officer, q=a.employer.uscc) == everything
    assert found(officer, q="示范甲") == everything


def test_the_kind_state_and_date_filters_narrow_the_cases(world):
    officer = world.staff[roles.JUDICIAL_OFFICER]
    a = world.a
    q = a.employer.account_number
    for kind, number in employer_cases(a) | personal_cases(a):
        assert (kind, number) in found(officer, q=q, kind=kind)
        assert {k for k, _n in found(officer, q=q, kind=kind)} == {kind}
    assert found(officer, q=q, state="withdrawal:accepted") == {("withdrawal", a.withdrawal.number)}
    assert found(officer, q=q, state="withdrawal:paid") == set()
    assert found(officer, q=q, state="loan_contract:normal") == {("loan_contract", a.loan_contract.number)}
    # the withdrawal and the loans are dated 2026-11-20, the remittance list 2026-11-01
    day = datetime.date(2026, 11, 20)
    on_day = found(officer, q=q, date_from=day.isoformat(), date_to=day.isoformat())
    assert personal_cases(a) <= on_day and ("remittance", a.remittance.reference) not in on_day
    assert found(officer, q=q, date_to="2026-11-01") == {("remittance", a.remittance.reference)}
    # without a query, a kind or a state alone lists every case of it
    assert found(officer, kind="withdrawal") == {("withdrawal", world.a.withdrawal.number),
                                                 ("withdrawal", world.b.withdrawal.number)}
    assert found(officer) == set()  # nothing asked, nothing read
    # the cases of one person (the account page's "all cases" link): theirs, and their employer's deferral
    assert found(officer, account=a.account.number) == personal_cases(a) | {
        ("judicial_request", "ACCESS-Q1"), ("deferral", str(a.deferral.pk))}
    assert found(officer, account=a.account.number, kind="loan_contract") == {
        ("loan_contract", a.loan_contract.number)}
    assert found(officer, account="1" * 13) == set()


def test_the_page_shows_words_links_and_pages(world):
    officer = world.staff[roles.JUDICIAL_OFFICER]
    client = client_for(officer)
    a = world.a
    page = client.get(URL, {"q": a.employer.account_number}).content.decode()
    rows = re.findall(r'<tr class="case-row[^"]*" data-kind="([a-z_]+)"', page)
    assert sorted(rows) == sorted(kind for kind, _n in employer_cases(a) | personal_cases(a) )
    assert f'href="{reverse("withdrawals:case", args=[a.withdrawal.number])}"' in page
    by_person = client.get(URL, {"q": a.depositor.id_number}).content.decode()
    assert f'href="{reverse("judicial:request", args=[world.judicial_request.pk])}"' in by_person
    assert f'href="{reverse("deposits:deferral", args=[a.deferral.pk])}"' in page
    assert "已受理" in page  # the withdrawal's state in words
    assert ">accepted<" not in page
    assert a.depositor.id_number not in page  # masked in the list
    # paging: 3 a page, 8 rows
    first = client.get(URL, {"q": a.employer.account_number, "per_page": 3}).content.decode()
    third = client.get(URL, {"q": a.employer.account_number, "per_page": 3, "page": 3}).content.decode()
    assert len(re.findall(r'class="case-row', first)) == 3
    assert len(re.findall(r'class="case-row', third)) == 1
    assert set(row_numbers(first)).isdisjoint(row_numbers(third))
    beyond = client.get(URL, {"q": a.employer.account_number, "per_page": 3, "page": 999999})
    assert beyond.status_code == 200 and len(re.findall(r'class="case-row', beyond.content.decode())) == 1
    export = client.get(URL, {"q": a.withdrawal.number, "export": "csv"})
    body = b"".join(export.streaming_content).decode("utf-8-sig")
    assert a.withdrawal.number in body and "已受理" in body and a.depositor.id_number not in body


def test_each_role_finds_only_what_it_may_open(world):
    a = world.a
    # court requests only for the roles of the judicial workbench
    for role in (roles.JUDICIAL_OFFICER, roles.AUDITOR):
        assert ("judicial_request", "ACCESS-Q1") in found(world.staff[role], q=a.depositor.id_number)
    for role in (roles.CLERK, roles.REVIEWER, roles.LOAN_OFFICER, roles.FINANCE):
        assert found(world.staff[role], q=a.depositor.id_number) == personal_cases(a)
    # portal users and anonymous visitors: no page, and the selector finds nothing for them (their own cases
    # are on their portal pages)
    assert found(a.user, q=a.depositor.id_number) == set()
    assert found(a.agent, q=a.employer.account_number) == set()
    assert found(None, q=a.depositor.id_number) == set()
    for user in (a.user, a.agent):
        assert client_for(user).get(URL, {"q": a.withdrawal.number}).status_code == 403
        assert client_for(user).get(reverse("accounts:lookup_accounts"), {"account": "1"}).status_code == 403
    assert Client().get(URL).status_code == 302


@pytest.mark.parametrize("params", [
    {"q": "x" * 5000}, {"q": "a\x00b"}, {"q": "<script>alert(1)</script>"}, {"q": "%' OR 1=1 --"},
    {"q": "\u202e\ufeff你好"}, {"q": "123", "date_from": "2026-13-45"}, {"date_from": "99999-01-01"},
    {"date_to": "yesterday"}, {"q": "示范", "page": "999999"}, {"q": "示范", "page": "-1"}, {"q": "示范", "page": "x"},
    {"kind": "nonsense"}, {"state": "withdrawal:"}, {"state": ":::"}, {"state": "x" * 300}, {"account": "\x00"},
    {"q": "示范", "per_page": "0"}, {"q": "示范", "per_page": "10000000000000000000"},
])
def test_hostile_input_never_fails(db, params):
    clerk = make_user("clerk", roles.CLERK)
    response = client_for(clerk).get(URL, params)
    assert response.status_code == 200
    body = response.content.decode()
    assert "<script>alert(1)</script>" not in body


def test_a_bad_date_is_reported_and_ignored(world):
    clerk = world.staff[roles.CLERK]
    page = client_for(clerk).get(URL, {"q": world.a.withdrawal.number, "date_from": "2026-02-30"}).content.decode()
    assert 'data-field="date_from"' in page
    assert len(re.findall(r'class="case-row', page)) == 1


def test_the_account_page_lists_the_persons_cases_with_the_actions_of_the_viewers_role(world):
    a = world.a
    url = reverse("accounts:account", args=[a.account.number])
    act = reverse("withdrawals:act", args=[a.withdrawal.number, "review"])

    reviewer_page = client_for(world.staff[roles.REVIEWER]).get(url).content.decode()
    panel = reviewer_page[reviewer_page.index('id="cases-panel"'):]
    for number in (a.withdrawal.number, a.loan.number, a.loan_contract.number):
        assert number in panel
    assert world.b.withdrawal.number not in panel
    assert "已受理" in panel  # the accepted withdrawal, in words
    assert f'action="{act}"' in panel  # the reviewer may review the accepted withdrawal from here
    assert reverse("withdrawals:new") not in panel

    clerk_page = client_for(world.staff[roles.CLERK]).get(url).content.decode()
    assert f'action="{act}"' not in clerk_page  # a clerk does not review
    assert f'{reverse("withdrawals:new")}?account={a.account.number}' in clerk_page  # but starts a withdrawal

    auditor_page = client_for(world.staff[roles.AUDITOR]).get(url).content.decode()
    assert 'class="btn btn-sm btn-primary case-action"' not in auditor_page
    assert ("judicial_request", "ACCESS-Q1") in {(r["c_kind"], r["c_number"]) for r in
                                                 cases.person_cases(viewer=world.staff[roles.AUDITOR],
                                                                    account=a.account)["rows"]}


def test_an_action_from_the_account_page_moves_the_case(world):
    a = world.a
    WithdrawalApplication.objects.filter(pk=a.withdrawal.pk).update(state="submitted")
    clerk = world.staff[roles.CLERK]
    page = client_for(clerk).get(reverse("accounts:account", args=[a.account.number])).content.decode()
    accept = reverse("withdrawals:act", args=[a.withdrawal.number, "accept"])
    assert f'action="{accept}"' in page
    client_for(clerk).post(accept)
    assert WithdrawalApplication.objects.get(pk=a.withdrawal.pk).state == "accepted"


def test_the_lookups_suggest_a_few_escaped_matches(world):
    clerk = world.staff[roles.CLERK]
    client = client_for(clerk)
    employers = client.get(reverse("accounts:lookup_employers"), {"employer": "示范甲"}).content.decode()
    assert re.findall(r'<option value="([^"]+)">', employers) == [world.a.employer.account_number]
    assert "示范甲有限公司" in employers
    by_number = client.get(reverse("accounts:lookup_employers"), {"employer": world.b.employer.account_number[:-1]})
    assert world.b.employer.account_number in by_number.content.decode()
    accounts = client.get(reverse("accounts:lookup_accounts"), {"account": world.a.depositor.name}).content.decode()
    assert re.findall(r'<option value="([^"]+)">', accounts) == [world.a.account.number]
    prefix = client.get(reverse("accounts:lookup_accounts"), {"account": world.a.account.number[:4]}).content.decode()
    assert world.a.account.number in prefix and world.b.account.number in prefix
    for hostile in ("<b>", "\x00", "x" * 5000, ""):
        response = client.get(reverse("accounts:lookup_employers"), {"employer": hostile})
        assert response.status_code == 200 and "<b>" not in response.content.decode()


def test_the_lookups_are_bounded(db):
    from tests import factories

    clerk = make_user("clerk", roles.CLERK)
    for n in range(12):
        factories.employer(clerk, name=f"查找单位{n}")
    page = client_for(clerk).get(reverse("accounts:lookup_employers"), {"employer": "查找单位"}).content.decode()
    assert len(re.findall("<option", page)) == 10


def test_the_counter_forms_offer_lookups_and_still_take_a_typed_number(world):
    clerk = world.staff[roles.CLERK]
    client = client_for(clerk)
    form = client.get(reverse("accounts:account_new")).content.decode()
    assert f'hx-get="{reverse("accounts:lookup_employers")}"' in form and 'list="id_employer-options"' in form
    new = client.get(reverse("withdrawals:new"), {"account": world.a.account.number}).content.decode()
    assert f'hx-get="{reverse("accounts:lookup_accounts")}"' in new
    assert f'value="{world.a.account.number}"' in new  # started from the account page
    refused = client.post(reverse("accounts:account_new"), {"employer": "80000000000", "name": "某"})
    assert refused.status_code == 200 and "80000000000" in refused.content.decode()


def test_the_navigation_starts_with_the_case_search(world):
    page = client_for(world.staff[roles.CLERK]).get(reverse("accounts:employers")).content.decode()
    nav = page[page.index("<nav"):]
    first_control = re.search(r"<(a|input|button|select)\b[^>]*>", nav).group(0)
    assert 'id="nav-search-q"' in first_control
    assert f'action="{URL}"' in nav


def test_more_cases_do_not_mean_more_queries(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    a = world.a
    reviewer = client_for(world.staff[roles.REVIEWER])
    pages = [reverse("accounts:account", args=[a.account.number]), f"{URL}?q={a.depositor.id_number}"]

    def counts():
        out = []
        for url in pages:
            with CaptureQueriesContext(connection) as queries:
                assert reviewer.get(url).status_code == 200
            out.append(len(queries))
        return out

    counts()  # warm the caches (content types, policy)
    before = counts()
    for n in range(10):
        WithdrawalApplication.objects.create(
            number=f"TQ20261121{n:08d}", account=a.account, depositor=a.depositor, reason="09", state="accepted",
            application_date=datetime.date(2026, 11, 21), amount_requested=100, payee_card="6222021000000000000",
            payee_name=a.depositor.name)
    assert counts() == before


def test_a_name_common_to_many_employers_finds_their_own_cases_only(world):
    from tests import factories

    officer = world.staff[roles.JUDICIAL_OFFICER]
    for n in range(cases.EMPLOYEES_OF_AT_MOST):
        factories.employer(world.staff[roles.CLERK], name=f"示范丙{n}有限公司")
    both = found(officer, q="示范")  # 2 + 5 employers: too many to read every employee's cases
    assert both == employer_cases(world.a) | employer_cases(world.b)
    assert found(officer, q="示范甲") == employer_cases(world.a) | personal_cases(world.a)


def test_a_name_found_for_too_many_people_asks_for_more(world, monkeypatch):
    monkeypatch.setattr(cases, "NAME_MATCH_LIMIT", 1)
    page = client_for(world.staff[roles.CLERK]).get(URL, {"q": "职工"}).content.decode()
    assert 'id="too-many"' in page
    assert len(re.findall(r'class="case-row', page)) == 4  # the cases of the first person only
    assert 'id="too-many"' not in client_for(world.staff[roles.CLERK]).get(URL, {"q": "职工甲"}).content.decode()


def test_the_page_reads_in_english(world):
    client = client_for(world.staff[roles.CLERK])
    client.cookies["django_language"] = "en"
    page = client.get(URL, {"q": world.a.depositor.id_number}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Find a case" in page and "Loan contract" in page and "Accepted" in page
    assert "业务查询" not in page


def test_the_panel_sql_kept_once_answers_as_the_orm_for_every_person_and_role(world):
    """The account page's cases panel compiles its UNION once per set of roles (core.visibility.own_rows) and reuses
    it for every account and every member of staff with those roles: the rows are those of the ORM's query, for
    each person and each role, and a change of the viewer's roles is a new query."""
    from core import compiled

    compiled.clear()
    people = [world.a.account, world.b.account]
    for role in (roles.REVIEWER, roles.CLERK, roles.AUDITOR, roles.LOAN_OFFICER):
        viewer = world.staff[role]
        for account in people * 2:  # the second time from the kept SQL
            orm = cases.search_cases(viewer=viewer, account=account).rows
            expected = list(orm[:cases.PANEL_ROWS + 1]) if orm != [] else []
            assert cases._person_rows(viewer, account, cases.PANEL_ROWS + 1) == expected
        assert any(key[0][0][0] == "person_cases" and key[0][1][0] == tuple(sorted(roles.roles_of(viewer)))
                   and entry is not None for key, entry in compiled._cache.items())
    assert {r["c_number"] for r in cases._person_rows(world.staff[roles.AUDITOR], world.a.account, 21)} >= {
        world.a.withdrawal.number, world.a.loan.number, "ACCESS-Q1"}
    clerk = world.staff[roles.CLERK]
    before = len(compiled._cache)
    roles.add_role(clerk, roles.AUDITOR)
    clerk = type(clerk).objects.get(pk=clerk.pk)  # roles are read once per user object
    cases._person_rows(clerk, world.a.account, 21)
    assert len(compiled._cache) == before + 1
