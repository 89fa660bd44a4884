"""The yearly repricing of existing loans (DOMAIN.md §4.5, loans.services.repricing): a loan of more than a year
disbursed in 2024 at 2.85 % moves to 2.60 % (the 2025-05-08 table) on 2026-01-01."""

import datetime
from decimal import ROUND_HALF_UP, Decimal, localcontext

import pytest
from django.core.management import call_command

from core.actors import system_actor
from core.errors import Forbidden
from core.models import AuditEvent
from ledger.reconciliation import check_records
from loans import services, tasks
from loans.calculations import fen
from loans.models import LoanContract, ScheduleInstallment, SchedulePlan
from loans.services import repricing
from tests import factories
from tests.conftest import make_user
from tests.loans.conftest import on
from tests.loans.test_applications import approved
from tests.loans.test_money import ESCROW, receipt

D = Decimal
day = datetime.date
JAN_1 = day(2026, 1, 1)


@pytest.fixture
def finance(staff):
    return make_user("l_finance", "finance")


def loan(staff, household, finance, *, disbursed_on, principal="500000.00", rate="0.0285", months=240, method=None):
    """An approved application's contract on the given terms, its schedule stored and the loan disbursed (and
    confirmed by the bank) on ``disbursed_on``: installment k is due k months later."""
    app = approved(staff, household)
    contract = LoanContract.objects.create(
        number=f"HT{app.pk:08d}",
        application=app,
        borrower=app.borrower,
        principal=D(principal),
        annual_rate=D(rate),
        term_months=months,
        method=method or "equal_installment",
        signed_on=disbursed_on,
        first_due_date=disbursed_on + datetime.timedelta(days=30),
    )
    services.store_schedule(actor=staff["officer"], contract=contract)
    factories.deposit(household["spouse"], principal)  # money in the bank to lend
    services.register_escrow_account(
        actor=finance, kind="presale", number=ESCROW, name="示范置业有限公司预售资金监管户", bank="示范银行"
    )
    on(disbursed_on)
    contract = services.disburse(actor=finance, contract=contract, payee_kind="presale_escrow", payee_account=ESCROW)
    return services.confirm_disbursement(actor=finance, contract=contract, bank_reference="B0001")


def in_force(contract):
    return ScheduleInstallment.objects.in_force_of(contract.pk)


def pay_until(contract, finance, last_due):
    """Pay every installment due up to ``last_due``, each on its due date."""
    for row in in_force(contract):
        if row.due_date > last_due:
            break
        on(row.due_date)
        services.repay(actor=finance, contract=contract, line=receipt(str(row.payment), f"I{row.number}"))


def domain_payment(balance, annual_rate, months):
    """DOMAIN.md §4.6: M = B·r·(1+r)^n / ((1+r)^n − 1), r = annual / 12, rounded half-up to the fen."""
    with localcontext() as ctx:
        ctx.prec = 50
        r = D(annual_rate) / 12
        growth = (1 + r) ** months
        return (D(balance) * r * growth / (growth - 1)).quantize(D("0.01"), rounding=ROUND_HALF_UP)


def snapshot(contract):
    rows = ScheduleInstallment.objects.filter(contract=contract).order_by("number", "id")
    return [
        (r.number, r.due_date, r.principal, r.interest, r.payment, r.balance, r.annual_rate, r.superseded_on)
        for r in rows
    ]


def run(year=2026):
    on(day(year, 1, 1))
    return repricing.reprice(year=year, actor=system_actor())


def test_a_2024_loan_moves_to_the_2025_rate_on_january_1(staff, household, finance):
    contract = loan(staff, household, finance, disbursed_on=day(2024, 7, 10))
    pay_until(contract, finance, day(2025, 12, 31))  # installments 1–17 (2024-08-10 … 2025-12-10) paid
    before = in_force(contract)
    assert before[16].due_date == day(2025, 12, 10) and before[17].due_date == day(2026, 1, 10)
    balance = before[16].balance

    result = run()

    assert (result.contracts, result.installments, result.rate_only) == (1, 223, 0)
    contract.refresh_from_db()
    assert contract.annual_rate == D("0.026")
    assert [h.annual_rate for h in contract.history.order_by("history_id")][-2:] == [D("0.0285"), D("0.026")]
    assert contract.history.order_by("history_id").last().history_change_reason == "repricing 2026"
    rows = in_force(contract)
    assert len(rows) == 240 and [r.number for r in rows] == list(range(1, 241))
    assert [(r.principal, r.interest, r.annual_rate) for r in rows[:17]] == [
        (r.principal, r.interest, r.annual_rate) for r in before[:17]
    ]
    payment = domain_payment(balance, "0.026", 223)
    first = rows[17]
    assert first.due_date == day(2026, 1, 10) and first.annual_rate == D("0.026")
    assert first.interest == (balance * D("0.026") / 12).quantize(D("0.01"), rounding=ROUND_HALF_UP)
    assert all(r.payment == payment for r in rows[17:-1])
    assert sum(r.principal for r in rows[17:]) == balance and rows[-1].balance == D("0.00")
    assert rows[-1].due_date == day(2044, 7, 10)
    superseded = ScheduleInstallment.objects.filter(contract=contract, superseded_on=JAN_1)
    # the rows stored then (up to the horizon) are history, and so is the plan they came from
    numbers = sorted(superseded.values_list("number", flat=True))
    assert numbers == list(range(18, numbers[-1] + 1)) and {r.annual_rate for r in superseded} == {D("0.0285")}
    old, new = SchedulePlan.objects.filter(contract=contract).order_by("id")
    assert (old.superseded_on, new.superseded_on, new.first_number, len(new.principals)) == (JAN_1, None, 18, 223)
    assert (old.annual_rate, new.annual_rate, sum(new.principals)) == (D("0.0285"), D("0.026"), fen(balance))
    assert AuditEvent.objects.filter(action="loan_contract.reprice").count() == 1
    assert check_records()["differences"] == []


def test_the_exact_payment_of_example_a_figures(staff, household, finance):
    """The figure of the test above, pinned: 2,735.59 a month at 2.85 %, balance after 17 installments,
    then the new payment at 2.60 % over the 223 months left."""
    contract = loan(staff, household, finance, disbursed_on=day(2024, 7, 10))
    rows = in_force(contract)
    assert rows[0].payment == D("2735.59")
    run()
    new = in_force(contract)[17]
    assert new.payment == domain_payment(rows[16].balance, "0.026", 223)
    assert rows[16].balance == D("473176.44") and new.payment == D("2677.85")
    assert check_records()["differences"] == []


def test_a_second_run_changes_nothing(staff, household, finance):
    contract = loan(staff, household, finance, disbursed_on=day(2024, 7, 10))
    run()
    rows, history = snapshot(contract), contract.history.count()
    on(JAN_1)
    again = tasks.reprice(year=2026)  # the January 1 task, as beat sends it
    assert (again["contracts"], again["installments"]) == (0, 0)
    assert snapshot(contract) == rows and contract.history.count() == history
    assert check_records()["differences"] == []


def test_a_loan_of_a_year_or_less_keeps_its_contract_rate(staff, household, finance):
    contract = loan(
        staff, household, finance, disbursed_on=day(2025, 3, 10), principal="60000.00", months=12, rate="0.0235"
    )
    rows = snapshot(contract)
    assert run().contracts == 0
    contract.refresh_from_db()
    assert contract.annual_rate == D("0.0235") and snapshot(contract) == rows


def test_a_loan_already_at_the_table_rate_is_untouched(staff, household, finance):
    contract = loan(staff, household, finance, disbursed_on=day(2025, 6, 10), rate="0.026")
    rows, history = snapshot(contract), contract.history.count()
    assert run().contracts == 0
    assert snapshot(contract) == rows and contract.history.count() == history


def test_an_installment_paid_in_part_in_advance_is_left_as_it_is(staff, household, finance):
    contract = loan(staff, household, finance, disbursed_on=day(2024, 7, 10))
    pay_until(contract, finance, day(2025, 12, 31))
    on(day(2025, 12, 20))  # 2,000 of installment 18 (due 2026-01-10) paid in advance: its interest, then principal
    services.repay(actor=finance, contract=contract, line=receipt("2000.00", "A18"))
    partly = in_force(contract)[17]
    assert (partly.interest_paid, partly.principal_paid) == (partly.interest, D("2000.00") - partly.interest)

    result = run()

    assert (result.contracts, result.installments) == (1, 222)
    rows = in_force(contract)
    kept = rows[17]
    assert (kept.pk, kept.annual_rate, kept.payment, kept.principal_paid) == (
        partly.pk,
        D("0.0285"),
        partly.payment,
        partly.principal_paid,
    )
    assert rows[18].annual_rate == D("0.026")
    assert rows[18].payment == domain_payment(partly.balance, "0.026", 222)
    assert sum(r.principal for r in rows[18:]) == partly.balance and len(rows) == 240
    assert check_records()["differences"] == []


def test_equal_principal_keeps_its_principal_part(staff, household, finance):
    contract = loan(staff, household, finance, disbursed_on=day(2024, 7, 10), method="equal_principal")
    before = in_force(contract)
    run()
    rows = in_force(contract)
    assert [r.principal for r in rows] == [r.principal for r in before]
    assert rows[16].interest == before[16].interest and rows[16].annual_rate == D("0.0285")
    assert rows[17].interest == (before[16].balance * D("0.026") / 12).quantize(D("0.01"), rounding=ROUND_HALF_UP)
    assert rows[17].interest < before[17].interest and rows[17].annual_rate == D("0.026")
    assert check_records()["differences"] == []


def test_the_command_and_who_may_run_it(staff, household, finance):
    contract = loan(staff, household, finance, disbursed_on=day(2024, 7, 10))
    with pytest.raises(Forbidden):
        repricing.reprice(year=2026, actor=staff["clerk"])
    assert in_force(contract)[17].annual_rate == D("0.0285")
    on(JAN_1)
    call_command("reprice_loans", "--year", "2026")
    contract.refresh_from_db()
    assert contract.annual_rate == D("0.026")
    assert AuditEvent.objects.filter(action="loan_contract.reprice").count() == 1


def test_the_contract_page_shows_the_rate_history(staff, household, finance, client):
    contract = loan(staff, household, finance, disbursed_on=day(2024, 7, 10))
    run()
    client.force_login(staff["officer"])
    page = client.get(f"/counter/loans/contracts/{contract.number}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    history = page.content.decode().split('id="rate-history"')[1].split("</ul>")[0]
    assert [line.split("<li>")[1].split(" 自 ")[0] for line in history.split("</li>")[:-1]] == [
        "2.85%",
        "2.6%",
    ]
