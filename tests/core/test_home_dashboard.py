"""The staff home per role: the counts of the viewer's queues (each equal to what its link lists), today's
figures, the charts' data, the last reconciliation and the batch runs."""

import datetime
import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core import roles
from core.models import BatchRun, BusinessDay
from deposits.models import RemittanceList
from deposits.services import deferral as deferral_services
from deposits.services import remittance as remittance_services
from ledger.reconciliation import reconcile
from loans.models import LoanApplication
from tests import factories
from tests.conftest import make_user
from withdrawals.models import WithdrawalApplication

D = Decimal
TODAY = datetime.date(2026, 11, 20)


def _withdrawal(account, n, state, *, reason="09", due=None, decided=None, amount=None):
    return WithdrawalApplication.objects.create(
        number=f"TQ2026112000{n:06d}", account=account, depositor=account.depositor, reason=reason, state=state,
        application_date=TODAY if n == 1 else TODAY - datetime.timedelta(days=30), amount_requested=D("1000"),
        amount_approved=amount, decided_on=decided, decision_due=due, payee_card="6222021000000000000",
        payee_name=account.depositor.name)


def _loan(account, n, state, *, due=None, actor=None):
    return LoanApplication.objects.create(
        number=f"DK2026112000{n:06d}", borrower=account.depositor, account=account, state=state,
        application_date=TODAY, property_address="示范市人民路8号", property_kind="new", property_price=D("1000000"),
        property_area=D("89.5"), monthly_income=D("20000"), requested_amount=D("500000"), term_months=240,
        decision_due=due, created_by=actor)


@pytest.fixture
def world(db, clerk):
    BusinessDay.objects.update_or_create(pk=1, defaults={"current": TODAY})
    employer = factories.employer(clerk)
    account = factories.account(clerk, employer, name="李四")
    day = datetime.timedelta(days=1)
    _withdrawal(account, 1, "submitted")
    _withdrawal(account, 2, "submitted")
    _withdrawal(account, 3, "returned")
    _withdrawal(account, 4, "accepted", due=TODAY - 2 * day)  # overdue
    _withdrawal(account, 5, "accepted", due=TODAY)  # due soon
    _withdrawal(account, 6, "accepted", due=TODAY + 5 * day)
    _withdrawal(account, 7, "reviewed", due=TODAY - day)  # overdue
    _withdrawal(account, 8, "approved", decided=TODAY, amount=D("500.00"))
    _withdrawal(account, 9, "paid", decided=datetime.date(2026, 10, 5), amount=D("700.00"))
    _withdrawal(account, 10, "closed", reason="01", decided=datetime.date(2026, 9, 1), amount=D("1200.50"))
    _withdrawal(account, 11, "closed", reason="01", decided=datetime.date(2025, 9, 1), amount=D("99"))  # too old
    officer = make_user("loan_officer1", roles.LOAN_OFFICER)
    _loan(account, 1, "submitted", actor=officer)
    _loan(account, 2, "accepted", due=TODAY - day, actor=officer)
    _loan(account, 3, "accepted", due=TODAY + 10 * day, actor=officer)
    # a posted remittance list of this month, posted today (its entry is today's)
    entry = factories.deposit(account, "2400")
    remittance = remittance_services.generate_list(actor=clerk, employer=employer, month=datetime.date(2026, 11, 1))
    RemittanceList.objects.filter(pk=remittance.pk).update(status="posted", total=D("2400.00"), entry=entry)
    agent = make_user("agent1")
    from accounts import services as account_services

    account_services.link_employer_agent(actor=clerk, user=agent, employer=employer)
    deferral_services.submit_application(
        actor=agent, employer=employer, kind="deferral", month_from=datetime.date(2026, 12, 1),
        month_to=datetime.date(2027, 1, 1), reason="经营困难", decision_date=datetime.date(2026, 11, 1),
        evidence=SimpleUploadedFile("决议.pdf", b"%PDF-1.4 decision", content_type="application/pdf"))
    return {"account": account, "employer": employer, "officer": officer}


def _home(client, user):
    client.force_login(user)
    response = client.get(reverse("core:home"))
    assert response.status_code == 200
    return response


def _tiles(response):
    return {t["key"]: t for t in response.context["todo"]}


def _listed(client, url):
    """How many rows the queue behind ``url`` lists (all pages)."""
    response = client.get(url)
    assert response.status_code == 200
    if "table" not in response.context:  # the bank statement imports: a plain list
        return len(response.context["statements"])
    return response.context["table"].paginator.count


def _assert_tiles_match_queues(client, tiles):
    for tile in tiles.values():
        if "#" in tile["url"]:
            continue
        assert _listed(client, tile["url"]) == tile["count"], tile


def test_clerk_home_counts_withdrawals_to_accept(client, clerk, world):
    response = _home(client, clerk)
    tiles = _tiles(response)
    assert tiles["withdrawals-submitted"]["count"] == 2
    assert tiles["withdrawals-returned"]["count"] == 1
    assert "withdrawals-accepted" not in tiles and "withdrawals-overdue" not in tiles  # not the clerk's queue
    _assert_tiles_match_queues(client, tiles)
    figures = {f["key"]: f["value"] for f in response.context["figures"]}
    assert figures["withdrawals-received"] == 1
    assert figures["withdrawals-approved"] == 1 and figures["withdrawals-amount"] == D("500.00")
    assert figures["deposits-lists"] == 1 and figures["deposits-amount"] == D("2400.00")
    html = response.content.decode()
    assert 'data-todo="withdrawals-submitted"' in html and "500.00" in html and "2,400.00" in html
    assert 'id="home-charts"' in html and "vendor/echarts/echarts.min.js" in html and "js/home-charts.js" in html
    assert "last-reconciliation" not in html and "home-runs" not in html  # finance and auditors only


def test_reviewer_and_approver_see_their_queue_and_deadlines(client, world):
    reviewer = make_user("reviewer1", roles.REVIEWER)
    tiles = _tiles(_home(client, reviewer))
    assert tiles["withdrawals-accepted"]["count"] == 3
    assert tiles["withdrawals-overdue"]["count"] == 1 and tiles["withdrawals-overdue"]["level"] == "danger"
    assert tiles["withdrawals-soon"]["count"] == 1
    assert tiles["deferrals-submitted"]["count"] == 1
    assert tiles["loans-accepted"]["count"] == 2 and tiles["loans-overdue"]["count"] == 1
    _assert_tiles_match_queues(client, tiles)
    approver = make_user("approver1", roles.APPROVER)
    tiles = _tiles(_home(client, approver))
    assert tiles["withdrawals-reviewed"]["count"] == 1 and tiles["withdrawals-overdue"]["count"] == 1
    assert tiles["withdrawals-soon"]["count"] == 0 and tiles["deferrals-reviewed"]["count"] == 0
    _assert_tiles_match_queues(client, tiles)


def test_loan_officer_home(client, world):
    tiles = _tiles(_home(client, world["officer"]))
    assert tiles["loans-submitted"]["count"] == 1 and tiles["loans-returned"]["count"] == 0
    assert tiles["loans-overdue"]["count"] == 1 and tiles["loans-soon"]["count"] == 0
    assert not any(key.startswith("withdrawals-") for key in tiles)
    _assert_tiles_match_queues(client, tiles)


def test_finance_home_counts_figures_charts_reconciliation_and_runs(client, finance, world):
    bank = factories.bank_account()
    factories.statement(bank_account=bank, rows=[
        {"bank_reference": "HOME-1", "value_date": "2026-11-19", "direction": "C", "amount": "123.45",
         "remark": "unknown payer", "counterparty_name": "某人"},
        {"bank_reference": "HOME-2", "value_date": "2026-11-19", "direction": "C", "amount": "10.00",
         "remark": "unknown payer", "counterparty_name": "某人"}])
    reconcile(actor=finance)
    run = BatchRun.objects.create(job="deposits.settle_interest", key="interest-2026", status="running", total=200,
                                  processed=50)
    response = _home(client, finance)
    tiles = _tiles(response)
    assert tiles["withdrawals-approved"]["count"] == 1 and tiles["withdrawals-paid"]["count"] == 1
    assert tiles["receipts-unmatched"]["count"] == 2 and tiles["statements-pending"]["count"] == 0
    _assert_tiles_match_queues(client, tiles)
    figures = {f["key"]: f["value"] for f in response.context["figures"]}
    assert figures["receipts-unmatched-amount"] == D("133.45")
    charts = {c["id"]: c for c in json.loads(_json_script(response.content.decode(), "home-charts"))}
    flows = charts["flows"]
    assert flows["categories"][0] == "2025-12" and flows["categories"][-1] == "2026-11"
    series = {s["name"]: s["data"] for s in flows["series"]}
    assert list(series) == ["缴存", "提取"]  # deposits first (settings.HOME_PANELS), in the UI's language
    assert series["缴存"][-1] == "2400.00" and series["缴存"][:-1] == ["0"] * 11
    withdrawals = series["提取"]
    assert withdrawals[-1] == "500.00" and withdrawals[-2] == "700.00" and withdrawals[-3] == "1200.50"
    assert sum(D(v) for v in withdrawals) == D("2400.50")  # the 2025-09 case is outside the 12 months
    reasons = charts["withdrawal-reasons"]
    assert dict(zip(reasons["categories"], reasons["series"][0]["data"], strict=True)).keys().__len__() == 2
    assert sorted(reasons["series"][0]["data"]) == ["1200.00", "1200.50"]
    assert "ageing" in charts and "reconciliation" in charts
    recon = charts["reconciliation"]
    assert len(recon["categories"]) == 1 and sum(s["data"][0] for s in recon["series"]) == 7  # seven checks
    html = response.content.decode()
    assert 'id="last-reconciliation"' in html
    assert f'data-run="{run.pk}"' in html and "25%" in html and 'hx-get="/counter/home/runs/"' in html
    progress = client.get(reverse("core:home_runs"))
    assert progress.status_code == 200 and "50 / 200" in progress.content.decode()


def test_auditor_home_shows_reconciliation_and_runs_without_finance_work(client, auditor, finance, world):
    reconcile(actor=finance)
    BatchRun.objects.create(job="documents.statements", key="statements-2026", status="done", total=10,
                            processed=10)
    response = _home(client, auditor)
    tiles = _tiles(response)
    assert not any(key in tiles for key in ("receipts-unmatched", "statements-pending", "withdrawals-approved"))
    html = response.content.decode()
    assert 'id="last-reconciliation"' in html and 'data-job="documents.statements"' in html and "100%" in html
    assert reverse("documents:statement_runs") in html


def test_judicial_officer_home(client, world):
    from judicial import services as judicial_services

    officer = make_user("judge_officer", roles.JUDICIAL_OFFICER)
    court = judicial_services.register_court(
        actor=officer, code="4403050", name="示范市南山区人民法院", enforcement_account_name="执行款专户",
        enforcement_account_number="44201500000000001", enforcement_bank="建设银行南山支行")
    person = world["account"].depositor
    from judicial.models import JudicialRequest

    received = {}
    for n, day in ((1, TODAY), (2, datetime.date(2026, 11, 10)), (3, datetime.date(2026, 11, 18))):
        req = judicial_services.receive_request(actor=officer, court=court, data={
            "number": f"HOME-Q{n}", "measure": "query", "person_name": person.name, "id_number": person.id_number,
            "judge": "李法官", "case_number": f"(2026)粤0305执{n}号"})
        JudicialRequest.objects.filter(pk=req.pk).update(received_on=day)  # answer due 3 days after receipt
        received[n] = req
    tiles = _tiles(_home(client, officer))
    assert tiles["judicial-received"]["count"] == 3 and tiles["judicial-prepared"]["count"] == 0
    assert tiles["judicial-receipts-overdue"]["count"] == 1  # due 2026-11-13
    assert tiles["judicial-receipts-soon"]["count"] == 1  # due 2026-11-21
    assert tiles["judicial-expiring"]["count"] == 0
    _assert_tiles_match_queues(client, tiles)
    page = client.get(tiles["judicial-receipts-overdue"]["url"]).context["table"]
    assert [r.number for r in page.data] == ["HOME-Q2"]


def test_home_is_a_handful_of_queries(client, finance, world):
    client.force_login(finance)
    client.get(reverse("core:home"))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("core:home")).status_code == 200
    assert len(queries) <= 30, [q["sql"][:120] for q in queries.captured_queries]


def _json_script(html, element_id):
    start = html.index(f'id="{element_id}"')
    start = html.index(">", start) + 1
    return html[start:html.index("</script>", start)]


def test_monthly_charts_are_cached_and_the_counts_stay_live(client, clerk, world, settings):
    from django.core.cache import cache

    cache.clear()
    settings.HOME_CHART_CACHE_SECONDS = 300
    first = _home(client, clerk)
    WithdrawalApplication.objects.filter(state="submitted").update(state="cancelled")
    WithdrawalApplication.objects.filter(number__endswith="000009").update(amount_approved=D("1.00"))
    second = _home(client, clerk)
    assert _tiles(second)["withdrawals-submitted"]["count"] == 0  # live
    charts = {c["id"]: c for c in second.context["charts"]}
    flows = {s["name"]: s["data"] for s in charts["flows"]["series"]}
    assert flows["提取"][-2] == "700.00"  # the cached month, not yet 1.00
    assert first.context["charts"] == second.context["charts"]
    cache.clear()
    third = {c["id"]: c for c in _home(client, clerk).context["charts"]}
    assert {s["name"]: s["data"] for s in third["flows"]["series"]}["提取"][-2] == "1.00"


def test_administrator_home_and_hostile_filters(client, clerk, world):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("home_admin", password="pw-Secret-123")
    html = _home(client, admin).content.decode()
    assert 'id="last-reconciliation"' in html and 'id="home-runs"' in html
    for url in (reverse("withdrawals:queue") + "?due=bogus", reverse("loans:queue") + "?due=%00",
                reverse("ledger:statements") + "?status=nope", reverse("judicial:workbench") + "?receipt=x'--"):
        assert client.get(url).status_code == 200, url
    client.force_login(clerk)
    assert _listed(client, reverse("withdrawals:queue") + "?due=bogus&state=submitted") == 2  # a bad filter is ignored


def test_a_role_with_nothing_waiting_is_told_so(client, auditor, world):
    html = _home(client, auditor).content.decode()
    assert "您的队列中暂无待办事项。" in html
