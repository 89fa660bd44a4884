"""The employer agent's large list file, in Chromium: the upload is recorded as a background run, the list page
shows its progress bar, and the bar fills by itself (htmx polling) once the run has loaded the file."""

import os

import pytest

if not os.path.exists("/usr/bin/chromium"):
    pytest.skip("Chromium is not installed at /usr/bin/chromium (apt-get install -y chromium)",
                allow_module_level=True)
pytest.importorskip("playwright", reason="Playwright is not installed")

from playwright.sync_api import expect  # noqa: E402

from core.models import BatchRun  # noqa: E402
from deposits.models import RemittanceList  # noqa: E402
from deposits.services import list_uploads  # noqa: E402
from deposits.services.remittance_files import HEADERS  # noqa: E402
from tests.e2e.test_portals import portal_log_in, world  # noqa: E402, F401

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]


def test_a_large_list_file_shows_its_progress_until_loaded(page, live_server, world, settings, monkeypatch):  # noqa: F811
    clerk, employer, (zhang, li), agent, bank = world
    settings.DEPOSITS_UPLOAD_BACKGROUND_ROWS = 2
    monkeypatch.setattr(list_uploads, "_queue", lambda run: False)  # the worker picks it up later (below)
    portal_log_in(page, live_server, "/employer/login/", agent.username)
    page.locator("#id_month").fill("2026-11")
    page.get_by_role("button", name="生成清册").click()
    expect(page.locator("#total")).to_have_text("3,360.00")
    csv_text = "\n".join([",".join(HEADERS), f"{zhang.number},张三丰,10000.00,12,12",
                          f"{li.number},李四,5000.00,12,12"]) + "\n"
    page.locator("#id_file").set_input_files(files=[{"name": "list.csv", "mimeType": "text/csv",
                                                     "buffer": csv_text.encode("utf-8")}])
    page.locator("#upload").click()
    run = BatchRun.objects.get(job=list_uploads.JOB)
    progress = page.locator(f'[data-run="{run.pk}"]')
    expect(progress).to_contain_text("0 / 2")
    expect(page.locator("#total")).to_have_text("3,360.00")  # nothing loaded yet
    list_uploads.execute(run.pk)
    expect(progress).to_contain_text("2 / 2", timeout=10_000)  # htmx refreshes the bar by itself
    expect(progress.locator(".progress-bar")).to_have_text("100%")
    expect(progress).to_contain_text("3,600.00")
    assert RemittanceList.objects.get(employer=employer).total == 3600
    page.reload()
    expect(page.locator("#total")).to_have_text("3,600.00")
