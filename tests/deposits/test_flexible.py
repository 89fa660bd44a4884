import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from accounts import services as account_services
from accounts.models import AccountEvent, Depositor, FundAccount
from core import roles
from core.actors import system_actor
from core.business_date import set_business_date
from core.errors import Conflict, Forbidden, InvalidInput, StateError
from core.models import PolicyValue
from deposits import selectors
from deposits.models import FlexibleDeposit, FlexibleDepositMonth
from deposits.services import flexible
from ledger.models import Account, BankStatementLine, JournalEntry
from ledger.reconciliation import run_checks
from tests import factories
from tests.conftest import make_user

SEP, OCT, NOV, DEC = (datetime.date(2026, m, 1) for m in (9, 10, 11, 12))


@pytest.fixture(autouse=True)
def setup(db):
    set_business_date(actor=system_actor(), date=datetime.date(2026, 9, 15))
    with translation.override("zh-hans"):
        yield


def register(actor, **kw):
    data = dict(base="9380.50", ratio=Decimal("0.11"), name="灵活", id_number=factories.make_id(), phone="13912345678")
    data.update(kw)
    return flexible.register_flexible(actor=actor, **data)


def receive(amount, ref="F1"):
    (line,) = factories.statement(bank_account=factories.bank_account(), rows=[{
        "bank_reference": ref, "value_date": "2026-11-20", "direction": "C", "amount": str(amount),
        "counterparty_name": "灵活"}])
    return line


def balance(account):
    return Account.objects.get(pk=account.ledger_account_id).balance


def test_register_a_new_person(clerk):
    account = register(clerk)
    assert (account.kind, account.employer_id, account.status, account.opened_on) == (
        "flexible", None, "01", datetime.date(2026, 9, 15))
    assert (account.base, account.employee_ratio, account.employer_ratio) == (
        Decimal("9380.50"), Decimal("0.11"), Decimal("0"))
    assert account.monthly_total == Decimal("1031.86")  # 9,380.50 × 11% = 1,031.855 → 1,031.86, rounded once
    assert AccountEvent.objects.get(account=account).business_type == "03"
    assert account.ledger_account.role == "personal"


@pytest.mark.parametrize("kw, text", [
    ({"ratio": Decimal("0.09")}, "10% 至 24%"),
    ({"ratio": Decimal("0.25")}, "10% 至 24%"),
    ({"ratio": Decimal("0.105")}, "整数"),
    ({"base": "2000"}, "2,330.00"),
    ({"base": "40000"}, "32,969.00"),
])
def test_terms_outside_the_policy_are_refused(clerk, kw, text):
    before = (Depositor.objects.count(), FundAccount.objects.count())
    with pytest.raises(InvalidInput) as info:
        register(clerk, **kw)
    assert text in info.value.message
    assert (Depositor.objects.count(), FundAccount.objects.count()) == before


def test_minimum_monthly_amount(clerk):
    PolicyValue.objects.create(key="deposits.flexible_min_amount", effective_from=SEP, value="300")
    with pytest.raises(InvalidInput) as info:
        register(clerk, base="2330", ratio=Decimal("0.12"))  # 279.60 a month
    assert info.value.message == "月缴存额 ¥279.60 低于灵活就业人员最低月缴存额 ¥300.00，请提高缴存基数或比例。"
    assert FundAccount.objects.count() == 0
    assert register(clerk, base="2500", ratio=Decimal("0.12")).monthly_total == Decimal("300.00")


def test_one_person_one_account(clerk):
    employee = factories.account(clerk, name="王五", base="6000")
    with pytest.raises(Conflict) as info:
        register(clerk, name="王五", id_number=employee.depositor.id_number)
    assert employee.number in info.value.message and info.value.code == "account_exists"
    assert FundAccount.objects.count() == 1
    with pytest.raises(InvalidInput):  # the ID number belongs to someone else
        register(clerk, name="李四", id_number=employee.depositor.id_number)
    # after leaving the employer the sealed account continues as a flexible one
    account_services.seal_account(actor=clerk, account=employee, reason="离职")
    account = register(clerk, name="王五", id_number=employee.depositor.id_number, base="6000",
                       ratio=Decimal("0.20"))
    assert account.pk == employee.pk and FundAccount.objects.count() == 1
    assert (account.kind, account.employer_id, account.status, account.monthly_total) == (
        "flexible", None, "01", Decimal("1200.00"))
    assert list(account.events.values_list("business_type", flat=True)) == ["03", "05", "04"]


def test_portal_registration_is_for_oneself(clerk):
    person = factories.person(clerk, name="赵六")
    user = make_user("zhao", roles.DEPOSITOR)
    Depositor.objects.filter(pk=person.pk).update(user=user)
    user.refresh_from_db()
    other = factories.person(clerk, name="钱七")
    with pytest.raises(Forbidden):
        flexible.register_flexible(actor=user, depositor=other, base="5000", ratio=Decimal("0.10"))
    assert FundAccount.objects.count() == 0
    account = flexible.register_flexible(actor=user, base="5000", ratio=Decimal("0.10"))
    assert account.depositor_id == person.pk and account.monthly_total == Decimal("500.00")


def test_monthly_deposits_post_through_the_bank(clerk, finance):
    account = register(clerk)
    set_business_date(actor=system_actor(), date=datetime.date(2026, 11, 20))
    line = receive("2063.72")
    deposit = flexible.flexible_deposit(actor=finance, account=account, months=[NOV, OCT], statement_line=line)
    assert (deposit.amount, deposit.months, deposit.month_from, deposit.month_to) == (Decimal("2063.72"), 2, OCT, NOV)
    assert deposit.reference == f"LH{account.number}202610"
    assert list(deposit.lines.values_list("month", "amount")) == [(OCT, Decimal("1031.86")), (NOV, Decimal("1031.86"))]
    assert balance(account) == Decimal("2063.72")
    assert FundAccount.objects.get(pk=account.pk).paid_up_to == NOV
    line.refresh_from_db()
    assert line.match_status == "booked" and line.entry_id == deposit.entry_id
    assert run_checks()["ok"]
    # the same line again: nothing more
    entries = JournalEntry.objects.count()
    assert flexible.flexible_deposit(actor=finance, account=account, months=[OCT, NOV], statement_line=line) == deposit
    assert JournalEntry.objects.count() == entries
    # continuity sees the flexible months
    assert selectors.continuous_months(account, NOV) == 2
    assert selectors.deposit_gaps(account, SEP, NOV) == []  # opened on Sep 15: September is not expected


def test_deposit_refusals_change_nothing(clerk, finance):
    account = register(clerk)
    set_business_date(actor=system_actor(), date=datetime.date(2026, 11, 20))
    flexible.flexible_deposit(actor=finance, account=account, months=[OCT], statement_line=receive("1031.86", "F0"))
    counts = lambda: (JournalEntry.objects.count(), FlexibleDeposit.objects.count(),  # noqa: E731
                      FlexibleDepositMonth.objects.count())
    before = counts()
    wrong = receive("1031.85", "F2")
    with pytest.raises(InvalidInput) as info:
        flexible.flexible_deposit(actor=finance, account=account, months=[NOV], statement_line=wrong)
    assert "1,031.85" in info.value.message and "1,031.86" in info.value.message
    with pytest.raises(Conflict) as info:  # October is paid
        flexible.flexible_deposit(actor=finance, account=account, months=[OCT, NOV], statement_line=receive("2063.72",
                                                                                                          "F3"))
    assert "2026-10" in info.value.message
    with pytest.raises(InvalidInput):  # future month
        flexible.flexible_deposit(actor=finance, account=account, months=[DEC], statement_line=wrong)
    with pytest.raises(InvalidInput):  # before the opening month
        flexible.flexible_deposit(actor=finance, account=account, months=[datetime.date(2026, 8, 1)],
                                  statement_line=wrong)
    with pytest.raises(Forbidden):
        flexible.flexible_deposit(actor=make_user("someone"), account=account, months=[NOV], statement_line=wrong)
    employee = factories.account(clerk, name="员工", base="5000")
    with pytest.raises(StateError):
        flexible.flexible_deposit(actor=finance, account=employee, months=[NOV], statement_line=wrong)
    assert counts() == before
    assert BankStatementLine.objects.get(pk=wrong.pk).match_status == "unmatched"


def test_a_payment_parked_in_suspense_is_allocated(clerk, finance):
    from deposits.services import remittance as remit
    from ledger import chart

    account = register(clerk)
    set_business_date(actor=system_actor(), date=datetime.date(2026, 11, 20))
    line = receive("1031.86")
    assert remit.match_incoming(actor=finance)["general_suspense"] == 1
    suspense = Account.objects.get(code=chart.GENERAL_SUSPENSE)
    assert suspense.balance == Decimal("1031.86")
    deposit = flexible.flexible_deposit(actor=finance, account=account, months=[NOV],
                                        statement_line=BankStatementLine.objects.get(pk=line.pk))
    suspense.refresh_from_db()
    assert (suspense.balance, balance(account), deposit.amount) == (Decimal("0.00"), Decimal("1031.86"),
                                                                     Decimal("1031.86"))
    assert BankStatementLine.objects.get(pk=line.pk).match_status == "suspense"
    assert run_checks()["ok"]
    with pytest.raises(Conflict):  # the line cannot pay twice
        flexible.flexible_deposit(actor=finance, account=account, months=[OCT], statement_line=line)
