"""Suspense money and items in transit by age (≤ 30 days, 31–90, > 90), oldest first: in every reconciliation run,
on the reconciliation page and in the monthly ageing report."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from core.actors import system_actor
from core.business_date import set_business_date
from ledger import chart
from ledger import services as ledger_services
from ledger.models import Account, BankStatementLine, JournalLine
from ledger.posting import credit, debit, post
from ledger.reconciliation import ageing, reconcile, run_checks
from tests import factories


@pytest.fixture
def books(clerk):
    set_business_date(actor=system_actor(), date=datetime.date(2026, 11, 30))
    bank = factories.bank_account()
    rows = [
        ("R1", "2026-11-20", "10.00"),
        ("R2", "2026-09-15", "20.00"),
        ("S1", "2026-06-01", "40.00"),
        ("S0", "2026-05-01", "30.00"),
    ]
    factories.statement(
        bank_account=bank,
        rows=[
            {"bank_reference": ref, "value_date": day, "direction": "C", "amount": amount} for ref, day, amount in rows
        ],
    )
    for ref in ("S0", "S1"):  # booked to the general suspense on their value dates
        ledger_services.book_to_suspense(line=BankStatementLine.objects.get(bank_reference=ref), actor=system_actor())
    suspense = Account.objects.get(code=chart.GENERAL_SUSPENSE)
    person = factories.account(clerk, name="甲")
    # 30.00 allocated from suspense: it took the oldest money (S0), 40.00 of S1 is left
    post(
        actor=system_actor(),
        lines=[debit(suspense, Decimal("30.00")), credit(person.ledger_account, Decimal("30.00"))],
        memo="allocation",
    )
    ledger_services.create_payment(
        actor=system_actor(),
        from_account=person.ledger_account,
        amount="5.00",
        bank_account=bank,
        payee_name="甲",
        payee_account="6222000000000001",
        purpose="提取",
    )
    return bank, suspense


def test_ageing_buckets_and_oldest_first(books):
    bank, suspense = books
    report = ageing()
    assert report["as_of"] == "2026-11-30"
    assert report["totals"] == {
        "suspense": {"0-30": "0.00", "31-90": "0.00", "90+": "40.00"},
        "receipt": {"0-30": "10.00", "31-90": "20.00", "90+": "0.00"},
        "payment": {"0-30": "5.00", "31-90": "0.00", "90+": "0.00"},
    }
    assert [(i["kind"], i["date"], i["age_days"], i["bucket"], i["amount"], i["account"]) for i in report["items"]] == [
        ("suspense", "2026-06-01", 182, "90+", "40.00", suspense.code),
        ("receipt", "2026-09-15", 76, "31-90", "20.00", bank.ledger_account.code),
        ("receipt", "2026-11-20", 10, "0-30", "10.00", bank.ledger_account.code),
        ("payment", "2026-11-30", 0, "0-30", "5.00", bank.ledger_account.code),
    ]
    assert report["items"][0]["record"].startswith("entry #") and report["more"] == 0
    assert run_checks()["ok"]


def test_the_reconciliation_page_and_the_monthly_report_show_the_ageing(books, client, finance):
    reconcile(actor=finance)
    client.force_login(finance)
    page = client.get(reverse("ledger:reconciliation"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    ageing_html = page.split('id="ageing"')[1]
    assert "暂收未分摊" in ageing_html and "40.00" in ageing_html
    assert ageing_html.index("2026-06-01") < ageing_html.index("2026-09-15") < ageing_html.index("2026-11-20")
    # each item's record in words and its account with its name, not only codes
    bank, suspense = books
    rows = re.findall(r"<tr><td>(2026-[\d-]+)</td>.*?</tr>", ageing_html.split('id="aged-items"')[1], re.S)
    assert rows == ["2026-06-01", "2026-09-15", "2026-11-20", "2026-11-30"]
    items = ageing_html.split('id="aged-items"')[1]
    entry = re.search(r"<td>记账凭证 (\d+) [^<]+</td>", items)
    assert entry and JournalLine.objects.filter(entry_id=int(entry.group(1)), account=suspense, side="C").exists()
    assert "银行对账单明细 " in items and "付款指令 " in items and "entry #" not in items
    assert f'<span class="font-monospace">{suspense.code}</span> {suspense.name}</td>' in items
    assert f'<span class="font-monospace">{bank.ledger_account.code}</span> {bank.ledger_account.name}</td>' in items
    english = client.get(reverse("ledger:reconciliation"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert re.search(r"<td>Journal entry no\. \d+ ", english) and "Bank statement line " in english
    monthly = client.get(reverse("ledger:ageing"), {"month": "2026-11"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert monthly.status_code == 200 and 'data-bucket="90+">40.00<' in monthly.content.decode()
    empty = client.get(reverse("ledger:ageing"), {"month": "2026-10"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert empty.status_code == 200 and "本月没有" in empty.content.decode()
    for bad in ("2026-13", "x" * 5000, "<script>"):
        response = client.get(reverse("ledger:ageing"), {"month": bad}, HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.status_code == 400 and "请按 YYYY-MM 格式填写月份。" in response.content.decode()
