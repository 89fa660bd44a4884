"""A large remittance list uploaded at the counter is checked and loaded as a background batch run with a progress
bar (``settings.DEPOSITS_UPLOAD_BACKGROUND_ROWS``); the list ends exactly as the synchronous upload leaves it, and
a refused file changes nothing and keeps its row errors on the list's page."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import override_settings
from django.urls import reverse

from core.actors import system_actor
from core.business_date import set_business_date
from core.errors import StateError
from core.models import BatchRun
from core.money import format_yuan
from deposits.models import RemittanceLine, RemittanceList
from deposits.services import list_uploads, remittance_files
from deposits.services import remittance as services
from tests import factories

NOV = datetime.date(2026, 11, 1)


class Rollback(Exception):
    pass


@pytest.fixture
def draft(db, clerk):
    set_business_date(actor=system_actor(), date=datetime.date(2026, 11, 20))
    employer = factories.employer(clerk)
    accounts = [factories.account(clerk, employer, name=name, base="5000") for name in "甲乙丙丁戊己"]
    return services.generate_list(actor=clerk, employer=employer, month=NOV), accounts


def _csv(rows):
    lines = [",".join(remittance_files.HEADERS)] + [",".join(map(str, r)) for r in rows]
    return ("\n".join(lines) + "\n").encode()


def _good(accounts):
    return _csv([[a.number, a.depositor.name, f"{6000 + 1000 * i}.50", 7 + i % 3, 12] for i, a in enumerate(accounts)])


def _lines(remittance):
    return sorted(RemittanceLine.objects.filter(remittance=remittance).values_list(
        "account__number", "month", "base", "employee_ratio", "employer_ratio", "employee_amount", "employer_amount",
        "amount"))


def _totals(remittance):
    return RemittanceList.objects.values_list("total", "employee_total", "employer_total", "headcount").get(
        pk=remittance.pk)


def _upload(client, remittance, data):
    return client.post(reverse("deposits:remittance_upload", args=[remittance.reference]),
                       {"file": SimpleUploadedFile("名单.csv", data, content_type="text/csv")}, follow=True)


def test_a_large_file_loads_in_the_background_like_a_small_one(client, clerk, draft, settings, monkeypatch):
    remittance, accounts = draft
    data = _good(accounts)
    with pytest.raises(Rollback), transaction.atomic():  # what the synchronous upload leaves
        services.upload_list(actor=clerk, remittance=remittance, filename="名单.csv", data=data)
        expected_lines, expected_totals = _lines(remittance), _totals(remittance)
        raise Rollback
    assert expected_totals[3] == 6 and _lines(remittance) != expected_lines
    settings.DEPOSITS_UPLOAD_BACKGROUND_ROWS = 5
    monkeypatch.setattr(remittance_files, "PROGRESS_EVERY", 2)
    seen, validate = [], remittance_files.validate

    def watched(**kwargs):  # the run's processed count as each progress report leaves it
        report = kwargs["progress"]

        def progress(n):
            report(n)
            seen.append(BatchRun.objects.values_list("processed", flat=True).get(job=list_uploads.JOB))
        return validate(**{**kwargs, "progress": progress})

    monkeypatch.setattr(remittance_files, "validate", watched)
    client.force_login(clerk)
    page = _upload(client, remittance, data).content.decode()
    run = BatchRun.objects.get(job=list_uploads.JOB)
    assert run.status == "done" and run.processed == run.total == 6
    assert (run.result["headcount"], run.result["total"]) == (6, str(expected_totals[0]))
    assert _lines(remittance) == expected_lines and _totals(remittance) == expected_totals
    assert f'data-run="{run.pk}"' in page and "100%" in page and "6 / 6" in page
    assert f"{format_yuan(expected_totals[0])} 元" in page and "," in format_yuan(expected_totals[0])
    assert seen == [2, 4, 5]  # every 2 rows checked; the last step (the lines replaced) completes it
    from django.core.files.storage import default_storage

    assert not default_storage.exists(run.params["path"])  # the stored file is removed once loaded


def test_a_refused_large_file_changes_nothing_and_keeps_its_errors(client, clerk, draft, settings):
    remittance, accounts = draft
    settings.DEPOSITS_UPLOAD_BACKGROUND_ROWS = 5
    before = _lines(remittance)
    rows = [[a.number, a.depositor.name, "6000", 7, 12] for a in accounts]
    rows[3][2] = "abc"
    client.force_login(clerk)
    page = _upload(client, remittance, _csv(rows)).content.decode()
    run = BatchRun.objects.get(job=list_uploads.JOB)
    assert run.status == "failed" and run.result["errors"] == ["第 5 行，缴存基数：不是数字"]
    assert _lines(remittance) == before
    assert "data-upload-errors" in page and "第 5 行，缴存基数：不是数字" in page


def test_progress_shows_while_the_file_loads(client, clerk, draft):
    remittance, accounts = draft
    run = list_uploads.plan(actor=clerk, remittance=remittance, filename="名单.csv", data=_good(accounts), rows=6)
    client.force_login(clerk)
    page = client.get(reverse("deposits:remittance", args=[remittance.reference])).content.decode()
    progress_url = reverse("deposits:remittance_upload_progress", args=[remittance.reference])
    assert f'data-run="{run.pk}"' in page and "0 / 6" in page and f'hx-get="{progress_url}"' in page
    with pytest.raises(StateError) as refused, override_settings(DEPOSITS_UPLOAD_BACKGROUND_ROWS=1):
        list_uploads.start(actor=clerk, remittance=remittance, filename="名单.csv", data=_good(accounts))
    assert refused.value.code == "upload_running"  # a second large file waits for the first
    list_uploads.execute(run.pk)
    partial = client.get(progress_url).content.decode()
    assert "6 / 6" in partial and "100%" in partial and "hx-get" not in partial


def test_a_small_file_loads_at_once(client, clerk, draft, settings):
    remittance, accounts = draft
    settings.DEPOSITS_UPLOAD_BACKGROUND_ROWS = 7
    client.force_login(clerk)
    _upload(client, remittance, _good(accounts))
    assert not BatchRun.objects.exists() and _totals(remittance)[3] == 6
    assert Decimal(_totals(remittance)[0]) > 0
