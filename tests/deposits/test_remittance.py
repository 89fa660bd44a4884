import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from accounts import services as account_services
from accounts.models import Employer, FundAccount
from core.actors import system_actor
from core.business_date import set_business_date
from core.errors import Conflict, Forbidden, InvalidInput, StateError
from deposits.models import RemittanceList
from deposits.services import remittance as services
from ledger import chart
from ledger.models import Account, BankInstruction, BankStatementLine, JournalEntry
from ledger.reconciliation import run_checks
from ledger.services import import_statement
from tests import factories
from tests.conftest import make_user

NOV = datetime.date(2026, 11, 1)


@pytest.fixture(autouse=True)
def setup(db):
    set_business_date(actor=system_actor(), date=datetime.date(2026, 11, 20))
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def emp(clerk):
    employer = factories.employer(clerk, employer_ratio=Decimal("0.07"), employee_ratio=Decimal("0.07"))
    factories.account(clerk, employer, name="甲", base="9380.50")
    factories.account(clerk, employer, name="乙", base="2330")
    sealed = factories.account(clerk, employer, name="丙", base="5000")
    account_services.seal_account(actor=clerk, account=sealed, reason="离职")
    return employer


@pytest.fixture
def bank(db):
    return factories.bank_account()


def balance(account):
    return Account.objects.get(pk=account.ledger_account_id).balance


def receive(bank, ref, amount, remark="", name=""):
    (line,) = factories.statement(
                               bank_account=bank, rows=[{"bank_reference": ref, "value_date": "2026-11-15",
                                                        "direction": "C", "amount": str(amount),
                                                        "remark": remark, "counterparty_name": name}])
    return line


def test_generated_list_rounds_each_part(clerk, emp):
    rem = services.generate_list(actor=clerk, employer=emp, month=NOV)
    lines = {ln.account.depositor.name: ln for ln in rem.lines.select_related("account__depositor")}
    assert set(lines) == {"甲", "乙"}  # the sealed account is not on the list
    assert (lines["甲"].employee_amount, lines["甲"].employer_amount, lines["甲"].amount) == (
        Decimal("656.64"), Decimal("656.64"), Decimal("1313.28"))  # 9,380.50 × 7% = 656.635 → 656.64
    assert lines["乙"].amount == Decimal("326.20")
    assert (rem.total, rem.headcount, rem.status) == (Decimal("1639.48"), 2, "draft")
    assert rem.reference == f"HJ{emp.account_number}202611"
    with pytest.raises(Conflict):
        services.generate_list(actor=clerk, employer=emp, month=NOV)


def test_rounding_to_the_yuan_by_policy(clerk, emp):
    from core.models import PolicyValue

    PolicyValue.objects.create(key="deposits.rounding", effective_from=datetime.date(2026, 11, 1), value="yuan")
    rem = services.generate_list(actor=clerk, employer=emp, month=NOV)
    amounts = sorted(rem.lines.values_list("employee_amount", flat=True))
    assert amounts == [Decimal("163.00"), Decimal("657.00")]  # 163.10 → 163; 656.635 → 657


def test_remittance_posts_exactly_the_list_once(clerk, emp, bank):
    rem = services.generate_list(actor=clerk, employer=emp, month=NOV)
    services.set_line(actor=clerk, remittance=rem, account_number=rem.lines.first().account.number, base="10000")
    rem.refresh_from_db()
    assert rem.total == Decimal("1726.20")  # 1,400.00 + 326.20
    services.confirm_list(actor=clerk, remittance=rem)
    line = receive(bank, "B1", rem.total, remark=f"公积金{rem.reference}款")  # no spaces around it
    result = services.match_incoming(actor=clerk)
    assert result == {"posted": 1, "employer_suspense": 0, "general_suspense": 0, "problems": []}
    rem.refresh_from_db()
    assert rem.status == "posted" and rem.paid_by_id == line.pk
    for ln in rem.lines.select_related("account"):
        assert balance(ln.account) == ln.amount
        assert FundAccount.objects.get(pk=ln.account_id).paid_up_to == NOV
    assert Employer.objects.get(pk=emp.pk).paid_up_to == NOV
    entries = JournalEntry.objects.count()
    # posting the same list again posts nothing
    services.pay_from_statement(actor=clerk, remittance=rem, line=line)
    assert JournalEntry.objects.count() == entries
    assert run_checks()["ok"]


def test_unmatched_payment_goes_to_suspense_and_allocation_empties_it(clerk, emp, bank):
    rem = services.generate_list(actor=clerk, employer=emp, month=NOV)
    services.confirm_list(actor=clerk, remittance=rem)
    receive(bank, "B2", rem.total, remark="十一月公积金", name=emp.name)  # no reference quoted
    receive(bank, "B3", "50.00", remark="?", name="不认识的公司")
    assert services.match_incoming(actor=clerk) == {"posted": 0, "employer_suspense": 1, "general_suspense": 1,
                                                     "problems": []}
    assert Account.objects.get(pk=emp.suspense_account_id).balance == rem.total
    assert Account.objects.get(code=chart.GENERAL_SUSPENSE).balance == Decimal("50.00")
    assert run_checks()["ok"]
    services.allocate_from_suspense(actor=clerk, remittance=rem)
    assert Account.objects.get(pk=emp.suspense_account_id).balance == 0
    assert sum(balance(ln.account) for ln in rem.lines.all()) == rem.total
    assert run_checks()["ok"]


def test_wrong_amount_is_refused_and_changes_nothing(clerk, emp, bank):
    rem = services.generate_list(actor=clerk, employer=emp, month=NOV)
    services.confirm_list(actor=clerk, remittance=rem)
    line = receive(bank, "B4", rem.total - Decimal("0.01"))
    with pytest.raises(InvalidInput) as info:
        services.pay_from_statement(actor=clerk, remittance=rem, line=line)
    assert "不等于" in info.value.message or "does not equal" in info.value.message
    rem.refresh_from_db()
    assert rem.status == "confirmed" and JournalEntry.objects.count() == 0


def test_line_edits_respect_policy_and_state(clerk, emp):
    rem = services.generate_list(actor=clerk, employer=emp, month=NOV)
    number = rem.lines.first().account.number
    with pytest.raises(InvalidInput):
        services.set_line(actor=clerk, remittance=rem, account_number=number, base="40000")
    with pytest.raises(InvalidInput):
        services.set_line(actor=clerk, remittance=rem, account_number=number, employee_ratio=Decimal("0.13"))
    with pytest.raises(InvalidInput):
        services.set_line(actor=clerk, remittance=rem, account_number="999999")
    services.remove_line(actor=clerk, remittance=rem, account_number=number)
    rem.refresh_from_db()
    assert rem.headcount == 1
    services.confirm_list(actor=clerk, remittance=rem)
    with pytest.raises(StateError):
        services.set_line(actor=clerk, remittance=rem, account_number=number)


def test_supplementary_payment_covers_months_and_refuses_paid_ones(clerk, emp, bank):
    rem = services.generate_list(actor=clerk, employer=emp, month=NOV)
    services.confirm_list(actor=clerk, remittance=rem)
    services.pay_from_statement(actor=clerk, remittance=rem, line=receive(bank, "B5", rem.total))
    number = rem.lines.first().account.number
    with pytest.raises(Conflict) as info:
        services.supplementary_list(actor=clerk, employer=emp, months=[NOV], account_numbers=[number],
                                    reason="漏缴")
    assert "2026-11" in info.value.message
    sup = services.supplementary_list(actor=clerk, employer=emp, months=[datetime.date(2026, 9, 1),
                                                                         datetime.date(2026, 10, 1)],
                                      account_numbers=[number], reason="入职漏缴")
    assert sup.kind == "2" and sup.lines.count() == 2 and sup.reference.startswith("BJ")
    services.confirm_list(actor=clerk, remittance=sup)
    services.pay_from_statement(actor=clerk, remittance=sup, line=receive(bank, "B6", sup.total))
    account = FundAccount.objects.get(number=number)
    assert balance(account) == rem.lines.get(account=account).amount + sup.total
    assert account.paid_up_to == NOV
    assert sorted(account.remittance_lines.filter(posted=True).values_list("month", flat=True)) == [
        datetime.date(2026, 9, 1), datetime.date(2026, 10, 1), NOV]


def test_correction_moves_money_to_suspense_and_refund_pays_it_back(clerk, emp, bank):
    rem = services.generate_list(actor=clerk, employer=emp, month=NOV)
    services.confirm_list(actor=clerk, remittance=rem)
    services.pay_from_statement(actor=clerk, remittance=rem, line=receive(bank, "B7", rem.total))
    services.reverse_list(actor=clerk, remittance=rem, reason="基数错误")
    rem.refresh_from_db()
    assert rem.status == "reversed"
    assert all(balance(ln.account) == 0 for ln in rem.lines.all())
    assert all(a.paid_up_to is None for a in FundAccount.objects.filter(employer=emp))
    assert Account.objects.get(pk=emp.suspense_account_id).balance == rem.total
    # the month can be listed and paid again, from suspense
    again = services.generate_list(actor=clerk, employer=emp, month=NOV)
    services.remove_line(actor=clerk, remittance=again, account_number=again.lines.last().account.number)
    services.confirm_list(actor=clerk, remittance=again)
    again = services.allocate_from_suspense(actor=clerk, remittance=again)
    left = rem.total - again.total
    assert left == Decimal("326.20")
    instruction = services.refund_suspense(actor=clerk, employer=emp, amount=left, payee_account="6222000011112222",
                                           payee_name=emp.name, reason="多缴退回")
    assert instruction.status == BankInstruction.Status.PENDING
    assert Account.objects.get(pk=emp.suspense_account_id).balance == 0
    report = run_checks()
    assert report["ok"], [(c["name"], c["ok"], c["differences"]) for c in report["checks"]]


def test_employer_agent_only_for_own_employer(clerk, emp):
    other = factories.employer(clerk, name="别家公司")
    agent = make_user("agent", "employer_agent")
    account_services.link_employer_agent(actor=clerk, user=agent, employer=emp)
    rem = services.generate_list(actor=agent, employer=emp, month=NOV)
    assert rem.created_by == agent
    with pytest.raises(Forbidden):
        services.generate_list(actor=agent, employer=other, month=NOV)
    assert RemittanceList.objects.count() == 1


def test_future_month_refused(clerk, emp):
    with pytest.raises(InvalidInput):
        services.generate_list(actor=clerk, employer=emp, month=datetime.date(2026, 12, 1))


def test_statement_line_only_posts_once_across_lists(clerk, emp, bank):
    rem = services.generate_list(actor=clerk, employer=emp, month=NOV)
    services.confirm_list(actor=clerk, remittance=rem)
    line = receive(bank, "B8", rem.total)
    services.pay_from_statement(actor=clerk, remittance=rem, line=line)
    sup = services.supplementary_list(actor=clerk, employer=emp, months=[datetime.date(2026, 10, 1)], reason="补")
    services.confirm_list(actor=clerk, remittance=sup)
    with pytest.raises(StateError):
        services.pay_from_statement(actor=clerk, remittance=sup, line=BankStatementLine.objects.get(pk=line.pk))


def test_match_parks_a_payment_whose_list_cannot_post_and_goes_on(clerk, emp, bank):
    rem = services.generate_list(actor=clerk, employer=emp, month=NOV)
    services.confirm_list(actor=clerk, remittance=rem)
    number = rem.lines.first().account.number
    sup = services.supplementary_list(actor=clerk, employer=emp, months=[NOV], account_numbers=[number],
                                      reason="重复")
    sup.refresh_from_db()
    services.confirm_list(actor=clerk, remittance=sup)
    receive(bank, "M1", rem.total, remark=rem.reference)
    receive(bank, "M2", sup.total, remark=sup.reference)
    result = services.match_incoming(actor=clerk)
    assert result["posted"] == 1 and result["employer_suspense"] == 1
    assert result["problems"][0].startswith("M2: ") and "2026-11" in result["problems"][0]
    assert Account.objects.get(pk=emp.suspense_account_id).balance == sup.total
    assert run_checks()["ok"]


def test_statement_roles_required(emp, bank, auditor):
    with pytest.raises(Forbidden):
        services.match_incoming(actor=auditor)
    with pytest.raises(Forbidden):
        import_statement(bank_account=bank, rows=[], closing_balance=0, actor=auditor)


def test_employer_paid_up_to_stops_at_the_first_unpaid_month(clerk, emp, bank):
    oct_, sep = datetime.date(2026, 10, 1), datetime.date(2026, 9, 1)
    for month in (sep, NOV):
        rem = services.generate_list(actor=clerk, employer=emp, month=month)
        services.confirm_list(actor=clerk, remittance=rem)
        services.pay_from_statement(actor=clerk, remittance=rem, line=receive(bank, f"E{month:%m}", rem.total))
    assert Employer.objects.get(pk=emp.pk).paid_up_to == sep  # October is still unpaid
    rem = services.generate_list(actor=clerk, employer=emp, month=oct_)
    services.confirm_list(actor=clerk, remittance=rem)
    services.pay_from_statement(actor=clerk, remittance=rem, line=receive(bank, "E10", rem.total))
    assert Employer.objects.get(pk=emp.pk).paid_up_to == NOV
    services.reverse_list(actor=clerk, remittance=rem, reason="错缴")
    assert Employer.objects.get(pk=emp.pk).paid_up_to == sep
