"""An employer agent's large remittance list file is checked and loaded as the counter's background upload (the
same batch run and progress bar, on the agent's list page); a small file loads at once, a refused large file
changes nothing and keeps its row errors, and another employer's agent can neither see nor start such a run."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse

from accounts import services as account_services
from core.actors import system_actor
from core.business_date import set_business_date
from core.errors import StateError
from core.models import BatchRun
from core.money import format_yuan
from deposits.models import RemittanceLine, RemittanceList
from deposits.services import list_uploads, remittance_files
from deposits.services import remittance as services
from tests import factories
from tests.conftest import make_user

NOV = datetime.date(2026, 11, 1)


class Rollback(Exception):
    pass


@pytest.fixture
def world(db, clerk):
    """A draft November list of an employer with six employees, its agent, and another employer's agent."""
    set_business_date(actor=system_actor(), date=datetime.date(2026, 11, 20))
    employer = factories.employer(clerk)
    accounts = [factories.account(clerk, employer, name=name, base="5000") for name in "甲乙丙丁戊己"]
    agent = make_user("agent1", "employer_agent")
    account_services.link_employer_agent(actor=clerk, user=agent, employer=employer)
    other = make_user("agent2", "employer_agent")
    account_services.link_employer_agent(actor=clerk, user=other, employer=factories.employer(clerk))
    return services.generate_list(actor=clerk, employer=employer, month=NOV), accounts, agent, other


def _client(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


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
    return client.post(reverse("portal:employer_upload", args=[remittance.reference]),
                       {"file": SimpleUploadedFile("名单.csv", data, content_type="text/csv")}, follow=True)


def test_a_large_file_loads_in_the_background_like_a_small_one(world, settings):
    remittance, accounts, agent, _other = world
    data = _good(accounts)
    with pytest.raises(Rollback), transaction.atomic():  # what the synchronous upload leaves
        services.upload_list(actor=agent, remittance=remittance, filename="名单.csv", data=data)
        expected_lines, expected_totals = _lines(remittance), _totals(remittance)
        raise Rollback
    assert expected_totals[3] == 6 and _lines(remittance) != expected_lines
    settings.DEPOSITS_UPLOAD_BACKGROUND_ROWS = 6
    page = _upload(_client(agent), remittance, data).content.decode()
    run = BatchRun.objects.get(job=list_uploads.JOB)
    assert run.status == "done" and run.processed == run.total == 6 and run.params["actor_id"] == agent.pk
    assert _lines(remittance) == expected_lines and _totals(remittance) == expected_totals
    assert "文件较大：将在后台校验并导入，进度见下方。" in page
    assert f'data-run="{run.pk}"' in page and "100%" in page and "6 / 6" in page
    assert f"{format_yuan(expected_totals[0])} 元" in page


def test_a_small_file_loads_at_once(world, settings):
    remittance, accounts, agent, _other = world
    settings.DEPOSITS_UPLOAD_BACKGROUND_ROWS = 7
    page = _upload(_client(agent), remittance, _good(accounts)).content.decode()
    assert not BatchRun.objects.exists() and _totals(remittance)[3] == 6
    assert "data-run=" not in page


def test_a_refused_large_file_changes_nothing_and_keeps_its_errors(world, settings):
    remittance, accounts, agent, _other = world
    settings.DEPOSITS_UPLOAD_BACKGROUND_ROWS = 5
    before = _lines(remittance), _totals(remittance)
    rows = [[a.number, a.depositor.name, "6000", 7, 12] for a in accounts]
    rows[3][2] = "abc"
    page = _upload(_client(agent), remittance, _csv(rows)).content.decode()
    run = BatchRun.objects.get(job=list_uploads.JOB)
    assert run.status == "failed" and run.result["errors"] == ["第 5 行，缴存基数：不是数字"]
    assert (_lines(remittance), _totals(remittance)) == before
    assert "data-upload-errors" in page and "第 5 行，缴存基数：不是数字" in page


def test_progress_shows_while_the_file_loads_and_a_second_large_file_is_refused(world, settings):
    remittance, accounts, agent, _other = world
    run = list_uploads.plan(actor=agent, remittance=remittance, filename="名单.csv", data=_good(accounts), rows=6)
    client = _client(agent)
    page = client.get(reverse("portal:employer_remittance", args=[remittance.reference])).content.decode()
    progress_url = reverse("portal:employer_upload_progress", args=[remittance.reference])
    assert f'data-run="{run.pk}"' in page and "0 / 6" in page and f'hx-get="{progress_url}"' in page
    before = _lines(remittance)
    settings.DEPOSITS_UPLOAD_BACKGROUND_ROWS = 1
    page = _upload(client, remittance, _good(accounts)).content.decode()
    assert BatchRun.objects.count() == 1 and _lines(remittance) == before  # a second large file waits
    assert "该清册还有文件正在导入，请等待其完成。" in page
    with pytest.raises(StateError) as refused, override_settings(DEPOSITS_UPLOAD_BACKGROUND_ROWS=1):
        list_uploads.start(actor=agent, remittance=remittance, filename="名单.csv", data=_good(accounts))
    assert refused.value.code == "upload_running"
    list_uploads.execute(run.pk)
    partial = client.get(progress_url).content.decode()
    assert "6 / 6" in partial and "100%" in partial and "hx-get" not in partial
    assert _lines(remittance) != before and _totals(remittance)[3] == 6


def test_another_employers_agent_can_neither_see_nor_start_a_run(world, settings):
    remittance, accounts, agent, other = world
    list_uploads.plan(actor=agent, remittance=remittance, filename="名单.csv", data=_good(accounts), rows=6)
    settings.DEPOSITS_UPLOAD_BACKGROUND_ROWS = 1
    client = _client(other)
    assert client.get(reverse("portal:employer_upload_progress", args=[remittance.reference])).status_code == 404
    response = client.post(reverse("portal:employer_upload", args=[remittance.reference]),
                           {"file": SimpleUploadedFile("名单.csv", _good(accounts), content_type="text/csv")})
    assert response.status_code == 404 and BatchRun.objects.count() == 1
