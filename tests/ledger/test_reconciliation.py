"""The reconciliation misses nothing: every entry balances on its own, business records agree with their journal
lines, the bank side is the bank's own closing balance; each difference names the record, the account and the
amount. Tampering is done inside a transaction that is rolled back, so the books are whole again afterwards."""

import datetime
import hashlib
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import translation
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core import roles
from core.actors import system_actor
from core.business_date import set_business_date
from core.errors import Forbidden, InvalidInput, StateError
from core.models import AuditEvent
from deposits.services import remittance
from ledger import services as ledger_services
from ledger.models import Account, BankStatement, BankStatementLine, JournalEntry, ReconciliationRun
from ledger.reconciliation import reconcile, run_checks
from tests import factories
from tests.conftest import make_user

NOV = datetime.date(2026, 11, 1)
HEADER = "bank_reference,value_date,direction,amount,counterparty_name,counterparty_account,remark\n"


class Rollback(Exception):
    pass


def tampered(*statements):
    """Run raw SQL (journal-line triggers switched off where a statement asks), reconcile, roll everything back."""
    report = None
    with pytest.raises(Rollback), transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # run the checks pending from the test's set-up first
        cur.execute("SET CONSTRAINTS ALL DEFERRED")
        for sql, params in statements:
            cur.execute(sql, params)
        report = run_checks()
        raise Rollback
    return report


def check(report, name):
    return next(c for c in report["checks"] if c["name"] == name)


@pytest.fixture
def bank(db):
    return factories.bank_account()


@pytest.fixture
def posted_list(clerk, bank):
    """A monthly list of two employees (9,000 and 5,000 base) paid through the bank and posted."""
    set_business_date(actor=system_actor(), date=datetime.date(2026, 11, 20))
    emp = factories.employer(clerk)
    a = factories.account(clerk, emp, name="甲", base="9000")
    b = factories.account(clerk, emp, name="乙", base="5000")
    rem = remittance.generate_list(actor=clerk, employer=emp, month=NOV)
    remittance.confirm_list(actor=clerk, remittance=rem)
    (line,) = factories.statement(
        bank_account=bank,
        rows=[
            {
                "bank_reference": "P1",
                "value_date": "2026-11-15",
                "direction": "C",
                "amount": str(rem.total),
                "remark": rem.reference,
            }
        ],
    )
    rem = remittance.pay_from_statement(actor=clerk, remittance=rem, line=line)
    assert rem.status == "posted" and run_checks()["ok"]
    return rem, a, b, line


def test_a_journal_line_re_pointed_to_another_depositor_is_named(posted_list):
    """The cached balances are moved too, so the ledger sums and the detail ledger still agree: only the
    remittance list, compared with its entry account by account, shows it."""
    rem, a, b, _line = posted_list
    line = rem.entry.lines.get(account=a.ledger_account)
    other = factories.account(system_actor(), name="丙")
    report = tampered(
        ("ALTER TABLE ledger_journalline DISABLE TRIGGER ledger_lines_immutable", []),
        ("UPDATE ledger_journalline SET account_id = %s WHERE id = %s", [other.ledger_account_id, line.pk]),
        ("UPDATE ledger_account SET balance = balance - %s WHERE id = %s", [line.amount, a.ledger_account_id]),
        ("UPDATE ledger_account SET balance = balance + %s WHERE id = %s", [line.amount, other.ledger_account_id]),
    )
    for name in ("trial_balance", "entries", "account_balances", "fund_control"):
        assert check(report, name)["ok"], name
    records = check(report, "records")
    assert not records["ok"] and not report["ok"]
    assert records["differences"] == [
        {
            "kind": "remittance",
            "record": f"remittance {rem.reference}",
            "account": a.ledger_account.code,
            "record_amount": str(line.amount),
            "ledger_amount": "0.00",
            "difference": str(-line.amount),
        },
        {
            "kind": "remittance",
            "record": f"remittance {rem.reference}",
            "account": other.ledger_account.code,
            "record_amount": "0.00",
            "ledger_amount": str(line.amount),
            "difference": str(line.amount),
        },
    ]
    assert line.amount == Decimal("2160.00")  # 9,000 × (12% + 12%)
    assert run_checks()["ok"]  # rolled back


def test_an_unbalanced_entry_is_named_with_its_difference(posted_list):
    rem, a, _b, _line = posted_list
    report = tampered(
        ("ALTER TABLE ledger_journalline DISABLE TRIGGER ledger_entry_balanced", []),
        (
            "INSERT INTO ledger_journalline (entry_id, account_id, side, amount, business_date, memo) "
            "VALUES (%s, %s, 'C', 0.01, CURRENT_DATE, '')",
            [rem.entry_id, a.ledger_account_id],
        ),
        (
            "INSERT INTO ledger_journalline (entry_id, account_id, side, amount, business_date, memo) "
            "VALUES (%s, %s, 'D', 0.01, CURRENT_DATE, '')",
            [rem.entry_id + 1000, a.ledger_account_id],
        ),
    )
    entries = check(report, "entries")
    assert not entries["ok"] and entries["count"] == 2
    first, orphan = entries["differences"]
    assert (first["entry"], first["difference"], first["lines"], first["posted_lines"]) == (rem.entry_id, "-0.01", 4, 3)
    assert (orphan["entry"], orphan["difference"]) == (rem.entry_id + 1000, "0.01")  # lines of no entry


def test_an_altered_unmatched_statement_line_is_caught_by_the_banks_closing_balance(bank, clerk):
    """The line was counted on both sides (statement and receipts not booked) before; now the bank's side is its
    own closing balance, and the statement import that brought the line no longer adds up."""
    (line,) = factories.statement(
        bank_account=bank,
        rows=[{"bank_reference": "U1", "value_date": "2026-11-15", "direction": "C", "amount": "100.00"}],
    )
    statement = line.statement
    assert (statement.closing_balance, statement.channel, statement.status) == (Decimal("100.00"), "bank", "confirmed")
    assert run_checks()["ok"]
    report = tampered(("UPDATE ledger_bankstatementline SET amount = 1000.00 WHERE id = %s", [line.pk]))
    bank_check = check(report, "bank")
    assert not bank_check["ok"]
    assert bank_check["accounts"][0]["statement"] == "100.00"  # the bank's word, not the lines
    assert bank_check["accounts"][0]["receipts_not_booked"] == "1000.00"
    assert bank_check["differences"] == [
        {"record": f"bank account {bank.number}", "account": bank.ledger_account.code, "difference": "900.00"},
        {
            "record": f"statement #{statement.pk} of {bank.number}",
            "account": bank.ledger_account.code,
            "bank_change": "100.00",
            "lines": "1000.00",
            "difference": "900.00",
        },
    ]


def test_a_booked_statement_line_and_a_payment_order_agree_with_their_entries(posted_list, clerk, bank):
    rem, a, _b, line = posted_list
    payment = ledger_services.create_payment(
        actor=system_actor(),
        from_account=a.ledger_account,
        amount="100.00",
        bank_account=bank,
        payee_name="甲",
        payee_account="6222000000000001",
        purpose="提取",
    )
    report = tampered(
        ("UPDATE ledger_bankstatementline SET amount = amount + 5 WHERE id = %s", [line.pk]),
        ("UPDATE ledger_bankinstruction SET amount = 90.00 WHERE id = %s", [payment.pk]),
    )
    diffs = {d["kind"]: d for d in check(report, "records")["differences"]}
    assert diffs["statement_line"] == {
        "kind": "statement_line",
        "record": "statement line P1",
        "account": bank.ledger_account.code,
        "record_amount": str(rem.total + 5),
        "ledger_amount": str(rem.total),
        "difference": "-5.00",
    }
    assert diffs["bank_instruction"]["record"] == f"payment {payment.reference}"
    assert (diffs["bank_instruction"]["record_amount"], diffs["bank_instruction"]["ledger_amount"]) == (
        "90.00",
        "100.00",
    )


def test_an_interest_credit_re_pointed_to_another_account_is_named(clerk, bank):
    from deposits.services.interest import post_closing_interest

    set_business_date(actor=system_actor(), date=datetime.date(2026, 1, 5))
    a = factories.account(clerk, name="甲")
    factories.deposit(a, "100000.00", bank=bank)
    set_business_date(actor=system_actor(), date=datetime.date(2026, 6, 1))
    entry = post_closing_interest(account=a, closing_date=datetime.date(2026, 6, 1), actor=system_actor())
    line = entry.lines.get(account=a.ledger_account)
    assert line.amount > 0 and run_checks()["ok"]
    other = factories.account(system_actor(), name="丙")
    report = tampered(
        ("ALTER TABLE ledger_journalline DISABLE TRIGGER ledger_lines_immutable", []),
        ("UPDATE ledger_journalline SET account_id = %s WHERE id = %s", [other.ledger_account_id, line.pk]),
        ("UPDATE ledger_account SET balance = balance - %s WHERE id = %s", [line.amount, a.ledger_account_id]),
        ("UPDATE ledger_account SET balance = balance + %s WHERE id = %s", [line.amount, other.ledger_account_id]),
    )
    assert check(report, "interest")["ok"] and check(report, "account_balances")["ok"]
    assert check(report, "records")["differences"] == [
        {
            "kind": "interest_credit",
            "record": f"interest {entry.idempotency_key}",
            "account": other.ledger_account.code,
            "record_amount": "0.00",
            "ledger_amount": str(line.amount),
            "difference": str(line.amount),
        }
    ]


# --- B2: statement lines only from the bank channel, files confirmed by a second finance person ----------------


def test_a_clerk_cannot_import_a_statement(bank, clerk):
    with pytest.raises(Forbidden):
        ledger_services.import_statement(
            bank_account=bank,
            actor=clerk,
            closing_balance="10.00",
            rows=[{"bank_reference": "X1", "value_date": "2026-11-15", "direction": "C", "amount": "10.00"}],
        )
    assert not BankStatementLine.objects.exists() and not BankStatement.objects.exists()


def test_a_finance_file_waits_for_a_second_finance_person_and_its_importer_never_matches(bank, clerk, finance):
    set_business_date(actor=system_actor(), date=datetime.date(2026, 11, 20))
    emp = factories.employer(clerk)
    factories.account(clerk, emp, name="甲", base="9000")
    rem = remittance.generate_list(actor=clerk, employer=emp, month=NOV)
    remittance.confirm_list(actor=clerk, remittance=rem)
    data = (HEADER + f"F1,2026-11-15,C,{rem.total},{emp.name},,{rem.reference}\n").encode()
    (line,) = ledger_services.import_statement_file(
        bank_account=bank, file=data, closing_balance=str(rem.total), actor=finance
    )
    statement = line.statement
    assert (
        statement.imported_by,
        statement.channel,
        statement.status,
        statement.closing_balance,
        statement.file_sha256,
        statement.line_count,
    ) == (finance, "file", "pending", rem.total, hashlib.sha256(data).hexdigest(), 1)
    event = AuditEvent.objects.get(action="ledger.statement.import")
    assert event.actor == finance and event.after["sha256"] == statement.file_sha256

    with pytest.raises(StateError) as info:  # not confirmed yet: nobody may use the line
        remittance.pay_from_statement(actor=clerk, remittance=rem, line=line)
    assert info.value.code == "statement_not_confirmed"
    assert remittance.match_incoming(actor=clerk)["posted"] == 0  # skipped, not booked to suspense
    with pytest.raises(Forbidden):  # the importer cannot confirm their own file
        ledger_services.confirm_statement(statement=statement, actor=finance)
    with pytest.raises(Forbidden):  # nor can a clerk
        ledger_services.confirm_statement(statement=statement, actor=clerk)
    finance2 = make_user("finance2", roles.FINANCE)
    ledger_services.confirm_statement(statement=statement, actor=finance2)
    statement.refresh_from_db()
    assert (statement.status, statement.confirmed_by) == ("confirmed", finance2)
    with pytest.raises(Forbidden) as info:  # the importer never matches the lines they brought in
        remittance.pay_from_statement(actor=finance, remittance=rem, line=line)
    assert info.value.code == "same_person"
    assert remittance.match_incoming(actor=finance) == {
        "posted": 0,
        "employer_suspense": 0,
        "general_suspense": 0,
        "problems": [],
    }
    assert BankStatementLine.objects.get(pk=line.pk).match_status == "unmatched"
    assert JournalEntry.objects.count() == 0
    rem = remittance.pay_from_statement(actor=clerk, remittance=rem, line=line)
    assert rem.status == "posted" and Account.objects.get(pk=bank.ledger_account_id).balance == rem.total
    assert run_checks()["ok"]


def test_the_confirmation_page_lets_only_another_finance_person_confirm(bank, client, finance):
    (line,) = ledger_services.import_statement_file(
        bank_account=bank, closing_balance="5.00", actor=finance, file=(HEADER + "C1,2026-11-15,C,5.00,某,,\n").encode()
    )
    url = reverse("ledger:statement_confirm", args=[line.statement_id])
    client.force_login(finance)
    page = client.get(reverse("ledger:statements")).content.decode()
    assert f'id="statement-{line.statement_id}"' in page and url not in page  # no button for the importer
    client.post(url)
    assert BankStatement.objects.get().status == "pending"
    auditor = make_user("auditor2", roles.AUDITOR)
    client.force_login(auditor)
    assert client.post(url).status_code == 403
    finance2 = make_user("finance2", roles.FINANCE)
    client.force_login(finance2)
    assert url in client.get(reverse("ledger:statements")).content.decode()
    assert client.post(url).status_code == 302
    assert BankStatement.objects.get().confirmed_by == finance2


def test_a_flexible_deposit_cannot_use_a_line_of_an_unconfirmed_file(bank, clerk, finance):
    from deposits.services import flexible

    set_business_date(actor=system_actor(), date=datetime.date(2026, 9, 15))
    account = flexible.register_flexible(
        actor=clerk,
        base="9380.50",
        ratio=Decimal("0.11"),
        name="灵活",
        id_number=factories.make_id(),
        phone="13912345678",
    )
    data = (HEADER + "FX1,2026-09-15,C,1031.86,灵活,,\n").encode()
    (line,) = ledger_services.import_statement_file(
        bank_account=bank, file=data, closing_balance="1031.86", actor=finance
    )
    with pytest.raises(StateError) as info:
        flexible.flexible_deposit(actor=clerk, account=account, months=[datetime.date(2026, 9, 1)], statement_line=line)
    assert info.value.code == "statement_not_confirmed"
    assert JournalEntry.objects.count() == 0 and BankStatementLine.objects.get().match_status == "unmatched"
    ledger_services.confirm_statement(statement=line.statement, actor=make_user("finance2", roles.FINANCE))
    with pytest.raises(Forbidden) as info:  # finance may book deposits, but not from a file it imported
        flexible.flexible_deposit(
            actor=finance, account=account, months=[datetime.date(2026, 9, 1)], statement_line=line
        )
    assert info.value.code == "same_person"
    deposit = flexible.flexible_deposit(
        actor=clerk, account=account, months=[datetime.date(2026, 9, 1)], statement_line=line
    )
    assert deposit.amount == Decimal("1031.86") and run_checks()["ok"]


@pytest.mark.parametrize("value", ["", "abc", "1.234", "NaN", "1e20"])
def test_a_bad_closing_balance_is_refused_and_imports_nothing(bank, finance, value):
    with translation.override("zh-hans"), pytest.raises(InvalidInput) as info:
        ledger_services.import_statement(
            bank_account=bank,
            actor=finance,
            closing_balance=value,
            rows=[{"bank_reference": "B1", "value_date": "2026-11-15", "direction": "C", "amount": "1.00"}],
        )
    assert info.value.fields == {"closing_balance": ["请填写银行对账单上的期末余额（元），最多两位小数。"]}
    assert not BankStatement.objects.exists() and not BankStatementLine.objects.exists()


def test_the_bank_api_records_its_closing_balance_and_a_missing_one_is_a_400(bank):
    client = APIClient()
    user = make_user("bankbot", roles.BANK_CLIENT)
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    lines = [{"bank_reference": "A1", "value_date": "2026-11-05", "direction": "C", "amount": "66.60"}]
    resp = client.post("/api/v1/bank/statement-lines/", {"bank_account": bank.number, "lines": lines}, format="json")
    assert resp.status_code == 400 and "closing_balance" in resp.json()["fields"]
    assert not BankStatementLine.objects.exists()
    resp = client.post(
        "/api/v1/bank/statement-lines/",
        {"bank_account": bank.number, "closing_balance": "66.60", "lines": lines},
        format="json",
    )
    assert resp.status_code == 201
    statement = BankStatement.objects.get()
    assert (statement.imported_by, statement.channel, statement.status, statement.closing_balance) == (
        user,
        "bank",
        "confirmed",
        Decimal("66.60"),
    )
    assert len(statement.file_sha256) == 64
    assert run_checks()["ok"]


# --- B7: only finance starts a reconciliation ----------------------------------------------------------------


def test_an_auditor_reads_runs_but_cannot_start_one(client, finance, bank):
    auditor = make_user("auditor2", roles.AUDITOR)
    with pytest.raises(Forbidden):
        reconcile(actor=auditor)
    client.force_login(auditor)
    assert client.get(reverse("ledger:reconciliation")).status_code == 200
    assert client.post(reverse("ledger:reconciliation")).status_code == 403
    assert not ReconciliationRun.objects.exists()
    assert "Run now" not in client.get(reverse("ledger:reconciliation"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    client.force_login(finance)
    assert client.post(reverse("ledger:reconciliation")).status_code == 302
    run = ReconciliationRun.objects.get()
    assert run.ok and AuditEvent.objects.get(action="ledger.reconcile").actor == finance
