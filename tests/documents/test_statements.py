"""Annual statements (DOMAIN.md §7.4): the identity opening + movements = closing to the fen for every account
of demo data, checked against an independent sum of each account's journal lines; the categories; a run that
crashes resumes without duplicates; a year not settled is refused; a broken ledger balance blocks the run."""

import datetime
import io
from collections import defaultdict
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from accounts import services as account_services
from accounts.models import Depositor, FundAccount
from core.actors import system_actor
from core.errors import StateError
from core.models import BatchChunk, BatchRun, BusinessDay
from deposits.services import interest
from documents import tasks
from documents.models import AnnualStatement
from documents.services import statements
from documents.statements import statement_context
from ledger.models import BankStatementLine, JournalLine
from ledger.posting import credit, debit, post
from tests import factories

D = Decimal
day = datetime.date
START, END = day(2025, 7, 1), day(2026, 6, 30)


def on(date):
    BusinessDay.objects.update_or_create(pk=1, defaults={"current": date})


def pay_out(account, amount, business_type, source=""):
    bank = factories.bank_account()
    entry = post(
        actor=system_actor(),
        lines=[debit(account.ledger_account, D(amount)), credit(bank.ledger_account, D(amount))],
        memo="test payout",
        business_type=business_type,
        source=source,
    )
    BankStatementLine.objects.create(
        bank_account=bank,
        bank_reference=f"W{entry.pk:010d}",
        value_date=entry.business_date,
        direction="D",
        amount=D(amount),
        match_status="booked",
        entry=entry,
    )
    return entry


def independent(account_ids):
    """{fund account id: (opening, movements in the year, closing)} summed line by line in Python."""
    ledger_of = dict(FundAccount.objects.filter(pk__in=account_ids).values_list("ledger_account_id", "pk"))
    out = defaultdict(lambda: [D("0.00")] * 3)
    for lid, side, amount, date in JournalLine.objects.filter(account_id__in=ledger_of).values_list(
        "account_id", "side", "amount", "business_date"
    ):
        signed = amount if side == "C" else -amount
        row = out[ledger_of[lid]]
        if date < START:
            row[0] += signed
        elif date <= END:
            row[1] += signed
        if date <= END:
            row[2] += signed
    return {pk: tuple(v) for pk, v in out.items()}


@pytest.fixture
def demo(db):
    """seed_demo data (a closed employer, a closing withdrawal) with 15 months, then a merge, a court-style
    deduction, a partial withdrawal, a back payment, a deposit after the year; the 2026 interest settled."""
    on(day(2026, 7, 1))
    call_command("seed_demo", stdout=io.StringIO(), employers=5, depositors=60, months=15, seed=7, no_cases=True)
    open_ = list(
        FundAccount.objects.exclude(status__in=FundAccount.CLOSED_STATUSES)
        .order_by("pk")
        .select_related("ledger_account", "depositor")
    )
    on(day(2026, 3, 10))
    factories.deposit(open_[0], "1500.00")  # the money the payouts below take out of the test bank account
    factories.deposit(open_[1], "300.00")
    pay_out(open_[0], "1000.00", "11")
    pay_out(open_[1], "200.50", "11", source="judicial:999")
    factories.deposit(open_[4], "100.00")
    pay_out(open_[4], "88.00", "L05", source="loan-cob")  # a deduction for an overdue loan (reason 25)
    pay_out(open_[4], "12.00", "L05", source="loan:1")  # a loan repayment from the fund (reason 06)
    entry = post(
        actor=system_actor(),
        lines=[
            debit(factories.bank_account().ledger_account, D("321.09")),
            credit(open_[2].ledger_account, D("321.09")),
        ],
        memo="back payment",
        business_type="02",
    )
    factories.bank_received(factories.bank_account(), entry)
    on(day(2026, 7, 1))
    result = interest.settle_interest(year=2026, actor=system_actor(), chunk_size=25)
    assert result.run.status == BatchRun.Status.DONE
    on(day(2026, 7, 2))
    factories.deposit(open_[3], "77.00")  # after the year: not in the statement, taken off the closing balance
    return open_


def test_identity_holds_to_the_fen_for_every_account(demo):
    run = statements.build_statements(year=2026, actor=system_actor(), chunk_size=7)
    assert run.status == BatchRun.Status.DONE and run.failed_items == 0
    expected_ids = set(statements.accounts_of_year(2026).values_list("pk", flat=True))
    rows = {s.account_id: s for s in AnnualStatement.objects.filter(year=2026)}
    assert set(rows) == expected_ids and len(rows) >= 60
    assert run.result["statements"] == len(rows) and run.result["identity_failures"] == 0
    sums = independent(list(rows))
    for pk, s in rows.items():
        opening, movements, closing = sums.get(pk, (D("0.00"),) * 3)
        assert s.identity_ok and s.difference == 0
        assert (s.opening, s.movements, s.closing) == (opening, movements, closing), pk
    a, b, c, d = (rows[x.pk] for x in demo[:4])
    assert a.withdrawals.get("99") == "1000.00" and a.withdrawn >= D("1000.00")
    assert b.withdrawals.get("JD") == "200.50"
    e = rows[demo[4].pk]
    assert (e.withdrawals.get("25"), e.withdrawals.get("06")) == ("88.00", "12.00")
    assert c.back == D("321.09")
    assert d.closing == sums[d.account_id][2]
    assert d.closing == FundAccount.objects.get(pk=d.account_id).ledger_account.balance - D("77.00")
    assert all(s.interest > 0 for s in rows.values() if s.closing > 0 and s.opening > 0)
    assert sum(s.interest for s in rows.values()) == interest.settle_interest(
        year=2026, actor=system_actor()
    ).total + sum(
        JournalLine.objects.filter(
            entry__business_type="98", business_date__gte=START, business_date__lte=END
        ).values_list("amount", flat=True),
        D("0"),
    )
    assert max(s.regular_months for s in rows.values()) == 12


def test_context_for_the_pdf_and_the_page(demo):
    result = tasks.build_statements(year=2026, chunk_size=20)  # the coordinator task (eager in the tests)
    assert result["chunks"] >= 3 and not result["already_done"]
    assert BatchRun.objects.get(key=statements.run_key(2026)).status == BatchRun.Status.DONE
    assert tasks.build_statements(year=2026)["already_done"]
    account = demo[0]
    ctx = statement_context(account, 2026)
    s = ctx["statement"]
    assert ctx["start"] == START and ctx["end"] == END and ctx["account"].pk == account.pk
    assert ctx["closing"] == s.closing and ctx["identity_ok"]
    assert ctx["opening"] + sum(line["signed"] for line in ctx["lines"]) == ctx["closing"]
    reasons = {w["code"]: w["amount"] for w in ctx["withdrawals"]}
    assert reasons["99"] == D("1000.00")


def test_second_run_writes_nothing_and_crash_resumes_without_duplicates(demo, monkeypatch):
    run, _ = statements.plan_statements(year=2026, actor=system_actor(), chunk_size=10)
    chunks = statements.batch.pending_chunks(run)
    assert len(chunks) >= 6
    statements.run_chunk(chunks[0])
    real = statements.compute_range
    calls = {"n": 0}

    def crash_on_third(**kw):
        calls["n"] += 1
        written = real(**kw)  # the statements are written, then the worker dies before the chunk commits
        if calls["n"] == 2:
            raise RuntimeError("worker killed")
        return written

    monkeypatch.setattr(statements, "compute_range", crash_on_third)
    statements.run_chunk(chunks[1])
    with pytest.raises(RuntimeError):
        statements.run_chunk(chunks[2])
    monkeypatch.setattr(statements, "compute_range", real)
    run.refresh_from_db()
    assert run.status == BatchRun.Status.FAILED
    failed = BatchChunk.objects.get(pk=chunks[2])
    assert failed.status == BatchChunk.Status.FAILED and "worker killed" in failed.error
    lo, hi = failed.lo, failed.hi
    assert not AnnualStatement.objects.filter(year=2026, account_id__gte=lo, account_id__lte=hi).exists()
    done_before = AnnualStatement.objects.filter(year=2026).count()
    assert done_before == run.processed

    out = io.StringIO()
    call_command("build_statements", year=2026, stdout=out)
    assert any(text in out.getvalue() for text in ("every identity holds", "全部平衡校验通过"))
    run.refresh_from_db()
    assert run.status == BatchRun.Status.DONE
    total = statements.accounts_of_year(2026).count()
    assert AnnualStatement.objects.filter(year=2026).count() == total == run.processed == run.total
    with connection.cursor() as cur:
        cur.execute(
            "SELECT COUNT(*) FROM (SELECT account_id FROM documents_annualstatement WHERE year = 2026 "
            "GROUP BY account_id HAVING COUNT(*) > 1) d"
        )
        assert cur.fetchone()[0] == 0
    first_ids = sorted(AnnualStatement.objects.values_list("pk", flat=True))
    again = statements.build_statements(year=2026, actor=system_actor())
    assert again.pk == run.pk and sorted(AnnualStatement.objects.values_list("pk", flat=True)) == first_ids


def test_year_not_settled_is_refused(db):
    on(day(2026, 7, 1))
    account = factories.account(system_actor())
    with pytest.raises(StateError) as exc:
        statements.build_statements(year=2026, actor=system_actor())
    assert exc.value.code == "year_not_settled"
    with pytest.raises(CommandError):
        call_command("build_statements", year=2026, stdout=io.StringIO())
    assert "year_not_settled" not in str(tasks.build_statements(year=2026))  # the yearly beat job waits
    assert "skipped" in tasks.build_statements(year=2026)
    assert not BatchRun.objects.filter(job=statements.JOB).exists()
    assert not AnnualStatement.objects.filter(account=account).exists()


def test_a_broken_ledger_balance_blocks_the_run_until_repaired(demo):
    victim = demo[5]
    with connection.cursor() as cur:  # a cached balance that no longer agrees with the journal lines
        cur.execute("UPDATE ledger_account SET balance = balance + 0.01 WHERE id = %s", [victim.ledger_account_id])
    with pytest.raises(CommandError) as exc:
        call_command("build_statements", year=2026, chunk_size=9, stdout=io.StringIO())
    assert "1" in str(exc.value)
    run = BatchRun.objects.get(key=statements.run_key(2026))
    assert run.status == BatchRun.Status.FAILED and run.failed_items == 1
    assert run.result["identity_failures"] == 1
    assert not run.chunks.exclude(status=BatchChunk.Status.DONE).exists()
    bad = AnnualStatement.objects.get(year=2026, identity_ok=False)
    assert bad.account_id == victim.pk and bad.difference == D("0.01")
    with connection.cursor() as cur:
        cur.execute("UPDATE ledger_account SET balance = balance - 0.01 WHERE id = %s", [victim.ledger_account_id])
    run = statements.build_statements(year=2026, actor=system_actor())
    assert run.status == BatchRun.Status.DONE and run.failed_items == 0
    assert AnnualStatement.objects.get(year=2026, account=victim).identity_ok


def test_transfer_by_merge_shows_out_and_in(clerk):
    on(day(2025, 6, 1))
    emp = factories.employer(clerk)
    person = factories.person(clerk, name="王五", id_number="11010519491231002X")
    main = account_services.open_account(actor=clerk, employer=emp, depositor=person, base="8000")
    legacy = Depositor.objects.create(
        name="王五", id_type="99", id_number="110105491231002", gender="F", birth_date=person.birth_date
    )
    dup = FundAccount.objects.create(
        number="101000099990",
        depositor=legacy,
        employer=emp,
        base="8000",
        employee_ratio="0.12",
        employer_ratio="0.12",
        opened_on=main.opened_on,
        status=FundAccount.Status.SEALED,
        ledger_account=account_services.open_ledger_account("101000099990", "王五", main.opened_on),
    )
    factories.deposit(dup, "500.00")
    on(day(2025, 9, 1))
    factories.deposit(main, "300.00")
    account_services.merge_accounts(actor=clerk, source=dup, target=main, reason="重复开户")
    on(day(2026, 7, 1))
    interest.settle_interest(year=2026, actor=system_actor())
    statements.build_statements(year=2026, actor=system_actor())
    out = AnnualStatement.objects.get(year=2026, account=dup)
    into = AnnualStatement.objects.get(year=2026, account=main)
    # The interest to the merge date (type 98) covers the earlier unsettled June too (dated in that year).
    assert out.opening > D("500.00") and out.closing == 0 and out.identity_ok
    assert out.transfer_out == out.opening + out.interest and out.interest > 0
    assert into.transfer_in == out.transfer_out and into.regular == D("300.00") and into.identity_ok
    assert into.closing == into.transfer_in + D("300.00") + into.interest
