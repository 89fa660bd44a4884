"""A large bank statement file is parsed and imported as a background batch run with a progress bar on the bank
page (``settings.LEDGER_STATEMENT_BACKGROUND_ROWS``); the statement and its lines end exactly as the synchronous
import leaves them, a refused file writes nothing and keeps its row errors, and only finance imports or watches."""

import io
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse

from core.errors import Forbidden, StateError
from core.models import BatchRun
from ledger import services as ledger_services
from ledger.models import BankStatement, BankStatementLine
from ledger.services import statement_imports, statements
from tests import factories

HEADER = "bank_reference,value_date,direction,amount,counterparty_name,counterparty_account,remark"


class Rollback(Exception):
    pass


@pytest.fixture
def bank(db):
    return factories.bank_account()


def _csv(rows):
    return ("\n".join([HEADER, *(",".join(r) for r in rows)]) + "\n").encode()


def _good():
    return _csv([[f"R{n:03d}", f"2026-11-{n:02d}", "C" if n % 2 else "D", f"{1000 * n + 0.25:.2f}", f"某单位{n}",
                  f"62220000{n:04d}", f"HJ{n} 汇缴"] for n in range(1, 7)])


def _client(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def _post(client, bank, data, closing="9001.50"):
    upload = io.BytesIO(data)
    upload.name = "工行明细.csv"
    return client.post(reverse("deposits:bank_import"), {"bank_account": bank.pk, "closing_balance": closing,
                                                         "file": upload}, follow=True)


def _state():
    lines = sorted(BankStatementLine.objects.values_list(
        "bank_account_id", "bank_reference", "value_date", "direction", "amount", "counterparty_name",
        "counterparty_account", "remark", "match_status", "statement__imported_by_id"))
    stored = list(BankStatement.objects.order_by("pk").values_list(
        "bank_account_id", "closing_balance", "channel", "status", "file_sha256", "line_count", "imported_by_id"))
    return lines, stored


def test_a_large_file_imports_in_the_background_like_a_small_one(bank, finance, settings, monkeypatch):
    factories.statement(bank_account=bank, rows=[{"bank_reference": "R002", "value_date": "2026-11-02",
                                                  "direction": "D", "amount": "2000.25", "remark": "earlier"}])
    with pytest.raises(Rollback), transaction.atomic():  # what the synchronous import leaves
        ledger_services.import_statement_file(actor=finance, bank_account=bank, file=_good(),
                                              closing_balance="9001.50")
        expected = _state()
        raise Rollback
    assert len(expected[0]) == 6 and expected[1][-1][5] == 5  # R002 was known: skipped
    settings.LEDGER_STATEMENT_BACKGROUND_ROWS = 6
    monkeypatch.setattr(statements, "PROGRESS_EVERY", 2)
    seen, parse = [], statements.parse_statement

    def watched(rows, *, progress=None):  # the run's processed count as each progress report leaves it
        def report(n):
            progress(n)
            seen.append(BatchRun.objects.values_list("processed", flat=True).get(job=statement_imports.JOB))
        return parse(rows, progress=report)

    monkeypatch.setattr(statements, "parse_statement", watched)
    page = _post(_client(finance), bank, _good()).content.decode()
    run = BatchRun.objects.get(job=statement_imports.JOB)
    assert run.status == "done" and run.processed == run.total == 6
    assert (run.result["imported"], run.result["skipped"]) == (5, 1)
    assert _state() == expected
    assert run.result["statement"] == BankStatement.objects.latest("pk").pk
    assert seen == [2, 4, 5]  # every 2 rows parsed; writing the lines completes it
    assert f'data-run="{run.pk}"' in page and "100%" in page and "6 / 6" in page
    assert "已导入 5 条流水，1 条此前已导入而跳过。" in page
    assert "文件较大：将在后台校验并导入，进度见下方。" in page
    assert not default_storage.exists(run.params["path"])


def test_a_small_file_imports_at_once(bank, finance, settings):
    settings.LEDGER_STATEMENT_BACKGROUND_ROWS = 7
    page = _post(_client(finance), bank, _good()).content.decode()
    assert not BatchRun.objects.exists()
    assert BankStatementLine.objects.count() == 6 and BankStatement.objects.get().line_count == 6
    assert sum(BankStatementLine.objects.filter(direction="C").values_list("amount", flat=True)) == Decimal("9000.75")
    assert "data-run=" not in page


def test_a_refused_large_file_writes_nothing_and_shows_its_errors(bank, finance, settings):
    settings.LEDGER_STATEMENT_BACKGROUND_ROWS = 5
    rows = [[f"R{n:03d}", f"2026-11-{n:02d}", "C", "100.00", "", "", ""] for n in range(1, 7)]
    rows[2][3] = "abc"
    rows[4][1] = "someday"
    page = _post(_client(finance), bank, _csv(rows)).content.decode()
    run = BatchRun.objects.get(job=statement_imports.JOB)
    assert run.status == "failed" and len(run.result["errors"]) == 2
    assert run.result["errors"][0].startswith("第 4 行") and run.result["errors"][1].startswith("第 6 行")
    assert not BankStatementLine.objects.exists() and not BankStatement.objects.exists()
    assert "data-import-errors" in page and run.result["errors"][0] in page and run.result["errors"][1] in page


def test_progress_shows_while_the_file_imports_and_a_second_large_file_waits(bank, finance):
    run = statement_imports.plan(actor=finance, bank_account=bank, filename="工行明细.csv", data=_good(), rows=6,
                                 closing=Decimal("9001.50"), sha256="x" * 64)
    client = _client(finance)
    page = client.get(reverse("deposits:bank")).content.decode()
    progress_url = reverse("deposits:bank_import_progress")
    assert f'data-run="{run.pk}"' in page and "0 / 6" in page and f'hx-get="{progress_url}"' in page
    with pytest.raises(StateError) as refused, override_settings(LEDGER_STATEMENT_BACKGROUND_ROWS=1):
        statement_imports.start(actor=finance, bank_account=bank, file=_good(), closing_balance="9001.50")
    assert refused.value.code == "import_running" and not BankStatementLine.objects.exists()
    statement_imports.execute(run.pk)
    partial = client.get(progress_url).content.decode()
    assert "6 / 6" in partial and "100%" in partial and "hx-get" not in partial
    assert BankStatementLine.objects.count() == 6


def test_only_finance_imports_or_watches(bank, finance, clerk, auditor, settings):
    settings.LEDGER_STATEMENT_BACKGROUND_ROWS = 1
    statement_imports.plan(actor=finance, bank_account=bank, filename="工行明细.csv", data=_good(), rows=6,
                           closing=Decimal("9001.50"), sha256="x" * 64)
    with pytest.raises(Forbidden):
        statement_imports.start(actor=clerk, bank_account=bank, file=_good(), closing_balance="9001.50")
    for user in (clerk, auditor):
        client = _client(user)
        assert client.get(reverse("deposits:bank_import_progress")).status_code == 403
        assert _post(client, bank, _good()).status_code == 403
        assert "data-run=" not in client.get(reverse("deposits:bank")).content.decode()
    assert BatchRun.objects.count() == 1 and not BankStatementLine.objects.exists()
