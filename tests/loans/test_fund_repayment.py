"""Repaying the center's loans from fund balances on PostgreSQL: the monthly offset (按月冲还贷) in the standing run,
一键还贷 (installments due, then a prepayment both ways or the payoff), the refusals that write nothing (frozen
money, the minimum balance, more than the balance, a closed loan, another person's account), the payoff that frees
the family for a new loan and the mortgage release."""

import datetime
from decimal import Decimal

import pytest

from core.actors import system_actor
from core.errors import ApplicationError, Forbidden, InsufficientFunds, InvalidInput, StateError
from core.models import PolicyValue
from ledger import chart
from ledger import services as ledger_services
from ledger.models import Account, JournalEntry
from ledger.reconciliation import check_records
from loans.models import LoanContract, LoanRepayment, ScheduleInstallment
from loans.services import applications as app_services
from loans.services import fund_repayments as fund
from tests import factories
from tests.loans.conftest import on, portal_user
from tests.loans.test_applications import draft
from tests.loans.test_money import disbursed, finance, pay_installments, rows  # noqa: F401 - finance is a fixture
from withdrawals.models import Reason, StandingInstruction, WithdrawalApplication
from withdrawals.services import loan_funding, standing

D = Decimal
day = datetime.date
C = LoanContract.Status
MARCH = day(2026, 3, 1)


def ledger_balance(account):
    return Account.objects.get(pk=account.ledger_account_id).balance


def freeze(account, amount):
    return ledger_services.place_hold(
        account=Account.objects.get(pk=account.ledger_account_id), amount=D(amount), kind="judicial",
        reference="(2026)示0102执123号", actor=system_actor(),
    )


def counts():
    return (JournalEntry.objects.count(), LoanRepayment.objects.count(), WithdrawalApplication.objects.count(),
            ScheduleInstallment.objects.count())


@pytest.fixture
def loan(staff, household, finance):  # noqa: F811
    """Example A (¥500,000, 2.85 %, 240 months, 2,735.59 a month) disbursed on 10 February 2026: installment 1 is
    due on 10 March. The borrower has ¥30,000 in his fund account, the spouse ¥620,000."""
    contract = disbursed(staff, household, finance)
    assert (ledger_balance(household["borrower"]), ledger_balance(household["spouse"])) == (D("30000"), D("620000"))
    return contract


# --- 按月冲还贷 -----------------------------------------------------------------------------------------------------


def test_monthly_offset_pays_the_installment_from_the_borrowers_fund_account(staff, household, loan):
    borrower = household["borrower"]
    [instr] = loan_funding.set_up_loan_offset(actor=staff["clerk"], contract_number=loan.number, accounts=[borrower])
    assert (instr.kind, instr.loan_contract, instr.monthly_amount, instr.starts_on) == (
        "loan_offset", loan.number, D("2735.59"), day(2026, 2, 1))
    on(MARCH)
    income = Account.objects.get(code=chart.LOAN_INTEREST_INCOME).balance
    result = standing.run_standing(actor=system_actor(), month=MARCH)
    assert (result["paid"], D(result["amount"])) == (1, D("2735.59"))
    assert ledger_balance(borrower) == D("27264.41")
    first = rows(loan)[0]
    assert (first.principal_paid, first.interest_paid) == (D("1548.09"), D("1187.50"))
    repayment = LoanRepayment.objects.get(contract=loan)
    assert (repayment.source, repayment.kind, repayment.amount, repayment.principal, repayment.interest) == (
        "fund", "installment", D("2735.59"), D("1548.09"), D("1187.50"))
    lines = {(ln.account_id, ln.side, ln.amount) for ln in repayment.entry.lines.all()}
    assert lines == {
        (borrower.ledger_account_id, "D", D("2735.59")),
        (loan.ledger_account_id, "C", D("1548.09")),
        (Account.objects.get(code=chart.LOAN_INTEREST_INCOME).pk, "C", D("1187.50")),
    }
    assert repayment.entry.business_type == "L05"
    assert Account.objects.get(code=chart.LOAN_INTEREST_INCOME).balance == income + D("1187.50")
    case = WithdrawalApplication.objects.get(standing=instr)
    assert (case.reason, case.state, case.amount_approved, case.period, case.instruction_id) == (
        Reason.LOAN_REPAYMENT, "closed", D("2735.59"), MARCH, None)
    assert case.facts["loan_contract"] == loan.number and case.facts["loan_repayment"] == repayment.pk
    # the same month again pays nothing more; the next month pays installment 2
    again = standing.run_standing(actor=system_actor(), month=MARCH)
    assert again["status"] == "done" and LoanRepayment.objects.filter(contract=loan).count() == 1
    on(day(2026, 4, 1))
    standing.run_standing(actor=system_actor(), month=day(2026, 4, 1))
    assert ledger_balance(borrower) == D("27264.41") - D("2735.59")
    assert rows(loan)[1].principal_paid == D("1551.77")
    assert check_records()["differences"] == []


def test_monthly_offset_never_takes_frozen_money_and_takes_the_rest_from_the_spouse(staff, household, loan):
    borrower, spouse = household["borrower"], household["spouse"]
    freeze(borrower, "29000")  # a court freezes 29,000 of the borrower's 30,000: 1,000 can be used
    instructions = loan_funding.set_up_loan_offset(
        actor=staff["officer"], contract_number=loan.number, accounts=[spouse, borrower])
    assert len(instructions) == 2
    on(MARCH)
    standing.run_standing(actor=system_actor(), month=MARCH)
    assert ledger_balance(borrower) == D("29000.00")  # exactly the frozen money is left
    assert ledger_balance(spouse) == D("620000") - D("1735.59")
    repayment = LoanRepayment.objects.get(contract=loan)
    assert repayment.amount == D("2735.59")
    debits = sorted((ln.account_id, ln.amount) for ln in repayment.entry.lines.filter(side="D"))
    assert debits == sorted([(borrower.ledger_account_id, D("1000.00")), (spouse.ledger_account_id, D("1735.59"))])
    paid = dict(WithdrawalApplication.objects.filter(reason=Reason.LOAN_REPAYMENT).values_list("account_id",
                                                                                               "amount_approved"))
    assert paid == {borrower.pk: D("1000.00"), spouse.pk: D("1735.59")}
    assert check_records()["differences"] == []


def test_monthly_offset_keeps_the_minimum_balance_and_pays_part_when_short(staff, household, loan):
    borrower = household["borrower"]
    PolicyValue.objects.create(key="withdrawals.min_balance", effective_from=day(2026, 1, 1), value="500")
    freeze(borrower, "28000")  # 2,000 available, 500 must stay: 1,500 usable
    loan_funding.set_up_loan_offset(actor=staff["clerk"], contract_number=loan.number, accounts=[borrower])
    on(MARCH)
    result = standing.run_standing(actor=system_actor(), month=MARCH)
    assert D(result["amount"]) == D("1500.00")
    assert ledger_balance(borrower) == D("28500.00")
    first = rows(loan)[0]  # current installment: interest first, then principal
    assert (first.interest_paid, first.principal_paid) == (D("1187.50"), D("312.50"))
    assert check_records()["differences"] == []


def test_monthly_offset_stops_when_the_loan_is_paid_off(staff, household, loan, finance):  # noqa: F811
    borrower = household["borrower"]
    [instr] = loan_funding.set_up_loan_offset(actor=staff["clerk"], contract_number=loan.number,
                                               accounts=[borrower])
    LoanContract.objects.filter(pk=loan.pk).update(status=C.PAID_OFF)
    on(MARCH)
    entries = JournalEntry.objects.count()
    standing.run_standing(actor=system_actor(), month=MARCH)
    instr.refresh_from_db()
    assert instr.status == "stopped" and "已结清" in instr.stop_reason
    assert JournalEntry.objects.count() == entries and ledger_balance(borrower) == D("30000")
    LoanContract.objects.filter(pk=loan.pk).update(status=C.NORMAL)


def test_offset_set_up_refusals(staff, household, loan):
    other = factories.account(staff["clerk"], name="赵六")
    with pytest.raises(InvalidInput) as exc:
        loan_funding.set_up_loan_offset(actor=staff["clerk"], contract_number=loan.number, accounts=[other])
    assert exc.value.code == "not_a_party"
    with pytest.raises(InvalidInput) as exc:
        loan_funding.set_up_loan_offset(actor=staff["clerk"], contract_number="HT-NONE", accounts=[other])
    assert exc.value.code == "unknown_contract"
    with pytest.raises(Forbidden):
        loan_funding.set_up_loan_offset(actor=staff["reviewer"], contract_number=loan.number,
                                        accounts=[household["borrower"]])
    loan_funding.set_up_loan_offset(actor=staff["clerk"], contract_number=loan.number,
                                    accounts=[household["borrower"]])
    with pytest.raises(StateError) as exc:
        loan_funding.set_up_loan_offset(actor=staff["clerk"], contract_number=loan.number,
                                        accounts=[household["borrower"]])
    assert exc.value.code == "duplicate_standing"
    assert StandingInstruction.objects.count() == 1


# --- 一键还贷 -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("keep", "payment", "last"), [("term", D("2116.53"), 240), ("payment", D("2735.59"), 185)])
def test_one_step_repayment_pays_the_installment_due_then_prepays_domain_example(
    staff, household, loan, finance, keep, payment, last  # noqa: F811
):
    """DOMAIN.md §4.7 from the spouse's fund account: on installment 36's due date, 102,735.59 pays installment 36
    (2,735.59) and prepays 100,000 → keep the term: 2,116.53 a month; keep the payment: 149 months left."""
    spouse = household["spouse"]
    user = portal_user(spouse.depositor, "li_hong")
    pay_installments(loan, finance, 35)
    on(rows(loan)[35].due_date)
    preview = fund.fund_preview(contract=loan, usable=D("102735.59"))
    assert (preview["due_total"], preview["most"]) == (D("2735.59"), D("102735.59"))
    assert preview["plans"]["term"].result.payment_after == D("2116.53")
    assert preview["plans"]["payment"].result.months_left_after == 149
    app = loan_funding.repay_loan_from_fund(actor=user, account=spouse, contract_number=loan.number,
                                            amount="102735.59", keep=keep)
    assert (app.reason, app.state, app.amount_approved, app.channel) == ("06", "closed", D("102735.59"), "online")
    assert ledger_balance(spouse) == D("620000") - D("102735.59")
    schedule = rows(loan)
    assert schedule[35].balance == D("441888.82") and schedule[35].principal_paid == schedule[35].principal
    assert len(schedule) == last and schedule[36].payment == payment and schedule[-1].balance == 0
    assert sum(r.principal for r in schedule[36:]) == D("341888.82")
    assert Account.objects.get(pk=loan.ledger_account_id).balance == D("341888.82")
    made = LoanRepayment.objects.filter(contract=loan, source="fund").order_by("id")
    assert [(r.kind, r.amount) for r in made] == [("installment", D("2735.59")), ("prepayment", D("100000.00"))]
    assert check_records()["differences"] == []


def test_one_step_repayment_pays_off_when_enough_and_frees_the_family(staff, household, loan, finance):  # noqa: F811
    """Installment 1 paid on 10 March; on 25 March the payoff is 499,043.82 (15 days of interest). 600,000 asked:
    only the payoff amount is taken, the loan is 已结清 and the family has no outstanding fund loan."""
    spouse = household["spouse"]
    user = portal_user(spouse.depositor, "li_hong")
    pay_installments(loan, finance, 1)
    on(day(2026, 3, 25))
    before = app_services.context(draft(staff, household))
    assert before.outstanding_loans == 1
    app = loan_funding.repay_loan_from_fund(actor=user, account=spouse, contract_number=loan.number,
                                            amount="600000.00")
    assert app.amount_approved == D("499043.82") and app.facts["payoff"] is True
    assert ledger_balance(spouse) == D("620000") - D("499043.82")
    loan.refresh_from_db()
    assert (loan.status, loan.closed_on) == (C.PAID_OFF, day(2026, 3, 25))
    payoff = LoanRepayment.objects.get(contract=loan, kind="payoff")
    assert (payoff.principal, payoff.interest, payoff.source) == (D("498451.91"), D("591.91"), "fund")
    assert Account.objects.get(pk=loan.ledger_account_id).status == "closed"
    after = app_services.context(draft(staff, household))
    assert (after.outstanding_loans, after.loans_used) == (0, 1)
    # a repayment on the closed loan is refused and writes nothing
    written = counts()
    with pytest.raises(StateError) as exc:
        loan_funding.repay_loan_from_fund(actor=user, account=spouse, contract_number=loan.number, amount="100")
    assert exc.value.code == "loan_not_active" and counts() == written
    # the mortgage release: a loan officer, after the payoff, once
    with pytest.raises(Forbidden):
        fund.record_mortgage_release(actor=staff["clerk"], contract=loan, released_on=day(2026, 3, 25), number="X")
    with pytest.raises(InvalidInput):
        fund.record_mortgage_release(actor=staff["officer"], contract=loan, released_on=day(2026, 3, 1), number="X")
    released = fund.record_mortgage_release(actor=staff["officer"], contract=loan, released_on=day(2026, 3, 25),
                                            number="示范不动产注销第0001号")
    assert (released.mortgage_released_on, released.mortgage_release_number) == (
        day(2026, 3, 25), "示范不动产注销第0001号")
    with pytest.raises(StateError):
        fund.record_mortgage_release(actor=staff["officer"], contract=loan, released_on=day(2026, 3, 25), number="Y")
    assert check_records()["differences"] == []


def test_mortgage_release_refused_before_payoff(staff, loan):
    with pytest.raises(StateError) as exc:
        fund.record_mortgage_release(actor=staff["officer"], contract=loan, released_on=day(2026, 2, 10), number="X")
    assert exc.value.code == "not_paid_off"


def test_one_step_repayment_refusals_write_nothing(staff, household, loan, finance):  # noqa: F811
    borrower, spouse = household["borrower"], household["spouse"]
    user = portal_user(borrower.depositor, "wang_jg")
    on(day(2026, 3, 10))  # installment 1 due today: 2,735.59
    written = counts()

    def refused(exc_type, code=None, account=borrower, amount="5000", keep="term", actor=user):
        with pytest.raises(exc_type) as exc:
            loan_funding.repay_loan_from_fund(actor=actor, account=account, contract_number=loan.number,
                                              amount=amount, keep=keep)
        if code:
            assert exc.value.code == code
        assert counts() == written
        return exc.value

    refused(InsufficientFunds, "above_available", amount="30000.01")  # above the balance
    refused(InvalidInput, "below_minimum", amount="5000")  # 2,735.59 due + 2,264.41: below the 10,000 minimum
    refused(InvalidInput, "bad_amount", amount="-1")
    refused(InvalidInput, "bad_amount", amount="12.345")
    refused(InvalidInput, "bad_amount", amount="abc")
    refused(Forbidden, "not_own_account", account=spouse)  # the spouse confirms her own account herself
    freeze(borrower, "25000")  # frozen money is never used: 5,000 left
    refused(InsufficientFunds, "above_available", amount="12735.59")
    PolicyValue.objects.create(key="withdrawals.min_balance", effective_from=day(2026, 1, 1), value="3000")
    refused(InsufficientFunds, "above_available", amount="2735.59")  # 5,000 − 3,000 = 2,000 usable
    # what can be used still pays part of the installment due (interest first)
    loan_funding.repay_loan_from_fund(actor=user, account=borrower, contract_number=loan.number, amount="2000")
    assert ledger_balance(borrower) == D("28000.00")
    first = rows(loan)[0]
    assert (first.interest_paid, first.principal_paid) == (D("1187.50"), D("812.50"))
    assert check_records()["differences"] == []


def test_another_persons_account_cannot_repay_the_loan(staff, household, loan):
    other = factories.account(staff["clerk"], name="赵六")
    factories.deposit(other, "50000")
    user = portal_user(other.depositor, "zhao6")
    on(day(2026, 3, 10))
    written = counts()
    with pytest.raises(ApplicationError) as exc:
        loan_funding.repay_loan_from_fund(actor=user, account=other, contract_number=loan.number, amount="2735.59")
    assert exc.value.code == "not_a_party" and counts() == written
