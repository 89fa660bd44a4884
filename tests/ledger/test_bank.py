from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import translation
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core.actors import system_actor
from core.errors import InvalidInput, StateError
from ledger import chart
from ledger import services as ledger_services
from ledger.models import Account, BankInstruction, BankStatementLine, JournalEntry, ReconciliationRun
from ledger.reconciliation import run_checks
from tests import factories
from tests.conftest import make_user

CSV = (
    "bank_reference,value_date,direction,amount,counterparty_name,counterparty_account,remark\n"
    "B001,2026-11-02,C,1500.00,示范科技有限公司,6222000011112222,11月汇缴\n"
    "B002,2026-11-03,C,88.80,不明单位,6222000099998888,\n"
)


@pytest.fixture
def bank(db):
    return factories.bank_account()


def bal(code_or_acc):
    if isinstance(code_or_acc, str):
        return Account.objects.get(code=code_or_acc).balance
    return Account.objects.get(pk=code_or_acc.pk).balance


def test_csv_import_is_all_or_nothing_and_idempotent(bank):
    created = ledger_services.import_statement_file(actor=system_actor(), bank_account=bank, file=CSV.encode(),
                                                    closing_balance="1588.80")
    assert [(x.bank_reference, x.amount) for x in created] == [("B001", Decimal("1500.00")),
                                                               ("B002", Decimal("88.80"))]
    again = ledger_services.import_statement_file(actor=system_actor(), bank_account=bank, file=CSV.encode(),
                                                  closing_balance="1588.80")
    assert again == [] and BankStatementLine.objects.count() == 2
    bad = CSV.replace("88.80", "-1").replace("B001", "B101").replace("B002", "B102")
    with translation.override("zh-hans"), pytest.raises(InvalidInput) as info:
        ledger_services.import_statement_file(actor=system_actor(), bank_account=bank, file=bad.encode(),
                                              closing_balance="1588.80")
    assert info.value.fields["rows"] == ["第 3 行，amount：应为大于零、最多两位小数的数字"]
    assert BankStatementLine.objects.count() == 2


def test_gb18030_file_and_missing_columns(bank):
    created = ledger_services.import_statement_file(actor=system_actor(), bank_account=bank, file=CSV.encode("gb18030"),
                                                    closing_balance="1588.80")
    assert created[0].counterparty_name == "示范科技有限公司"
    with pytest.raises(InvalidInput):
        ledger_services.import_statement_file(actor=system_actor(), bank_account=bank, file=b"a,b\n1,2\n",
                                              closing_balance="1588.80")


def test_unbooked_receipts_are_reconciling_items_then_suspense(bank):
    ledger_services.import_statement_file(actor=system_actor(), bank_account=bank, file=CSV.encode(),
                                          closing_balance="1588.80")
    report = run_checks()
    assert report["ok"], report  # receipts not yet booked are listed as reconciling items
    bank_check = next(c for c in report["checks"] if c["name"] == "bank")
    assert bank_check["accounts"][0]["receipts_not_booked"] == "1588.80"
    for line in BankStatementLine.objects.all():
        ledger_services.book_to_suspense(actor=system_actor(), line=line)
    assert bal(chart.GENERAL_SUSPENSE) == Decimal("1588.80")
    assert bal(bank.ledger_account) == Decimal("1588.80")
    with pytest.raises(StateError):
        ledger_services.book_to_suspense(actor=system_actor(), line=BankStatementLine.objects.first())
    assert run_checks()["ok"]


def test_payment_settled_and_failed(clerk, bank):
    acc = factories.account(clerk)
    factories.deposit(acc, "1000.00", bank=bank)
    ok = ledger_services.create_payment(actor=system_actor(),
                                        from_account=acc.ledger_account, amount="300.00", bank_account=bank,
                                        payee_name="张三", payee_account="6222000000000001", purpose="提取")
    bad = ledger_services.create_payment(actor=system_actor(),
                                         from_account=acc.ledger_account, amount="200.00", bank_account=bank,
                                         payee_name="张三", payee_account="6222000000009999", purpose="提取")
    assert bal(acc.ledger_account) == Decimal("500.00")
    report = run_checks()
    assert report["ok"], report  # pending payments are items in transit
    assert ledger_services.simulate_bank(actor=system_actor(), fail_accounts={"6222000000009999"}) == (1, 1)
    assert BankInstruction.objects.get(pk=ok.pk).status == "settled"
    failed = BankInstruction.objects.get(pk=bad.pk)
    assert failed.status == "failed" and failed.entry.reversed_by is not None
    assert bal(acc.ledger_account) == Decimal("700.00")
    assert bal(bank.ledger_account) == Decimal("700.00")
    assert run_checks()["ok"]


def test_reconcile_command_exit_codes(clerk, bank, capsys):
    acc = factories.account(clerk)
    factories.deposit(acc, "1000.00", bank=bank)
    call_command("reconcile")  # no SystemExit: all agree
    assert "ALL AGREE" in capsys.readouterr().out
    Account.objects.filter(pk=acc.ledger_account_id).update(balance=Decimal("1000.01"))
    with pytest.raises(SystemExit) as info:
        call_command("reconcile")
    assert info.value.code == 1
    out = capsys.readouterr().out
    assert acc.ledger_account.code in out and "DIFFERENCES FOUND" in out
    assert ReconciliationRun.objects.filter(ok=False).count() == 1
    Account.objects.filter(pk=acc.ledger_account_id).update(balance=Decimal("1000.00"))


def test_reconcile_task_records_run(clerk, bank):
    from ledger.tasks import reconcile_task

    assert reconcile_task.delay().get() == {"ok": True}
    assert ReconciliationRun.objects.get().ok


def test_bank_api_posts_statement_lines(bank):
    user = make_user("bankbot", "api_bank")
    token = Token.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    body = {"bank_account": bank.number, "closing_balance": "66.60", "lines": [
        {"bank_reference": "API1", "value_date": "2026-11-05", "direction": "C", "amount": "66.60",
         "counterparty_name": "某公司"}]}
    resp = client.post("/api/v1/bank/statement-lines/", body, format="json")
    assert resp.status_code == 201 and resp.json() == {"imported": 1, "skipped": 0}
    resp = client.post("/api/v1/bank/statement-lines/", body, format="json")
    assert resp.json() == {"imported": 0, "skipped": 1}
    bad = {"bank_account": bank.number, "closing_balance": "67.60",
           "lines": [{"bank_reference": "API2", "value_date": "2026-13-01", "direction": "X", "amount": "1"}]}
    resp = client.post("/api/v1/bank/statement-lines/", bad, format="json")
    assert resp.status_code == 400
    data = resp.json()
    assert data["code"] == "invalid" and set(data) == {"code", "message", "fields"}
    # each bad field of a line is named by its path, with plain messages
    assert set(data["fields"]) == {"lines.0.value_date", "lines.0.direction"}
    assert all(isinstance(m, str) and "ErrorDetail" not in m for ms in data["fields"].values() for m in ms)
    resp = client.post("/api/v1/bank/statement-lines/", {**body, "bank_account": "nope"}, format="json")
    assert resp.status_code == 404 and resp.json()["code"] == "not_found"
    assert BankStatementLine.objects.count() == 1


def test_bank_api_refuses_other_roles_and_anonymous(bank, clerk):
    client = APIClient()
    assert client.post("/api/v1/bank/statement-lines/", {}, format="json").status_code == 401
    client.force_authenticate(clerk)
    resp = client.post("/api/v1/bank/statement-lines/", {}, format="json")
    assert resp.status_code == 403 and resp.json()["code"] == "permission_denied"
    assert JournalEntry.objects.count() == 0


def test_reconciliation_page_lists_every_run_and_exports(clerk, bank, client):
    import csv
    import io

    auditor = make_user("auditor_runs", "auditor")
    acc = factories.account(clerk)
    factories.deposit(acc, "1000.00", bank=bank)
    call_command("reconcile")
    Account.objects.filter(pk=acc.ledger_account_id).update(balance=Decimal("1000.01"))
    with pytest.raises(SystemExit):
        call_command("reconcile")
    Account.objects.filter(pk=acc.ledger_account_id).update(balance=Decimal("1000.00"))
    client.force_login(auditor)
    page = client.get("/counter/ledger/reconciliation/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    runs = page.split('id="runs"')[1]
    assert runs.count("全部相符") == 1 and runs.count("存在差异") == 1
    only_bad = client.get("/counter/ledger/reconciliation/", {"ok": "false"}).content.decode().split('id="runs"')[1]
    assert only_bad.count("<tr") == 2  # header and the one run with differences
    export = client.get("/counter/ledger/reconciliation/", {"sort": "id", "export": "csv"},
                        HTTP_ACCEPT_LANGUAGE="zh-hans")
    rows = list(csv.reader(io.StringIO(export.getvalue().decode("utf-8-sig"))))
    assert [r[3] for r in rows[1:]] == ["全部相符", "存在差异"]
    assert rows[1][4] == "—" and rows[2][4] != "—"
