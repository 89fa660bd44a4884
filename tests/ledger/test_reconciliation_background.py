"""The reconciliation started by finance: at once on a small ledger; as a background batch run with a progress bar
when the journal is large (``settings.LEDGER_RECONCILE_BACKGROUND_LINES``), with the same stored report."""

import datetime

import pytest
from django.urls import reverse

from core.actors import system_actor
from core.business_date import set_business_date
from core.models import AuditEvent, BatchRun
from ledger.models import ReconciliationRun
from ledger.reconciliation import STEPS, run_checks
from ledger.services import reconciliation_runs
from tests import factories


@pytest.fixture
def books(db, clerk):
    set_business_date(actor=system_actor(), date=datetime.date(2026, 11, 20))
    account = factories.account(clerk, name="王五")
    factories.deposit(account, "1500.00")
    factories.deposit(account, "250.50")
    factories.statement(bank_account=factories.bank_account(), rows=[
        {"bank_reference": "BG-1", "value_date": "2026-10-01", "direction": "C", "amount": "88.00",
         "remark": "unknown", "counterparty_name": "某人"}])  # 50 days old: shows in the ageing
    return account


def test_a_small_ledger_is_reconciled_at_once(client, finance, books, settings):
    settings.LEDGER_RECONCILE_BACKGROUND_LINES = 10**9
    client.force_login(finance)
    response = client.post(reverse("ledger:reconciliation"))
    assert response.status_code == 302
    assert ReconciliationRun.objects.count() == 1 and not BatchRun.objects.exists()


def test_a_large_ledger_runs_in_the_background_with_the_same_report(client, finance, books, settings):
    settings.LEDGER_RECONCILE_BACKGROUND_LINES = 0
    expected = run_checks()
    client.force_login(finance)
    response = client.post(reverse("ledger:reconciliation"), follow=True)
    run = BatchRun.objects.get(job=reconciliation_runs.JOB)
    assert run.status == "done" and run.processed == run.total == STEPS == 8
    assert run.started_by == finance and run.chunks.filter(status="done").count() == STEPS
    stored = ReconciliationRun.objects.get()
    assert run.result["reconciliation_run"] == stored.pk and run.result["ok"] is True
    assert not any(key.startswith("step:") for key in run.result)  # the steps' outputs went into the report
    assert stored.report == expected and stored.ok is True
    assert stored.report["ageing"]["totals"]["receipt"]["31-90"] == "88.00"
    assert AuditEvent.objects.filter(action="ledger.reconcile", object_id=str(stored.pk)).count() == 1
    html = response.content.decode()
    assert f'data-run="{run.pk}"' in html and "100%" in html and f"{STEPS} / {STEPS}" in html


def test_the_progress_shows_while_the_run_goes_and_it_resumes(client, finance, auditor, books):
    run = reconciliation_runs.plan(actor=finance)
    client.force_login(auditor)
    page = client.get(reverse("ledger:reconciliation")).content.decode()
    assert f'data-run="{run.pk}"' in page and f"0 / {STEPS}" in page
    assert f'hx-get="{reverse("ledger:reconciliation_progress")}"' in page  # polled while it runs
    # three steps done, then the worker stops: the progress says so, and a second start runs only the rest
    for chunk_id in list(run.chunks.order_by("lo").values_list("pk", flat=True))[:3]:
        from core import batch

        batch.run_chunk(chunk_id, lambda lo, hi: reconciliation_runs._step(run, lo))
    partial = client.get(reverse("ledger:reconciliation_progress")).content.decode()
    assert f"3 / {STEPS}" in partial and "37%" in partial
    home = client.get(reverse("core:home")).content.decode()
    assert f'data-run="{run.pk}"' in home and "37%" in home
    reconciliation_runs.execute(run.pk)
    run.refresh_from_db()
    assert run.status == "done" and run.processed == STEPS
    assert ReconciliationRun.objects.get().report == run_checks()
    partial = client.get(reverse("ledger:reconciliation_progress")).content.decode()
    assert "100%" in partial and "hx-get" not in partial


def test_only_finance_starts_it(client, auditor, books, settings):
    settings.LEDGER_RECONCILE_BACKGROUND_LINES = 0
    client.force_login(auditor)
    assert client.post(reverse("ledger:reconciliation")).status_code == 403
    assert not BatchRun.objects.exists() and not ReconciliationRun.objects.exists()


def test_the_stored_ageing_shows_each_amount_under_its_own_age(client, finance, books):
    """A stored report comes back from its JSON column with the buckets in another order; the pages put each
    amount under its own column all the same."""
    import re

    from ledger.reconciliation import reconcile

    reconcile(actor=finance)
    assert list(ReconciliationRun.objects.get().report["ageing"]["totals"]["receipt"]) != ["0-30", "31-90", "90+"]
    client.force_login(finance)
    for url in (reverse("ledger:reconciliation"), reverse("ledger:ageing") + "?month=2026-11"):
        html = client.get(url).content.decode()
        row = html.split('data-kind="receipt"')[1].split("</tr>")[0]
        cells = re.findall(r'data-bucket="([^"]+)">([^<]+)<', row)
        assert cells == [("0-30", "0.00"), ("31-90", "88.00"), ("90+", "0.00")], url
