"""Money earns interest from the day the center's bank received it (issue "Money correctness" 4): a remittance
matched late, allocated from suspense, corrected, and a flexible worker's deposit are all dated with the statement
line's value date; dates inside a year whose settlement has run move to the first open day."""

import datetime
from decimal import Decimal

import pytest

from core.actors import system_actor
from core.business_date import set_business_date
from deposits.services import flexible, interest
from deposits.services import remittance as services
from ledger.models import Account, JournalLine
from ledger.reconciliation import run_checks
from tests import factories

D = Decimal
day = datetime.date
DEC = day(2025, 12, 1)


def on(date):
    set_business_date(actor=system_actor(), date=date)


@pytest.fixture
def emp(clerk):
    on(day(2025, 12, 1))
    employer = factories.employer(clerk, employer_ratio=D("0.07"), employee_ratio=D("0.07"))
    factories.account(clerk, employer, name="甲", base="10000")
    factories.account(clerk, employer, name="乙", base="5000")
    return employer


def receive(value_date, ref, amount, remark="", name=""):
    (line,) = factories.statement(
        actor=system_actor(),
        bank_account=factories.bank_account(),
        rows=[
            {
                "bank_reference": ref,
                "value_date": value_date.isoformat(),
                "direction": "C",
                "amount": str(amount),
                "remark": remark,
                "counterparty_name": name,
            }
        ],
    )
    return line


def credited_on(remittance):
    return set(JournalLine.objects.filter(entry=remittance.entry, side="C").values_list("business_date", flat=True))


def confirmed_list(clerk, emp, month=DEC):
    rem = services.generate_list(actor=clerk, employer=emp, month=month)
    return services.confirm_list(actor=clerk, remittance=rem)


def test_a_remittance_matched_late_earns_from_the_value_date(clerk, emp):
    rem = confirmed_list(clerk, emp)
    assert rem.total == D("2100.00")
    receive(day(2025, 12, 5), "B1", rem.total, remark=rem.reference)
    on(day(2026, 2, 20))  # matched six weeks later
    assert services.match_incoming(actor=clerk)["posted"] == 1
    rem.refresh_from_db()
    assert rem.entry.business_date == day(2025, 12, 5) and credited_on(rem) == {day(2025, 12, 5)}
    on(day(2026, 6, 30))
    account = rem.lines.get(account__depositor__name="甲").account
    # 1,400 from 2025-12-05 to 2026-06-30: 208 days × 1.5 % / 360 = 12.13
    assert interest.interest_breakdown(account, year=2026).interest == D("12.13")
    assert run_checks()["ok"]


def test_suspense_is_used_first_in_first_out_with_its_value_dates(clerk, emp):
    receive(day(2025, 12, 3), "S1", "1000.00", name=emp.name)
    receive(day(2026, 1, 8), "S2", "5000.00", name=emp.name)
    on(day(2026, 1, 10))
    assert services.match_incoming(actor=clerk)["employer_suspense"] == 2
    rem = confirmed_list(clerk, emp)
    on(day(2026, 3, 1))
    services.allocate_from_suspense(actor=clerk, remittance=rem)
    rem.refresh_from_db()
    # 2,100 needs both receipts: complete on 01-08, the value date of the second
    assert credited_on(rem) == {day(2026, 1, 8)}
    second = confirmed_list(clerk, emp, month=day(2026, 1, 1))
    services.allocate_from_suspense(actor=clerk, remittance=second)
    second.refresh_from_db()
    assert credited_on(second) == {day(2026, 1, 8)}  # 4,200 of 6,000: still the second receipt
    assert Account.objects.get(pk=emp.suspense_account_id).balance == D("1800.00")
    assert run_checks()["ok"]


def test_a_corrected_late_remittance_earns_nothing_on_the_wrong_money(clerk, emp):
    rem = confirmed_list(clerk, emp)
    receive(day(2025, 12, 5), "B1", rem.total, remark=rem.reference)
    on(day(2026, 2, 20))
    services.match_incoming(actor=clerk)
    on(day(2026, 3, 10))
    services.reverse_list(actor=clerk, remittance=rem, reason="基数错误")
    rem.refresh_from_db()
    assert rem.reversal_entry.business_date == day(2025, 12, 5)  # the credit is taken back as of its own date
    account = rem.lines.get(account__depositor__name="甲").account
    on(day(2026, 6, 30))
    assert interest.interest_breakdown(account, year=2026).interest == D("0.00")
    again = confirmed_list(clerk, emp)  # the corrected list, from the money back in suspense
    services.allocate_from_suspense(actor=clerk, remittance=again)
    again.refresh_from_db()
    assert credited_on(again) == {day(2025, 12, 5)}
    assert interest.interest_breakdown(account, year=2026).interest == D("12.13")
    assert run_checks()["ok"]


def test_money_received_in_a_settled_year_is_booked_on_the_first_open_day(clerk, emp):
    on(day(2026, 6, 15))
    rem = confirmed_list(clerk, emp, month=day(2026, 6, 1))
    receive(day(2026, 6, 20), "B1", rem.total, remark=rem.reference)
    on(day(2026, 7, 2))
    interest.settle_interest(actor=system_actor(), year=2026)  # the year to 06-30 is paid
    on(day(2026, 7, 10))
    services.match_incoming(actor=clerk)
    rem.refresh_from_db()
    assert credited_on(rem) == {day(2026, 7, 1)}
    assert run_checks()["ok"]


def test_a_flexible_deposit_earns_from_the_value_date(clerk, finance):
    on(day(2026, 11, 20))
    account = flexible.register_flexible(
        actor=clerk, base="5000", ratio=D("0.10"), name="灵活", id_number=factories.make_id(), phone="13912345678"
    )
    line = receive(day(2026, 11, 12), "F1", "500.00")
    on(day(2026, 11, 28))
    deposit = flexible.flexible_deposit(actor=finance, account=account, months=[day(2026, 11, 1)], statement_line=line)
    assert deposit.entry.business_date == day(2026, 11, 12)
    assert run_checks()["ok"]
