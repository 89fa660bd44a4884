"""A large bank statement file, in Chromium: finance's import is recorded as a background run, the bank page shows
its progress bar, and the bar fills by itself (htmx polling) once the run has imported the lines."""

import os

import pytest

if not os.path.exists("/usr/bin/chromium"):
    pytest.skip("Chromium is not installed at /usr/bin/chromium (apt-get install -y chromium)",
                allow_module_level=True)
pytest.importorskip("playwright", reason="Playwright is not installed")

from playwright.sync_api import expect  # noqa: E402

from core import roles  # noqa: E402
from core.models import BatchRun  # noqa: E402
from ledger.models import BankStatementLine  # noqa: E402
from ledger.services import statement_imports  # noqa: E402
from tests.conftest import make_user  # noqa: E402
from tests.e2e.test_counter import PASSWORD, log_in  # noqa: E402
from tests.e2e.test_counter_deposits import world  # noqa: E402, F401

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]


def test_a_large_statement_shows_its_progress_until_imported(page, live_server, world, settings,  # noqa: F811
                                                             monkeypatch):
    clerk, employer, accounts, bank, remittance = world
    settings.LEDGER_STATEMENT_BACKGROUND_ROWS = 3
    monkeypatch.setattr(statement_imports, "_queue", lambda run: False)  # the worker picks it up later (below)
    make_user("finance_e2e", roles.FINANCE, password=PASSWORD)
    log_in(page, live_server, "finance_e2e")
    page.get_by_role("navigation").get_by_role("link", name="银行流水").click()
    statement = "bank_reference,value_date,direction,amount,counterparty_name,counterparty_account,remark\n" + "".join(
        f"BIG{n:04d},2026-11-1{n},C,{n}00.00,{employer.name},6222333344445555,汇缴\n" for n in range(1, 4))
    page.locator("#id_bank_account").select_option(str(bank.pk))
    page.locator("#id_closing_balance").fill("600.00")
    page.locator("#id_file").set_input_files(files=[{"name": "statement.csv", "mimeType": "text/csv",
                                                     "buffer": statement.encode("utf-8")}])
    page.locator("#import").click()
    run = BatchRun.objects.get(job=statement_imports.JOB)
    progress = page.locator(f'#import-runs [data-run="{run.pk}"]')
    expect(progress).to_contain_text("0 / 3")
    assert not BankStatementLine.objects.exists()
    statement_imports.execute(run.pk)
    expect(progress).to_contain_text("3 / 3", timeout=10_000)  # htmx refreshes the bar by itself
    expect(progress.locator(".progress-bar")).to_have_text("100%")
    expect(progress).to_contain_text("已导入 3 条流水")
    assert BankStatementLine.objects.count() == 3
