"""Interest around closures (issue "Money correctness" 1–3): a closing withdrawal unconfirmed at June 30, a
refused closing payment, a closure after June 30 before the settlement ran, a closure racing a settlement
chunk, and merges (DOMAIN.md §2.4). Amounts are worked out by hand in the comments."""

import datetime
import threading
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import connections

from accounts import services as account_services
from accounts.models import Depositor, FundAccount
from core.actors import system_actor
from core.models import BatchRun
from deposits.services import interest
from ledger.models import Account, JournalLine
from ledger.reconciliation import run_checks
from tests import factories
from tests.withdrawals.conftest import CARD, doc, on
from withdrawals import services
from withdrawals.models import DocumentType as Doc
from withdrawals.models import Reason

D = Decimal
day = datetime.date
RATE = D("0.015")


def fen(value):
    return value.quantize(D("0.01"), ROUND_HALF_UP)


def balance(acc):
    return Account.objects.get(pk=acc.ledger_account_id).balance


def interest_lines(acc):
    return list(
        JournalLine.objects.filter(account_id=acc.ledger_account_id, entry__business_type__in=["09", "98"])
        .order_by("business_date", "pk")
        .values_list("entry__business_type", "business_date", "amount")
    )


def settled_accounts(clerk, n=1):
    """36,000 in on 2024-07-01; the settlement of the year to 2025-06-30 credits 36,000 × 365 × 1.5 % / 360 =
    547.50, so 36,547.50 is carried into the year to 2026-06-30. Other money in the bank pays the interest out."""
    on(day(2024, 7, 1))
    emp = factories.employer(clerk)
    accounts = [factories.account(clerk, emp, name="张三" if i == 0 else f"张{i}") for i in range(n)]
    for acc in accounts:
        factories.deposit(acc, "36000")
    factories.deposit(factories.account(clerk, emp, name="李四"), "5000")
    on(day(2025, 6, 30))
    interest.settle_interest(actor=system_actor(), year=2025)
    for acc in accounts:
        assert interest_lines(acc) == [("09", day(2025, 6, 30), D("547.50"))]
    return accounts


def settled_account(clerk):
    return settled_accounts(clerk)[0]


def retire(staff, acc):
    app = services.apply(
        actor=staff["clerk"],
        account=acc,
        reason=Reason.RETIREMENT,
        amount=None,
        facts={"retired_on": "2026-01-01"},
        payee_card=CARD,
        payee_name="张三",
        documents=[(Doc.RETIREMENT_CERT, doc())],
    )
    app = services.review(actor=staff["reviewer"], application=app)
    return services.approve(actor=staff["approver"], application=app)  # paid: the bank has not confirmed yet


CARRIED = D("36547.50")
TO_JAN_20 = fen(CARRIED * 203 * RATE / 360)  # 2025-07-01 … 2026-01-19: 309.13


def test_unconfirmed_closing_withdrawal_is_not_settled_again_at_june_30(staff):
    acc = settled_account(staff["clerk"])
    on(day(2026, 1, 20))
    app = retire(staff, acc)
    assert TO_JAN_20 == D("309.13") and app.interest_paid == TO_JAN_20
    assert app.amount_approved == CARRIED + TO_JAN_20 and balance(acc) == 0
    on(day(2026, 6, 30))  # the bank still has not confirmed the payment
    result = interest.settle_interest(actor=system_actor(), year=2026)
    assert result.run.status == BatchRun.Status.DONE and result.accounts == 1  # only 李四
    assert interest_lines(acc) == [("09", day(2025, 6, 30), D("547.50")), ("98", day(2026, 1, 20), TO_JAN_20)]
    app = services.settle_payment(actor=system_actor(), application=app)  # no balance is left: it closes
    acc.refresh_from_db()
    assert acc.status == FundAccount.Status.CLOSED_WITHDRAWN and balance(acc) == 0
    assert run_checks()["ok"]


def test_a_refused_closing_payment_earns_interest_from_the_day_the_money_came_back(staff):
    acc = settled_account(staff["clerk"])
    on(day(2026, 1, 20))
    app = retire(staff, acc)
    on(day(2026, 2, 5))
    services.fail_payment(actor=system_actor(), application=app, reason="户名不符")
    back = CARRIED + TO_JAN_20
    assert balance(acc) == back
    on(day(2026, 6, 30))
    interest.settle_interest(actor=system_actor(), year=2026)
    # 01-20 … 02-04 nothing (the money was with the bank), 02-05 … 06-30 (146 days) on 36,856.63
    due = fen(back * 146 * RATE / 360)
    assert interest_lines(acc)[-1] == ("09", day(2026, 6, 30), due)
    breakdown = interest.interest_breakdown(acc, year=2026)
    assert breakdown.settled and breakdown.interest == due and breakdown.since == day(2026, 1, 20)
    assert [(p.start, p.days, p.balance) for p in breakdown.periods] == [
        (day(2026, 1, 20), 16, D("0.00")),
        (day(2026, 2, 5), 146, back),
    ]
    assert run_checks()["ok"]


def test_closure_after_june_30_before_the_run_settles_the_finished_year_first(staff):
    acc = settled_account(staff["clerk"])
    on(day(2026, 8, 10))  # the settlement of the year to 2026-06-30 has not run yet
    app = retire(staff, acc)
    year = fen(CARRIED * 365 * RATE / 360)  # 555.83, what the run would have credited
    part = fen((CARRIED + year) * 40 * RATE / 360)  # 2026-07-01 … 08-09 on 37,103.33: 61.84
    assert (year, part) == (D("555.83"), D("61.84"))
    assert interest_lines(acc) == [
        ("09", day(2025, 6, 30), D("547.50")),
        ("09", day(2026, 6, 30), year),
        ("98", day(2026, 8, 10), part),
    ]
    assert app.interest_paid == year + part and app.amount_approved == CARRIED + year + part and balance(acc) == 0
    on(day(2026, 8, 11))
    result = interest.settle_interest(actor=system_actor(), year=2026)  # the run skips the account
    assert result.run.status == BatchRun.Status.DONE
    assert interest_lines(acc)[1:] == [("09", day(2026, 6, 30), year), ("98", day(2026, 8, 10), part)]
    breakdown = interest.interest_breakdown(acc, year=2026)
    assert breakdown.settled and breakdown.interest == year
    services.settle_payment(actor=system_actor(), application=app)
    assert run_checks()["ok"]


def test_merging_a_duplicate_posts_its_interest_to_the_merge_date_first(staff):
    main = settled_account(staff["clerk"])
    on(day(2025, 9, 1))
    number = "101000099991"  # a duplicate of the same person found in migrated data (一人多户)
    person = main.depositor  # the old 15-digit form of the same ID number
    legacy = Depositor.objects.create(
        name=person.name,
        id_type="99",
        id_number=person.id_number[:6] + person.id_number[8:17],
        gender="F",
        birth_date=person.birth_date,
    )
    duplicate = FundAccount.objects.create(
        number=number,
        depositor=legacy,
        employer=main.employer,
        base="8000",
        employee_ratio="0.12",
        employer_ratio="0.12",
        opened_on=day(2025, 9, 1),
        status=FundAccount.Status.SEALED,
        ledger_account=account_services.open_ledger_account(number, "张三", day(2025, 9, 1)),
    )
    factories.deposit(duplicate, "12000")
    on(day(2026, 3, 1))
    account_services.merge_accounts(actor=staff["clerk"], source=duplicate, target=main, reason="一人多户")
    part = fen(D("12000") * 181 * RATE / 360)  # 2025-09-01 … 2026-02-28: 90.50
    assert part == D("90.50") and interest_lines(duplicate) == [("98", day(2026, 3, 1), part)]
    assert balance(duplicate) == 0 and balance(main) == CARRIED + D("12000") + part
    on(day(2026, 6, 30))
    interest.settle_interest(actor=system_actor(), year=2026)
    # main: 36,547.50 all year, plus 12,090.50 from the merge date 03-01 (122 days)
    want = fen((CARRIED * 365 + (D("12000") + part) * 122) * RATE / 360)
    assert interest_lines(main)[-1] == ("09", day(2026, 6, 30), want)
    assert interest_lines(duplicate) == [("98", day(2026, 3, 1), part)]
    assert run_checks()["ok"]


@pytest.mark.django_db(transaction=True)
def test_a_closure_racing_the_settlement_chunk_is_paid_each_day_once(staff):
    accounts = settled_accounts(staff["clerk"], 4)
    on(day(2026, 8, 10))
    run, _created = interest.plan_settlement(year=2026, actor=system_actor(), chunk_size=100)
    chunk_ids = [c for c in run.chunks.values_list("pk", flat=True)]
    errors, barrier = [], threading.Barrier(1 + len(accounts))

    def run_in_thread(f):
        try:
            barrier.wait()
            f()
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    work = [lambda: [interest.settle_chunk(c) for c in chunk_ids]]
    work += [
        lambda a=a: interest.post_closing_interest(account=a, closing_date=day(2026, 8, 10), actor=system_actor())
        for a in accounts
    ]
    threads = [threading.Thread(target=run_in_thread, args=(f,)) for f in work]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    year = fen(CARRIED * 365 * RATE / 360)
    part = fen((CARRIED + year) * 40 * RATE / 360)
    for acc in accounts:
        lines = interest_lines(acc)
        assert lines == [
            ("09", day(2025, 6, 30), D("547.50")),
            ("09", day(2026, 6, 30), year),
            ("98", day(2026, 8, 10), part),
        ], lines
    assert BatchRun.objects.get(key="interest:2026").status == BatchRun.Status.DONE
    assert run_checks()["ok"]
