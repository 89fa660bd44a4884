"""Matching the bank's receipts: at once when few wait; as a background batch run (id-range chunks in id order)
with a progress bar when many do (``settings.DEPOSITS_MATCH_BACKGROUND_LINES``), booking exactly the same."""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse

from core.actors import system_actor
from core.business_date import set_business_date
from core.models import BatchRun
from deposits.models import RemittanceList
from deposits.services import matching
from deposits.services import remittance as services
from ledger import chart
from ledger.models import Account, BankStatementLine
from tests import factories

NOV = datetime.date(2026, 11, 1)


class Rollback(Exception):
    pass


@pytest.fixture
def receipts(db, clerk):
    set_business_date(actor=system_actor(), date=datetime.date(2026, 11, 20))
    employer = factories.employer(clerk, employer_ratio=Decimal("0.07"), employee_ratio=Decimal("0.07"))
    factories.account(clerk, employer, name="甲", base="9380.50")
    factories.account(clerk, employer, name="乙", base="2330")
    rem = services.generate_list(actor=clerk, employer=employer, month=NOV)
    services.confirm_list(actor=clerk, remittance=rem)
    rows = [("M1", rem.total, f"公积金{rem.reference}", ""),  # pays the list
            ("M2", "300.00", "十一月公积金", employer.name),  # a known employer: its suspense
            ("M3", "50.00", "?", "不认识的公司"),  # the general suspense
            ("M4", rem.total, f"公积金{rem.reference}", "")]  # the list is paid by then: general suspense
    factories.statement(bank_account=factories.bank_account(), rows=[
        {"bank_reference": ref, "value_date": "2026-11-15", "direction": "C", "amount": str(amount), "remark": remark,
         "counterparty_name": name} for ref, amount, remark, name in rows])
    return {"employer": employer, "list": rem}


def _books(receipts):
    employer, rem = receipts["employer"], receipts["list"]
    return {
        "lines": sorted(BankStatementLine.objects.filter(bank_reference__startswith="M")
                        .values_list("bank_reference", "match_status", "entry__total")),
        "list": RemittanceList.objects.values_list("status", "paid_by__bank_reference").get(pk=rem.pk),
        "employer_suspense": Account.objects.get(pk=employer.suspense_account_id).balance,
        "general_suspense": Account.objects.get(code=chart.GENERAL_SUSPENSE).balance,
    }


def _synchronous(clerk, receipts):
    """What matching at once books (then rolled back)."""
    with pytest.raises(Rollback), transaction.atomic():
        result = services.match_incoming(actor=clerk)
        books = _books(receipts)
        raise Rollback
    return result, books


def test_many_receipts_are_matched_in_the_background_with_the_same_bookings(client, clerk, receipts, settings,
                                                                             monkeypatch):
    settings.DEPOSITS_MATCH_BACKGROUND_LINES = 3
    monkeypatch.setattr(matching, "CHUNK_SIZE", 3)  # two chunks: M1..M3, M4
    result, expected = _synchronous(clerk, receipts)
    assert result["posted"] == 1 and result["employer_suspense"] == 1 and result["general_suspense"] == 2
    assert _books(receipts)["lines"][0][1] == "unmatched"  # rolled back
    client.force_login(clerk)
    page = client.post(reverse("deposits:bank_match"), follow=True).content.decode()
    run = BatchRun.objects.get(job=matching.JOB)
    assert run.status == "done" and run.processed == run.total == 4 and run.chunks.count() == 2
    assert {k: run.result[k] for k in ("posted", "employer_suspense", "general_suspense", "problems")} == result
    assert _books(receipts) == expected
    assert expected["list"] == ("posted", "M1") and expected["general_suspense"] == receipts["list"].total + 50
    assert f'data-run="{run.pk}"' in page and "100%" in page and "4 / 4" in page


def test_progress_shows_while_it_runs(client, clerk, receipts, monkeypatch):
    monkeypatch.setattr(matching, "CHUNK_SIZE", 3)
    run = matching.plan(actor=clerk)
    client.force_login(clerk)
    page = client.get(reverse("deposits:bank")).content.decode()
    assert f'data-run="{run.pk}"' in page and "0 / 4" in page
    assert f'hx-get="{reverse("deposits:bank_match_progress")}"' in page
    matching.execute(run.pk)
    partial = client.get(reverse("deposits:bank_match_progress")).content.decode()
    assert "4 / 4" in partial and "100%" in partial and "hx-get" not in partial


def test_few_receipts_are_matched_at_once(client, clerk, receipts, settings):
    settings.DEPOSITS_MATCH_BACKGROUND_LINES = 5
    client.force_login(clerk)
    client.post(reverse("deposits:bank_match"))
    assert not BatchRun.objects.exists()
    assert not BankStatementLine.objects.filter(match_status="unmatched", direction="C").exists()
