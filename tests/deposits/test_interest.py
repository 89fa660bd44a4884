"""Interest services: the breakdown of an account, the year-end settlement (batch, resumable, set-based)
and the interest posted before a closure. Method A is computed in SQL only: its amounts are checked against
the worked examples of DOMAIN.md §2.3/§2.4 and a day-by-day oracle written here."""

import datetime
import io
import random
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.management import call_command
from django.utils import translation

from accounts import services as account_services
from accounts.models import FundAccount
from core.actors import system_actor
from core.errors import StateError
from core.models import BatchRun, BusinessDay, PolicyValue
from deposits import tasks as deposit_tasks
from deposits.services import interest
from ledger import chart
from ledger.models import Account, BankStatementLine, JournalEntry, JournalLine
from ledger.posting import credit, debit, post
from ledger.reconciliation import run_checks
from tests import factories

D = Decimal
day = datetime.date
YEAR_END = day(2026, 6, 30)


def on(date):
    """Move the business date: postings (and their journal lines) take it as their business date."""
    BusinessDay.objects.update_or_create(pk=1, defaults={"current": date})


def withdraw(account, amount):
    bank = factories.bank_account()
    entry = post(actor=system_actor(),
                 lines=[debit(account.ledger_account, D(amount)), credit(bank.ledger_account, D(amount))],
                 memo="test withdrawal", business_type="12")
    BankStatementLine.objects.create(bank_account=bank, bank_reference=f"W{entry.pk:010d}",
                                     value_date=entry.business_date, direction="D", amount=D(amount),
                                     match_status="booked", entry=entry)
    return entry


def run_events(account, events):
    for date, amount in sorted(events, key=lambda e: e[0]):
        on(date)
        if D(amount) > 0:
            factories.deposit(account, amount)
        else:
            withdraw(account, -D(amount))


def domain_account(actor, emp, name="张三"):
    """DOMAIN.md §2.3: ¥50,000 carried over, ¥2,000 on the 10th of each month, ¥10,000 out on 2026-03-15."""
    on(day(2025, 6, 1))
    account = factories.account(actor, emp, name=name)
    events = [(day(2025, 6, 1), "50000"), (day(2026, 3, 15), "-10000")]
    events += [(day(2025 if m >= 7 else 2026, m, 10), "2000") for m in (7, 8, 9, 10, 11, 12, 1, 2, 3, 4, 5, 6)]
    run_events(account, events)
    return account


@pytest.fixture
def book(clerk):
    """The §2.3 account and four others: opened mid-year, sealed, empty, and closed (no interest)."""
    emp = factories.employer(clerk)
    main = domain_account(clerk, emp)
    on(day(2025, 9, 1))
    late = factories.account(clerk, emp, name="李四")
    run_events(late, [(day(2025, 9, 5), "3000"), (day(2026, 2, 5), "3000.55"), (day(2026, 6, 30), "100")])
    on(day(2024, 3, 1))
    sealed = factories.account(clerk, emp, name="王五")
    run_events(sealed, [(day(2024, 3, 1), "10000"), (day(2025, 7, 1), "1.11")])
    on(day(2025, 10, 1))
    sealed = account_services.seal_account(actor=clerk, account=sealed, reason="离职")
    empty = factories.account(clerk, emp, name="赵六")
    on(day(2025, 8, 1))
    closed = factories.account(clerk, emp, name="钱七")
    run_events(closed, [(day(2025, 8, 1), "5000"), (day(2025, 12, 1), "-5000")])
    on(day(2025, 12, 1))
    account_services.close_account(actor=clerk, account=closed, status=FundAccount.Status.CLOSED_WITHDRAWN,
                                   reason="离职提取")
    on(YEAR_END)
    return {"main": main, "late": late, "sealed": sealed, "empty": empty, "closed": closed}


def interest_lines(account, business_type="09"):
    return list(JournalLine.objects.filter(account_id=account.ledger_account_id, entry__business_type=business_type)
                .values_list("amount", flat=True))


def all_interest_posted():
    return sum(JournalLine.objects.filter(entry__business_type__in=["09", "98"], side="C")
               .values_list("amount", flat=True), D("0"))


def expense_balance():
    return Account.objects.get(code=chart.FUND_INTEREST_EXPENSE).balance


def test_breakdown_of_the_domain_account(clerk):
    account = domain_account(clerk, factories.employer(clerk))
    on(day(2026, 7, 15))
    result = interest.interest_breakdown(account, year=2026)
    assert (result.start, result.last_day) == (day(2025, 7, 1), YEAR_END)
    assert result.opening == D("50000") and result.closing == D("64000")
    assert result.product == D("21682000") and result.interest == D("903.42") and not result.settled
    periods = result.periods
    assert periods[0].start == day(2025, 7, 1) and periods[-1].end == YEAR_END
    assert sum(p.days for p in periods) == 365
    for a, b in zip(periods, periods[1:], strict=False):
        assert b.start == a.end + datetime.timedelta(days=1) and a.balance != b.balance
    assert (periods[0].end, periods[0].balance, periods[0].days, periods[0].product) == (
        day(2025, 7, 9), D("50000"), 9, D("450000"))
    withdrawal = next(p for p in periods if p.start == day(2026, 3, 15))
    assert withdrawal.balance == D("58000") and withdrawal.days == 26
    assert sum(p.interest for p in periods).quantize(D("0.01"), ROUND_HALF_UP) == D("903.42")
    closing = interest.interest_breakdown(account, until=day(2026, 1, 20))
    assert closing.product == D("11576000") and closing.interest == D("482.33")
    on(day(2026, 1, 20))  # while the year runs: interest accrued up to yesterday
    assert interest.interest_breakdown(account).interest == D("482.33")


def test_settlement_posts_the_reference_interest(book):
    expected = {name: interest.interest_breakdown(acc, year=2026).interest for name, acc in book.items()
                if name != "closed"}
    assert expected["main"] == D("903.42")
    assert expected["empty"] == 0 and expected["late"] > 0 and expected["sealed"] > 0
    before = {name: Account.objects.get(pk=acc.ledger_account_id).balance for name, acc in book.items()}

    result = interest.settle_interest(actor=system_actor(), year=2026, chunk_size=2)

    assert not result.already_settled and result.run.status == BatchRun.Status.DONE
    assert result.accounts == 3 and result.total == sum(expected.values())
    for name, acc in book.items():
        want = [expected[name]] if expected.get(name) else []
        assert interest_lines(acc) == want, name
        assert Account.objects.get(pk=acc.ledger_account_id).balance == before[name] + sum(want)
    assert Account.objects.get(pk=book["main"].ledger_account_id).balance == D("64903.42")
    entries = JournalEntry.objects.filter(business_type="09")
    assert {e.business_date for e in entries} == {YEAR_END}
    keys = {interest.chunk_key(2026, lo, hi) for lo, hi in result.run.chunks.values_list("lo", "hi")}
    assert len(entries) == len(keys) == 2 and set(entries.values_list("idempotency_key", flat=True)) == keys
    assert expense_balance() == result.total
    report = run_checks()
    assert report["ok"], report
    check = next(c for c in report["checks"] if c["name"] == "interest")
    assert D(check["left"]) == D(check["right"]) == result.total
    # after the settlement the breakdown still excludes the interest entry itself
    assert interest.interest_breakdown(book["main"], year=2026).interest == D("903.42")


def test_second_run_posts_nothing(book):
    first = interest.settle_interest(actor=system_actor(), year=2026, chunk_size=2)
    lines = JournalLine.objects.count()
    again = interest.settle_interest(actor=system_actor(), year=2026, chunk_size=2)
    assert again.already_settled and again.run.pk == first.run.pk and again.chunks_run == 0
    assert (again.accounts, again.total) == (first.accounts, first.total)
    assert JournalLine.objects.count() == lines


def test_a_failed_run_resumes_and_credits_each_account_once(book, monkeypatch):
    original = interest._settle_range
    calls = []

    def crash_on_second_chunk(run, lo, hi):
        calls.append((lo, hi))
        if len(calls) == 2:
            raise RuntimeError("worker killed")
        return original(run, lo, hi)

    monkeypatch.setattr(interest, "_settle_range", crash_on_second_chunk)
    with pytest.raises(RuntimeError):
        interest.settle_interest(actor=system_actor(), year=2026, chunk_size=1)
    run = BatchRun.objects.get(key="interest:2026")
    assert run.status == BatchRun.Status.FAILED and run.processed == 1
    failed = run.chunks.get(status="failed")
    assert "worker killed" in failed.error
    assert JournalEntry.objects.filter(business_type="09").count() == 1

    monkeypatch.setattr(interest, "_settle_range", original)
    result = interest.settle_interest(actor=system_actor(), year=2026, chunk_size=1)
    assert result.resumed and result.chunks_run == 3 and result.run.status == BatchRun.Status.DONE
    assert result.run.processed == 4 == result.run.total
    for name, acc in book.items():
        assert len(interest_lines(acc)) == (0 if name in ("empty", "closed") else 1), name
    assert interest_lines(book["main"]) == [D("903.42")]
    assert expense_balance() == result.total
    assert run_checks()["ok"]


def test_the_year_must_be_over(book):
    on(day(2026, 6, 29))
    with pytest.raises(StateError):
        interest.settle_interest(actor=system_actor(), year=2026)
    assert not BatchRun.objects.filter(key="interest:2026").exists()


@pytest.mark.parametrize(("method", "basis", "want"), [("A", 365, D("891.04")), ("B", 360, D("893.00"))])
def test_method_and_day_basis_come_from_the_policy(book, method, basis, want):
    PolicyValue.objects.filter(key="interest.method").update(value=method)
    PolicyValue.objects.filter(key="interest.day_basis").update(value=str(basis))
    result = interest.settle_interest(actor=system_actor(), year=2026, chunk_size=3)
    assert interest_lines(book["main"]) == [want]
    assert result.run.params["method"] == method and result.run.params["basis"] == basis
    for name, acc in book.items():
        if name not in ("empty", "closed"):
            assert interest_lines(acc) == [interest.interest_breakdown(acc, year=2026).interest]
    assert run_checks()["ok"]


def test_rate_change_mid_year(book):
    PolicyValue.objects.create(key="interest.rate", effective_from=day(2026, 1, 1), value="0.02")
    expected = {name: interest.interest_breakdown(acc, year=2026) for name, acc in book.items() if name != "closed"}
    assert {p.rate for p in expected["main"].periods} == {D("0.015"), D("0.02")}
    interest.settle_interest(actor=system_actor(), year=2026, chunk_size=10)
    for name, result in expected.items():
        assert interest_lines(book[name]) == ([result.interest] if result.interest else []), name
    assert run_checks()["ok"]


def test_closing_interest(book, clerk):
    main = book["main"]
    on(day(2025, 6, 30))
    interest.settle_interest(actor=system_actor(), year=2025)  # the 50,000 of 2025-06-01 earned 30 days: 62.50
    assert interest_lines(main) == [D("62.50")]
    on(day(2026, 1, 20))
    entry = interest.post_closing_interest(account=main, closing_date=day(2026, 1, 20), actor=clerk)
    # DOMAIN §2.4 on the 50,062.50 carried over: 11,576,000 + 62.50 × 203 days = 11,588,687.50 → 482.86
    assert entry.business_type == "98" and entry.total == D("482.86")
    assert entry.business_date == day(2026, 1, 20)
    assert Account.objects.get(pk=main.ledger_account_id).balance == D("64000") + D("62.50") + D("482.86")
    again = interest.post_closing_interest(account=main, closing_date=day(2026, 1, 20), actor=clerk)
    assert again.pk == entry.pk and interest_lines(main, "98") == [D("482.86")]
    assert interest.post_closing_interest(actor=system_actor(),
                                          account=book["empty"], closing_date=day(2026, 1, 20)) is None
    assert interest.post_closing_interest(actor=system_actor(),
                                          account=main, closing_date=day(2026, 7, 1)) is None  # nothing yet
    with pytest.raises(StateError):
        interest.post_closing_interest(actor=system_actor(), account=book["closed"], closing_date=day(2026, 1, 20))
    assert interest_lines(main) == [D("62.50")]  # 2025 was settled: nothing posted for it again
    assert expense_balance() == all_interest_posted()
    assert run_checks()["ok"]


def test_management_command(book):
    out = io.StringIO()
    with translation.override("en"):
        call_command("settle_interest", "--year", "2026", "--chunk-size", "2", stdout=out)
        assert "3 accounts credited" in out.getvalue()
        out = io.StringIO()
        call_command("settle_interest", "--year", "2026", stdout=out)
    assert "already settled" in out.getvalue()
    assert JournalEntry.objects.filter(business_type="09").count() == 2


def test_celery_tasks_run_the_chunks(book):
    result = deposit_tasks.settle_interest.delay(2026, chunk_size=2).get()
    assert result["chunks"] == 2 and not result["already_settled"]
    run = BatchRun.objects.get(key="interest:2026")
    assert run.status == BatchRun.Status.DONE and run.result["accounts"] == 3
    assert interest_lines(book["main"]) == [D("903.42")]
    assert deposit_tasks.settle_interest.delay(2026).get()["already_settled"]
    on(day(2026, 7, 2))
    assert deposit_tasks.settle_interest.delay().get()["already_settled"]  # default: the year just ended


# --- the SQL against the reference --------------------------------------------------------------------

def random_book(actor, n=40, seed=7):
    """``n`` accounts with random carried-over balances, deposits and withdrawals dated through the year."""
    rng = random.Random(seed)
    emp = factories.employer(actor)
    bank = factories.bank_account()
    on(day(2024, 1, 1))
    accounts = [factories.account(actor, emp, name=f"测试{i}") for i in range(n)]
    for acc in accounts:
        balance = D(0)
        events = []
        if rng.random() < 0.8:
            events.append((day(2024, 1, 1) + datetime.timedelta(days=rng.randrange(540)),
                           D(rng.randrange(0, 5_000_000)) / 100))
        for _ in range(rng.randrange(0, 15)):
            events.append((day(2025, 7, 1) + datetime.timedelta(days=rng.randrange(380)),
                           D(rng.randrange(-300_000, 500_000)) / 100))
        for date, amount in sorted(events, key=lambda e: e[0]):
            if amount < 0:
                amount = -min(-amount, balance)
            if amount == 0:
                continue
            balance += amount
            lines = ([debit(bank.ledger_account, amount), credit(acc.ledger_account, amount)] if amount > 0 else
                     [debit(acc.ledger_account, -amount), credit(bank.ledger_account, -amount)])
            post(actor=system_actor(),
                 lines=lines, memo="random", business_date=date, business_type="01" if amount > 0 else "12")
    return accounts


def oracle(account, start, end, rates, basis=360):
    """Method A by brute force, day by day, straight from the journal lines (a test oracle, not a second rule)."""
    lines = JournalLine.objects.filter(account_id=account.ledger_account_id).exclude(entry__business_type="09",
                                                                                      business_date=end - ONE_DAY)
    signed = [(d, a if side == "C" else -a) for d, side, a in lines.values_list("business_date", "side", "amount")]
    total = D(0)
    d = start
    while d < end:
        balance = sum((a for when, a in signed if when <= d), D(0))
        rate = max((r for r in rates if r[0] <= d), key=lambda r: r[0])[1]
        total += balance * D(rate)
        d += ONE_DAY
    return (total / basis).quantize(D("0.01"), ROUND_HALF_UP)


ONE_DAY = datetime.timedelta(days=1)


@pytest.mark.parametrize(("basis", "rate_change"), [(360, None), (365, None), (360, ("2026-01-01", "0.0175")),
                                                    (360, ("2025-07-01", "0.02"))])
def test_sql_matches_a_day_by_day_oracle(clerk, basis, rate_change):
    accounts = random_book(clerk, n=25)
    PolicyValue.objects.filter(key="interest.day_basis").update(value=str(basis))
    rates = [(day(2016, 2, 21), "0.015")]
    if rate_change:
        PolicyValue.objects.create(key="interest.rate", effective_from=rate_change[0], value=rate_change[1])
        rates.append((datetime.date.fromisoformat(rate_change[0]), rate_change[1]))
    on(YEAR_END)
    terms = interest.interest_terms(day(2025, 7, 1), day(2026, 7, 1))
    expected = {acc.ledger_account_id: oracle(acc, day(2025, 7, 1), day(2026, 7, 1), rates, basis)
                for acc in accounts}
    amounts = interest.interest_amounts(accounts[0].pk, accounts[-1].pk, terms)
    assert amounts == {acc: amount for acc, amount in expected.items() if amount > 0}
    assert len(amounts) > 12
    for acc in accounts[:8]:  # the page of one account is a one-row set of the same computation
        assert interest.interest_breakdown(acc, year=2026).interest == expected[acc.ledger_account_id]
    mid = day(2026, 2, 17)
    for acc in accounts[:8]:
        assert interest.interest_breakdown(acc, until=mid).interest == oracle(acc, day(2025, 7, 1), mid, rates, basis)
    result = interest.settle_interest(actor=system_actor(), year=2026, chunk_size=7)
    assert result.total == sum(amounts.values()) and result.accounts == len(amounts)


@pytest.mark.django_db(transaction=True)
def test_settlement_commits_through_the_balance_trigger(clerk):
    accounts = random_book(clerk, n=12, seed=3)
    on(YEAR_END)
    expected = {a.pk: oracle(a, day(2025, 7, 1), day(2026, 7, 1), [(day(2016, 2, 21), "0.015")]) for a in accounts}
    result = interest.settle_interest(actor=system_actor(), year=2026, chunk_size=5)
    assert result.run.status == BatchRun.Status.DONE
    for acc in accounts:
        assert interest_lines(acc) == ([expected[acc.pk]] if expected[acc.pk] else [])
    assert interest.settle_interest(actor=system_actor(), year=2026).already_settled
    assert expense_balance() == result.total == sum(expected.values())
    checks = {c["name"]: c["ok"] for c in run_checks()["checks"]}
    assert checks["trial_balance"] and checks["account_balances"] and checks["interest"]


def test_breakdown_of_a_settled_year_shows_the_terms_used_and_the_amount_posted(book, clerk, client):
    interest.settle_interest(actor=system_actor(), year=2026)
    main = book["main"]
    assert interest_lines(main) == [D("903.42")]
    # later, the policy is edited retroactively: 2 % and a 365-day basis from 2025-07-01
    PolicyValue.objects.create(key="interest.rate", effective_from=day(2025, 7, 1), value="0.02")
    PolicyValue.objects.filter(key="interest.day_basis").update(value="365")
    on(day(2026, 9, 1))
    result = interest.interest_breakdown(main, year=2026)
    assert result.settled and result.interest == D("903.42") and result.basis == 360
    assert {p.rate for p in result.periods} == {D("0.015")} and result.product == D("21682000")
    assert result.posted == ((YEAR_END, "09", D("903.42")),)
    client.force_login(clerk)
    with translation.override("en"):
        page = client.get(f"/counter/deposits/accounts/{main.number}/interest/?year=2026",
                          HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # the header states the period as the rows count it: both days included
    assert "2025-07-01 – 2026-06-30" in page and "2026-07-01" not in page
    assert "903.42" in page and "1.5%" in page and "2%" not in page
    # the current year, not yet settled, is accrued with today's terms
    current = interest.interest_breakdown(main)
    assert not current.settled and current.basis == 365 and {p.rate for p in current.periods} == {D("0.02")}
