"""The money side of loans on PostgreSQL: disbursement to the payee the home allows (four eyes, once), the
loan's ledger sub-account, repayments allocated penalty → overdue interest → overdue principal → current,
prepayment both ways (DOMAIN.md §4.7's example), payoff, and the reconciliation of loan balances."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.contrib.auth.models import User

from core.errors import Forbidden, InvalidInput, StateError
from core.models import AuditEvent
from ledger import chart
from ledger.models import Account, BankInstruction, BankStatementLine, JournalEntry
from ledger.reconciliation import check_records
from loans import services
from loans.models import LoanContract, LoanRepayment, ScheduleInstallment, SchedulePlan
from tests import factories
from tests.conftest import make_user
from tests.loans.conftest import on
from tests.loans.test_applications import approved

D = Decimal
day = datetime.date
C = LoanContract.Status
ESCROW = "6222000011112222"
FEB_10 = day(2026, 2, 10)


@pytest.fixture
def finance(staff):
    return make_user("l_finance", "finance")


def example_a(staff, household, method="equal_installment"):
    """An approved application with a signed contract on Example A's terms (¥500,000, 2.85 %, 240 months, equal
    installment: 2,735.59 a month) and its schedule; the bank holds the money to lend."""
    app = approved(staff, household)
    contract = LoanContract.objects.create(
        number=f"HT{app.pk:08d}",
        application=app,
        borrower=app.borrower,
        principal=D("500000.00"),
        annual_rate=D("0.0285"),
        term_months=240,
        method=method,
        signed_on=day(2026, 1, 15),
        first_due_date=day(2026, 2, 15),
    )
    services.store_schedule(actor=staff["officer"], contract=contract)
    factories.deposit(household["spouse"], "600000")  # money in the bank to lend
    return contract


def disbursed(staff, household, finance, when=FEB_10, method="equal_installment"):
    contract = example_a(staff, household, method)
    services.register_escrow_account(
        actor=finance, kind="presale", number=ESCROW, name="示范置业有限公司预售资金监管户", bank="示范银行"
    )
    on(when)
    contract = services.disburse(actor=finance, contract=contract, payee_kind="presale_escrow", payee_account=ESCROW)
    return services.confirm_disbursement(actor=finance, contract=contract, bank_reference="B0001")


def receipt(amount, ref):
    """Money the bank received for the loan (a statement line from the bank's channel, not booked yet)."""
    return BankStatementLine.objects.create(
        bank_account=factories.bank_account(),
        bank_reference=ref,
        value_date=day(2026, 1, 1),
        direction="C",
        amount=D(amount),
        counterparty_name="王建国",
    )


def rows(contract):
    return ScheduleInstallment.objects.in_force_of(contract.pk)


def balance(code):
    return Account.objects.get(code=code).balance


# --- disbursement ------------------------------------------------------------------------------------------------


def test_disbursement_pays_the_escrow_account_and_dates_the_schedule(staff, household, finance):
    contract = example_a(staff, household)
    services.register_escrow_account(
        actor=finance, kind="presale", number=ESCROW, name="示范置业有限公司预售资金监管户", bank="示范银行"
    )
    on(day(2026, 1, 31))
    bank_code = factories.bank_account().ledger_account.code
    bank_before = balance(bank_code)
    contract = services.disburse(actor=finance, contract=contract, payee_kind="presale_escrow", payee_account=ESCROW)
    assert contract.status == C.DISBURSING and contract.disbursed_on == day(2026, 1, 31)
    assert contract.ledger_account.code == f"121-L-{contract.number}"
    assert contract.ledger_account.parent.code == chart.ENTRUSTED_LOANS
    assert balance(contract.ledger_account.code) == D("500000.00")
    instruction = contract.disbursement
    assert (instruction.amount, instruction.payee_account, instruction.payee_name, instruction.status) == (
        D("500000.00"),
        ESCROW,
        "示范置业有限公司预售资金监管户",
        BankInstruction.Status.PENDING,
    )
    assert balance(bank_code) == bank_before - D("500000.00")
    # the schedule is dated from the disbursement: 31 January → 28 February, then the 28th of each month
    schedule = rows(contract)
    assert (contract.first_due_date, schedule[0].due_date, schedule[1].due_date) == (
        day(2026, 2, 28),
        day(2026, 2, 28),
        day(2026, 3, 28),
    )
    assert schedule[-1].due_date == day(2046, 1, 28)
    assert check_records()["differences"] == []
    contract = services.confirm_disbursement(actor=finance, contract=contract, bank_reference="B0001")
    assert contract.status == C.NORMAL
    instruction.refresh_from_db()
    assert instruction.status == BankInstruction.Status.SETTLED
    with pytest.raises(StateError, match="只有待放款的合同才能放款"):
        services.disburse(actor=finance, contract=contract, payee_kind="presale_escrow", payee_account=ESCROW)
    assert BankInstruction.objects.filter(source=f"loan:{contract.pk}").count() == 1
    assert AuditEvent.objects.filter(action="loan_contract.disburse", object_id=str(contract.pk)).count() == 1


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"payee_kind": "presale_escrow", "payee_account": "6222000099990000"}, "payee_account", "不是已登记的预售"),
        ({"payee_kind": "seller", "payee_account": ESCROW, "payee_name": "某人"}, "payee_kind", "只能发放至：预售"),
        ({"payee_kind": "presale_escrow", "payee_account": "12ab"}, "payee_account", "8 至 32 位数字"),
    ],
)
def test_disbursement_to_another_payee_is_refused_and_writes_nothing(staff, household, finance, kwargs, field, message):
    contract = example_a(staff, household)
    services.register_escrow_account(actor=finance, kind="presale", number=ESCROW, name="监管户", bank="示范银行")
    entries = JournalEntry.objects.count()
    with pytest.raises(InvalidInput, match=message) as exc:
        services.disburse(actor=finance, contract=contract, **kwargs)
    assert field in exc.value.fields
    contract.refresh_from_db()
    assert contract.status == C.AWAITING_DISBURSEMENT and contract.ledger_account_id is None
    assert JournalEntry.objects.count() == entries and not BankInstruction.objects.filter(source__startswith="loan:")


def test_disbursement_needs_finance_and_a_fifth_person(staff, household, finance):
    contract = example_a(staff, household)
    services.register_escrow_account(actor=finance, kind="presale", number=ESCROW, name="监管户", bank="示范银行")
    with pytest.raises(Forbidden):
        services.disburse(actor=staff["officer"], contract=contract, payee_kind="presale_escrow", payee_account=ESCROW)
    staff["approver"].groups.add(finance.groups.get())  # the approver of this case, also in finance
    approver = User.objects.get(pk=staff["approver"].pk)
    with pytest.raises(Forbidden, match="须由其他财务人员放款"):
        services.disburse(actor=approver, contract=contract, payee_kind="presale_escrow", payee_account=ESCROW)
    assert not BankInstruction.objects.filter(source__startswith="loan:")


def test_failed_disbursement_is_reversed_and_can_be_paid_again(staff, household, finance):
    contract = example_a(staff, household)
    services.register_escrow_account(actor=finance, kind="presale", number=ESCROW, name="监管户", bank="示范银行")
    on(day(2026, 2, 10))
    contract = services.disburse(actor=finance, contract=contract, payee_kind="presale_escrow", payee_account=ESCROW)
    contract = services.fail_disbursement(actor=finance, contract=contract, reason="收款账户冻结")
    assert contract.status == C.AWAITING_DISBURSEMENT and contract.disbursed_on is None
    assert balance(contract.ledger_account.code) == 0
    assert check_records()["differences"] == []
    contract = services.disburse(actor=finance, contract=contract, payee_kind="presale_escrow", payee_account=ESCROW)
    assert contract.status == C.DISBURSING and balance(contract.ledger_account.code) == D("500000.00")
    assert BankInstruction.objects.filter(source=f"loan:{contract.pk}").count() == 2


# --- repayments --------------------------------------------------------------------------------------------------


def test_repayment_pays_penalty_then_overdue_then_current(staff, household, finance):
    contract = disbursed(staff, household, finance)  # 10 February: first due 10 March, second 10 April
    on(day(2026, 4, 9))  # installment 1 is 30 days late (3 grace days, no penalty inside them: 27 days)
    due = services.amount_due(contract=contract)
    penalty = (D("2735.59") * D("0.0285") * D("1.5") * 27 / 360).quantize(D("0.01"), ROUND_HALF_UP)
    assert penalty == D("8.77")
    assert [(d.number, d.overdue, d.penalty, d.interest, d.principal) for d in due["dues"]] == [
        (1, True, D("8.77"), D("1187.50"), D("1548.09")),
        (2, False, D("0"), D("1183.82"), D("1551.77")),
    ]
    assert due["total"] == D("5479.95")
    income, penalties = balance(chart.LOAN_INTEREST_INCOME), balance(chart.PENALTY_INCOME)
    repayment = services.repay(actor=finance, contract=contract, line=receipt("3000.00", "R1"))
    assert (repayment.penalty, repayment.interest, repayment.principal) == (D("8.77"), D("1443.14"), D("1548.09"))
    assert repayment.allocation == [
        {"number": 1, "penalty": "8.77", "interest": "1187.50", "principal": "1548.09"},
        {"number": 2, "penalty": "0.00", "interest": "255.64", "principal": "0.00"},
    ]
    first, second = rows(contract)[:2]
    assert (first.principal_paid, first.interest_paid, first.penalty_paid) == (
        D("1548.09"),
        D("1187.50"),
        D("8.77"),
    )
    assert (second.principal_paid, second.interest_paid) == (D("0"), D("255.64"))
    assert balance(contract.ledger_account.code) == D("500000.00") - D("1548.09")
    assert balance(chart.LOAN_INTEREST_INCOME) - income == D("1443.14")
    assert balance(chart.PENALTY_INCOME) - penalties == D("8.77")
    assert BankStatementLine.objects.get(bank_reference="R1").match_status == "booked"
    contract.refresh_from_db()
    assert contract.status == C.NORMAL
    # what is left due now is the rest of installment 2: more is refused and writes nothing
    with pytest.raises(InvalidInput, match="超过当前应还的 2,479.95 元") as exc:
        services.repay(actor=finance, contract=contract, line=receipt("2479.96", "R2"))
    assert exc.value.code == "more_than_due"
    assert BankStatementLine.objects.get(bank_reference="R2").match_status == "unmatched"
    services.repay(actor=finance, contract=contract, line=receipt("2479.95", "R3"))
    second = rows(contract)[1]
    assert (second.principal_paid, second.interest_paid) == (D("1551.77"), D("1183.82"))
    assert check_records()["differences"] == []


def test_a_statement_line_is_used_once_and_a_closed_loan_takes_nothing(staff, household, finance):
    contract = disbursed(staff, household, finance)
    on(day(2026, 3, 10))
    line = receipt("2735.59", "R1")
    services.repay(actor=finance, contract=contract, line=line)
    with pytest.raises(StateError) as exc:
        services.repay(actor=finance, contract=contract, line=line)
    assert exc.value.code == "already_booked"
    assert LoanRepayment.objects.filter(contract=contract).count() == 1
    LoanContract.objects.filter(pk=contract.pk).update(status=C.PAID_OFF)
    with pytest.raises(StateError) as exc:
        services.repay(actor=finance, contract=contract, line=receipt("100.00", "R9"))
    assert exc.value.code == "loan_not_active"
    LoanContract.objects.filter(pk=contract.pk).update(status=C.NORMAL)


# --- prepayment and payoff ---------------------------------------------------------------------------------------


def pay_installments(contract, finance, count):
    for row in rows(contract)[:count]:
        on(row.due_date)
        services.repay(actor=finance, contract=contract, line=receipt(str(row.payment), f"I{row.number}"))


@pytest.mark.parametrize(("keep", "payment", "last"), [("term", D("2116.53"), 240), ("payment", D("2735.59"), 185)])
def test_prepayment_after_36_installments_domain_example(staff, household, finance, keep, payment, last):
    contract = disbursed(staff, household, finance)
    pay_installments(contract, finance, 36)
    assert rows(contract)[35].balance == D("441888.82")
    repayment = services.prepay(actor=finance, contract=contract, line=receipt("100000.00", "P1"), keep=keep)
    assert (repayment.principal, repayment.interest, repayment.keep) == (D("100000.00"), D("0"), keep)
    schedule = rows(contract)
    assert len(schedule) == last and schedule[-1].number == last and schedule[-1].balance == 0
    assert schedule[36].payment == payment
    assert sum(r.principal for r in schedule[36:]) == D("341888.82")
    assert schedule[35].principal_paid == schedule[35].principal  # the installments paid stay as they were
    superseded = ScheduleInstallment.objects.filter(contract=contract, superseded_on__isnull=False)
    assert not superseded.filter(number__lte=36).exists()  # the rows paid stay in force; the plan is history
    old, new = SchedulePlan.objects.filter(contract=contract).order_by("id")
    assert (old.superseded_on, new.superseded_on, new.first_number) == (repayment.paid_on, None, 37)
    assert len(new.principals) == last - 36 and sum(new.principals) == 34188882
    assert balance(contract.ledger_account.code) == D("341888.82")
    assert check_records()["differences"] == []


def test_prepayment_refusals(staff, household, finance):
    contract = disbursed(staff, household, finance)
    pay_installments(contract, finance, 1)
    with pytest.raises(InvalidInput, match="不得低于 10,000.00 元") as exc:
        services.prepay(actor=finance, contract=contract, line=receipt("9999.99", "P0"), keep="term")
    assert exc.value.code == "below_minimum"
    with pytest.raises(InvalidInput, match="提前结清"):
        services.prepay(actor=finance, contract=contract, line=receipt("498451.91", "P00"), keep="term")
    services.prepay(actor=finance, contract=contract, line=receipt("10000.00", "P1"), keep="term")
    services.prepay(actor=finance, contract=contract, line=receipt("10000.00", "P2"), keep="payment")
    with pytest.raises(InvalidInput) as exc:
        services.prepay(actor=finance, contract=contract, line=receipt("10000.00", "P3"), keep="term")
    assert exc.value.code == "prepayment_count"
    on(day(2026, 5, 1))  # installment 2 (10 April) is unpaid
    with pytest.raises(StateError, match="请先归还已到期的各期款项"):
        services.prepay(actor=finance, contract=contract, line=receipt("20000.00", "P4"), keep="term")
    owed = D("500000.00") - D("1548.09") - D("20000.00")  # the second prepayment re-amortised what the first left
    assert balance(contract.ledger_account.code) == owed
    assert sum(r.principal for r in rows(contract)[1:]) == owed
    assert LoanRepayment.objects.filter(contract=contract, kind="prepayment").count() == 2


def test_payoff_closes_the_loan(staff, household, finance):
    contract = disbursed(staff, household, finance)
    pay_installments(contract, finance, 1)  # 10 March
    on(day(2026, 3, 25))
    quote = services.payoff_quote(contract=contract)
    assert (quote.principal, quote.days, quote.interest, quote.total) == (
        D("498451.91"),
        15,
        D("591.91"),
        D("499043.82"),
    )
    with pytest.raises(InvalidInput, match="结清金额为 499,043.82 元") as exc:
        services.pay_off(actor=finance, contract=contract, line=receipt("499000.00", "X1"))
    assert exc.value.code == "payoff_amount"
    income = balance(chart.LOAN_INTEREST_INCOME)
    repayment = services.pay_off(actor=finance, contract=contract, line=receipt("499043.82", "X2"))
    assert (repayment.principal, repayment.interest) == (D("498451.91"), D("591.91"))
    contract.refresh_from_db()
    assert (contract.status, contract.closed_on) == (C.PAID_OFF, day(2026, 3, 25))
    loan_account = Account.objects.get(pk=contract.ledger_account_id)
    assert loan_account.balance == 0 and loan_account.status == Account.Status.CLOSED
    assert balance(chart.LOAN_INTEREST_INCOME) - income == D("591.91")
    assert rows(contract) == rows(contract)[:1]  # only the installment paid is still in force
    assert ScheduleInstallment.objects.filter(contract=contract, superseded_on=day(2026, 3, 25)).exists()
    assert not SchedulePlan.objects.filter(contract=contract, superseded_on__isnull=True).exists()
    with pytest.raises(StateError):
        services.repay(actor=finance, contract=contract, line=receipt("100.00", "X3"))
    assert check_records()["differences"] == []


def test_reconciliation_names_a_loan_whose_schedule_disagrees_with_the_ledger(staff, household, finance):
    contract = disbursed(staff, household, finance)
    ScheduleInstallment.objects.filter(contract=contract, number=1).update(principal_paid=D("1.00"))
    diffs = [d for d in check_records()["differences"] if d["kind"] == "loan_outstanding"]
    assert [(d["record"], d["account"], d["record_amount"]) for d in diffs] == [
        (f"loan {contract.number}", f"121-L-{contract.number}", "499999.00")
    ]
    ScheduleInstallment.objects.filter(contract=contract, number=1).update(principal_paid=D("0"))


# --- what withdrawals learn about repayments ---------------------------------------------------------------------


def test_verified_repayments_are_the_centers_own_records(staff, household, finance):
    from loans import selectors

    borrower, spouse = household["borrower"].depositor, household["spouse"].depositor
    assert (
        selectors.verified_repayments(
            viewer=finance, depositor=borrower, since=day(2026, 1, 1), until=day(2026, 12, 31)
        )
        is None
    )  # no loan of theirs
    contract = disbursed(staff, household, finance)
    assert contract.application.parties.get(role="spouse").depositor == spouse  # the spouse borrows too
    pay_installments(contract, finance, 3)  # 10 March, 10 April, 10 May: 2,735.59 each
    on(day(2026, 7, 20))  # installment 4 (10 June) is 40 days late: its penalty is not a repayment of the loan
    repayment = services.repay(actor=finance, contract=contract, line=receipt("2800.00", "L4"))
    assert repayment.penalty > 0
    paid = D("2735.59") * 3 + repayment.principal + repayment.interest
    for who in (borrower, spouse):
        assert (
            selectors.verified_repayments(viewer=finance, depositor=who, since=day(2026, 3, 10), until=day(2026, 7, 20))
            == paid
        )
    assert (
        selectors.verified_repayments(
            viewer=finance, depositor=borrower, since=day(2026, 3, 11), until=day(2026, 5, 10)
        )
        == D("2735.59") * 2
    )
    assert (
        selectors.verified_repayments(viewer=None, depositor=borrower, since=day(2026, 1, 1), until=day(2026, 12, 31))
        is None
    )  # an unknown viewer sees nothing


def test_a_loan_repayment_withdrawal_is_approved_by_rule_on_the_loan_records(staff, household, finance):
    from tests.loans.conftest import portal_user
    from tests.withdrawals.conftest import CARD, doc
    from withdrawals import services as withdrawal_services
    from withdrawals.models import DocumentType, Reason, WithdrawalApplication

    contract = disbursed(staff, household, finance)
    pay_installments(contract, finance, 4)  # 10 March … 10 June
    on(day(2026, 6, 20))
    account = household["borrower"]
    user = portal_user(account.depositor, "borrower_w")

    def apply(amount, facts):
        return withdrawal_services.apply(
            actor=user,
            account=account,
            reason=Reason.LOAN_REPAYMENT,
            amount=amount,
            facts=facts,
            payee_card=CARD,
            payee_name="王建国",
            documents=[(DocumentType.LOAN_STATEMENT, doc())],
        )

    with pytest.raises(InvalidInput) as exc:  # the loan records show 10,942.36 repaid, not the 20,000 typed
        apply("20000", {"loan_kind": "center", "repaid": "20000"})
    assert exc.value.code == "above_maximum"
    app = apply("10942.36", {"loan_kind": "center"})
    assert app.state == WithdrawalApplication.State.PAID and app.auto_rule.startswith("auto:")
    assert app.amount_approved == D("10942.36")


def test_allocation_order_across_installments():
    from loans import calculations as calc

    dues = [
        calc.Due(1, True, D("1.00"), D("10.00"), D("100.00")),
        calc.Due(2, True, D("2.00"), D("10.00"), D("100.00")),
        calc.Due(3, False, D("0"), D("10.00"), D("100.00")),
        calc.Due(4, False, D("0"), D("9.00"), D("101.00")),
    ]
    parts, left = calc.allocate(D("25.00"), dues)
    assert [(p.number, p.penalty, p.interest, p.principal) for p in parts] == [
        (1, D("1.00"), D("10.00"), D("2.00")),
        (2, D("2.00"), D("10.00"), D("0")),
    ] and left == 0
    parts, left = calc.allocate(D("345.00"), dues)  # overdue in full, then installment 3 before installment 4
    assert [(p.number, p.interest, p.principal) for p in parts] == [
        (1, D("10.00"), D("100.00")),
        (2, D("10.00"), D("100.00")),
        (3, D("10.00"), D("100.00")),
        (4, D("9.00"), D("3.00")),
    ] and left == 0
    parts, left = calc.allocate(D("500.00"), dues)
    assert sum(p.total for p in parts) == D("443.00") and left == D("57.00")


def test_the_banks_answer_moves_the_contracts(staff, household, finance):
    from core.actors import system_actor
    from ledger import services as ledger_services

    contract = example_a(staff, household)
    services.register_escrow_account(actor=finance, kind="presale", number=ESCROW, name="监管户", bank="示范银行")
    on(FEB_10)
    contract = services.disburse(actor=finance, contract=contract, payee_kind="presale_escrow", payee_account=ESCROW)
    assert ledger_services.simulate_bank(fail_accounts=[ESCROW], actor=system_actor()) == (0, 1)
    assert services.sync_disbursements(actor=system_actor()) == {"settled": 0, "failed": 1}
    contract.refresh_from_db()
    assert contract.status == C.AWAITING_DISBURSEMENT and balance(contract.ledger_account.code) == 0
    contract = services.disburse(actor=finance, contract=contract, payee_kind="presale_escrow", payee_account=ESCROW)
    assert ledger_services.simulate_bank(actor=system_actor()) == (1, 0)
    assert services.sync_disbursements(actor=system_actor()) == {"settled": 1, "failed": 0}
    contract.refresh_from_db()
    assert contract.status == C.NORMAL and balance(contract.ledger_account.code) == D("500000.00")
    assert check_records()["differences"] == []


def test_a_bank_without_the_money_refuses_the_disbursement_and_writes_nothing(staff, household, finance):
    from core.errors import InsufficientFunds

    app = approved(staff, household)
    contract = LoanContract.objects.create(
        number="HT99999999",
        application=app,
        borrower=app.borrower,
        principal=D("5000000.00"),
        annual_rate=D("0.0285"),
        term_months=240,
        method="equal_installment",
        signed_on=day(2026, 1, 15),
        first_due_date=day(2026, 2, 15),
    )
    services.store_schedule(actor=staff["officer"], contract=contract)
    services.register_escrow_account(actor=finance, kind="presale", number=ESCROW, name="监管户", bank="示范银行")
    entries, accounts = JournalEntry.objects.count(), Account.objects.count()
    with pytest.raises(InsufficientFunds):
        services.disburse(actor=finance, contract=contract, payee_kind="presale_escrow", payee_account=ESCROW)
    contract.refresh_from_db()
    assert contract.status == C.AWAITING_DISBURSEMENT and contract.ledger_account_id is None
    assert (JournalEntry.objects.count(), Account.objects.count()) == (entries, accounts)


def test_reconciliation_names_a_loan_account_no_contract_owns(staff, household, finance):
    from core.actors import system_actor
    from ledger import services as ledger_services
    from ledger.posting import credit, debit, post

    disbursed(staff, household, finance)
    stray = ledger_services.open_sub_account(parent_code="121", code="121-X-1", name="无合同贷款户", role="general")
    bank = factories.bank_account().ledger_account
    post(lines=[debit(stray, D("100.00")), credit(bank, D("100.00"))], memo="test", actor=system_actor())
    diffs = [d for d in check_records()["differences"] if d["kind"] == "loan_control"]
    assert [(d["record_amount"], d["ledger_amount"]) for d in diffs] == [("500000.00", "500100.00")]
    post(lines=[debit(bank, D("100.00")), credit(stray, D("100.00"))], memo="test", actor=system_actor())


@pytest.mark.parametrize(
    ("changes", "payees"),
    [
        ({}, ("presale_escrow",)),
        ({"property_kind": "resale"}, ("seller", "escrow")),
        ({"property_kind": "own", "purpose": "repair"}, ("borrower",)),
        ({"purpose": "conversion", "property_kind": "resale"}, ("commercial_bank",)),
    ],
)
def test_who_a_loan_may_be_paid_to(changes, payees):
    from loans.models import LoanApplication

    app = LoanApplication(purpose="purchase", property_kind="new")
    for field, value in changes.items():
        setattr(app, field, value)
    assert services.allowed_payees(app) == payees


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"kind": "other"}, "kind"),
        ({"number": "abc"}, "number"),
        ({"name": " "}, "name"),
        ({"bank": "行" * 121}, "bank"),
        ({"project": ["x"]}, "project"),
    ],
)
def test_escrow_registration_refuses_bad_input(finance, kwargs, field):
    from loans.models import EscrowAccount

    data = {"kind": "presale", "number": ESCROW, "name": "监管户", "bank": "示范银行", "project": ""} | kwargs
    with pytest.raises(InvalidInput) as exc:
        services.register_escrow_account(actor=finance, **data)
    assert field in exc.value.fields and not EscrowAccount.objects.exists()


# --- overdue principal (122) -------------------------------------------------------------------------------------


def test_overdue_principal_moves_to_122_and_back_when_repaid(staff, household, finance):
    contract = disbursed(staff, household, finance)  # first due 10 March
    normal, overdue = contract.ledger_account.code, contract.overdue_account.code
    assert (overdue, Account.objects.get(code=overdue).parent.code) == (f"122-L-{contract.number}", "122")
    on(day(2026, 3, 13))  # inside the 3 grace days: nothing is overdue
    assert services.classify_overdue(actor=finance)["moved"] == 0
    on(day(2026, 3, 20))
    result = services.classify_overdue(actor=finance)
    assert (result["moved"], result["overdue"], result["became_overdue"]) == (1, 1, 1)
    assert (balance(normal), balance(overdue)) == (D("498451.91"), D("1548.09"))
    contract.refresh_from_db()
    assert contract.status == C.OVERDUE
    entries = JournalEntry.objects.count()
    assert services.classify_overdue(actor=finance)["moved"] == 0  # run twice: nothing more
    assert JournalEntry.objects.count() == entries
    assert check_records()["differences"] == []
    due = services.amount_due(contract=contract)["overdue"]  # installment 1, 10 days late: 7 days' penalty
    assert (D("2735.59") * D("0.0285") * D("1.5") * 7 / 360).quantize(D("0.01"), ROUND_HALF_UP) == D("2.27")
    assert due == D("2737.86")
    repayment = services.repay(actor=finance, contract=contract, line=receipt(str(due), "O1"))
    assert repayment.principal == D("1548.09")
    assert (balance(normal), balance(overdue)) == (D("498451.91"), D("0.00"))
    contract.refresh_from_db()
    assert contract.status == C.NORMAL
    on(day(2026, 4, 20))  # installment 2 (10 April) unpaid: repaid in part without a classification run
    repayment = services.repay(actor=finance, contract=contract, line=receipt("2000.00", "O2"))
    paid = repayment.principal
    second = rows(contract)[1]
    assert balance(overdue) == second.principal - second.principal_paid  # it moved to 122 with the repayment
    assert balance(normal) + balance(overdue) == D("498451.91") - paid
    contract.refresh_from_db()
    assert contract.status == C.OVERDUE
    assert check_records()["differences"] == []


def test_equal_principal_prepayment_keeping_the_term(staff, household, finance):
    contract = disbursed(staff, household, finance, method="equal_principal")
    first = rows(contract)[0]
    assert (first.principal, first.interest, first.payment) == (D("2083.33"), D("1187.50"), D("3270.83"))
    pay_installments(contract, finance, 1)
    services.prepay(actor=finance, contract=contract, line=receipt("100000.00", "EP1"), keep="term")
    schedule = rows(contract)
    # 397,916.67 over the 239 months left: principal round(397,916.67 / 239) = 1,664.92, interest 945.05
    assert (schedule[1].principal, schedule[1].interest, schedule[1].payment) == (
        D("1664.92"),
        D("945.05"),
        D("2609.97"),
    )
    assert len(schedule) == 240 and sum(r.principal for r in schedule[1:]) == D("397916.67")
    assert balance(contract.ledger_account.code) == D("397916.67")
