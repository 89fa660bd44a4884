"""Words, not codes: every role's pages on the demo data (seed_demo with cases of every module) show states and
actions in words, amounts with thousands separators and two decimals, rates as percentages, 借/贷 rather than D/C,
dates as YYYY-MM-DD; the English pages the same, with rule texts in English."""

import io
import re

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import translation

from accounts.models import Depositor, EmployerAgent
from tests.words_crawl import crawl, parse, problems

ROLES = ("clerk", "reviewer", "approver", "loan", "judicial", "finance", "auditor", "admin")
START = {"admin": ["/admin/", "/counter/"]}
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def demo(db):
    call_command("seed_demo", stdout=io.StringIO(), employers=10, depositors=120, months=12, seed=7)
    call_command("demo_users", stdout=io.StringIO())
    with connection.cursor() as cur:
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")


def client_for(user, language="zh-hans"):
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


def report(bad):
    return {url: issues[:5] for url, issues in list(bad.items())[:10]}


@pytest.mark.parametrize("html, kind", [
    ("<p>比例 3E+1%</p>", "scientific"),
    ("<p>利息 93900.5900000000</p>", "long decimal"),
    ("<td>93900.59</td>", "no separator"),
    ("<p>受理 → accepted</p>", "English enum"),
    ("<table><tr><td>D</td></tr></table>", "D/C side"),
    ("<p>2026年12月1日</p>", "date format"),
    ("<p>Dec. 1, 2026</p>", "date format"),
    ("<p>ratio_reduction</p>", "snake_case"),
])
def test_the_checks_catch_raw_codes(html, kind):
    assert kind in [k for k, _text in problems(parse(html))]


def test_the_checks_accept_words():
    html = ("<table><tr><td>借</td><td>93,900.59</td><td>2026-12-01</td><td>12%</td><td>已受理</td></tr></table>"
            "<p>（月收入 20,000.00 × 50%）× 105.5683</p><td data-unrounded>31.1490</td><a>id_card.pdf</a>")
    assert problems(parse(html)) == []


def test_every_role_sees_words_not_codes(demo):
    for username in ROLES:
        user = User.objects.get(username=username)
        bad, read = crawl(client_for(user), START.get(username, ["/counter/"]), limit=45, per_prefix=6)
        assert read >= 10, username
        assert not bad, (username, report(bad))
    depositor = Depositor.objects.filter(user__isnull=False, loan_contracts__isnull=False).first()
    agent = EmployerAgent.objects.select_related("user").order_by("pk").first()
    for user, start in ((depositor.user, "/portal/"), (agent.user, "/employer/")):
        bad, read = crawl(client_for(user), [start], limit=40, per_prefix=8)
        assert read >= 5, start
        assert not bad, (start, report(bad))


def test_english_pages_and_rule_texts(demo):
    for username in ("clerk", "loan", "judicial", "finance"):
        bad, read = crawl(client_for(User.objects.get(username=username), "en"), ["/counter/"], limit=30,
                          per_prefix=5, chinese=False)
        assert read >= 10 and not bad, (username, report(bad))
    # the journal's memos read in English: interest, withdrawals, repayments (a line's reference reads as it is)
    from django.db.models import Count

    from accounts.models import FundAccount

    clerk = client_for(User.objects.get(username="clerk"), "en")
    busiest = (FundAccount.objects.annotate(n=Count("ledger_account__lines")).order_by("-n", "pk")
               .values_list("number", flat=True)[:5])
    memos = []
    for number in busiest:
        table = re.search(r'<table[^>]*id="ledger-lines".*?</table>', clerk.get(f"/counter/accounts/{number}/")
                          .content.decode(), re.S).group(0)
        rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)
        memos += [re.sub(r"<[^>]+>", "", row.split("</td>")[1]) for row in rows if "</td>" in row]
    assert any("Year-end interest" in m for m in memos), memos[:20]
    case_number = re.compile(r"\(\d{4}\)\S*号")  # a court's case number, (2026)浙0102执1206号, is data
    assert not [m for m in memos if CJK.search(case_number.sub("", m))], [m for m in memos if CJK.search(m)][:10]
    # a comment the system wrote on a step reads in the viewer's language; one a person typed reads as typed
    from core.models import CaseTransition
    from withdrawals.models import WithdrawalApplication

    auto = CaseTransition.objects.filter(action="auto_approve").first()
    case_number = WithdrawalApplication.objects.get(pk=auto.case_id).number
    english_case = client_for(User.objects.get(username="approver"), "en").get(
        f"/counter/withdrawals/{case_number}/").content.decode()
    chinese_case = client_for(User.objects.get(username="approver")).get(
        f"/counter/withdrawals/{case_number}/").content.decode()
    assert "Approved by rule: every data check passed." in english_case and "数据核验全部通过" not in english_case
    assert "按规则自动审批：数据核验全部通过。" in chinese_case
    # the rules' texts stored with a case read in the viewer's language
    from loans.models import LoanApplication
    from withdrawals.models import WithdrawalApplication

    app = LoanApplication.objects.filter(state="approved").first()
    english = client_for(User.objects.get(username="loan"), "en").get(f"/counter/loans/{app.number}/")
    chinese = client_for(User.objects.get(username="loan")).get(f"/counter/loans/{app.number}/")
    assert "Fund account normal" in english.content.decode() and "公积金账户状态正常" not in english.content.decode()
    assert "公积金账户状态正常" in chinese.content.decode()
    case = WithdrawalApplication.objects.filter(state="reviewed").first()
    page = client_for(User.objects.get(username="approver"), "en").get(f"/counter/withdrawals/{case.number}/")
    rules_shown = re.findall(r'<li class="text-success">([^<]*)</li>', page.content.decode())
    assert rules_shown and not [r for r in rules_shown if CJK.search(r)], rules_shown
    # the rules' refusals and the policy descriptions are English in the English UI
    from core import policy
    from withdrawals import services as withdrawal_services
    from withdrawals.models import Reason

    account = Depositor.objects.filter(accounts__status="01").first().accounts.first()
    with translation.override("en"):
        outcome = withdrawal_services.preview(account=account, reason=Reason.ILLNESS, facts={"medical_cost": "0"})
        assert outcome.refusals and not any(CJK.search(str(r)) for r in outcome.refusals)
        descriptions = [str(p.description) for p in policy.load_all().values()]
    # English, with at most the Chinese term in brackets: "Freeze (冻结)"
    glossed = re.compile(r"\([^()]*[\u4e00-\u9fff][^()]*\)")
    assert descriptions and not [d for d in descriptions if CJK.search(glossed.sub("", d))]
