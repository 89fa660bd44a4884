"""The monthly bank debit run (loans.services.debits): orders out for what is due, the bank's result in, each
debit applied in the allocation order (penalty → overdue interest → overdue principal → current interest →
current principal) by one entry per batch; partial and failed debits; idempotent result import; resumable run."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest

from core.actors import system_actor
from core.errors import Forbidden, InvalidInput, StateError
from core.models import BatchChunk, BatchRun
from ledger import chart
from ledger.models import Account, BankStatementLine, JournalEntry
from ledger.reconciliation import check_records, reconcile
from loans import services
from loans.models import LoanContract, LoanDebit, LoanDebitBatch, LoanRepayment, ScheduleInstallment
from loans.services import debits
from tests.conftest import make_user
from tests.loans.conftest import on
from tests.loans.test_money import disbursed

D = Decimal
day = datetime.date
C = LoanContract.Status
CARD = "6222020000000000000"  # a valid check digit
MAR_10, APR_10 = day(2026, 3, 10), day(2026, 4, 10)


@pytest.fixture
def finance(staff):
    return make_user("l_finance", "finance")


@pytest.fixture
def finance2(staff):
    return make_user("l_finance2", "finance")


@pytest.fixture
def loan(staff, household, finance):
    """Example A disbursed on 10 February 2026 (2,735.59 a month from 10 March), with its repayment card."""
    contract = disbursed(staff, household, finance)
    return debits.set_repayment_card(actor=finance, contract=contract, card=CARD, bank="示范银行")


def balance(code):
    return Account.objects.get(code=code).balance


def rows(contract):
    return list(ScheduleInstallment.objects.filter(contract=contract, superseded_on__isnull=True).order_by("number"))


def send(finance, when, **kw):
    on(when)
    result = debits.run_debits(on=when, actor=finance, **kw)
    return result, LoanDebitBatch.objects.filter(run_id=result["run"]).order_by("pk")


def answer(batch, result, debited, bank_actor=None):
    order = batch.debits.get()
    row = {"reference": order.reference, "result": result, "debited": debited, "bank_reference": "B" + order.reference}
    return debits.import_result(rows=[row], actor=bank_actor or system_actor())


def test_the_card_is_checked(loan, finance):
    with pytest.raises(InvalidInput) as exc:
        debits.set_repayment_card(actor=finance, contract=loan, card="6222020000000000007")
    assert "repayment_card" in exc.value.fields
    loan.refresh_from_db()
    assert loan.repayment_card == CARD


def test_full_debit_pays_the_installment_to_the_fen(loan, finance):
    code = loan.ledger_account.code
    income, bank_code = balance(chart.LOAN_INTEREST_INCOME), loan.disbursement.bank_account.ledger_account.code
    bank_before = balance(bank_code)
    result, batches = send(finance, MAR_10)
    assert (result["status"], result["orders"], result["amount"]) == ("done", 1, "2735.59")
    (batch,) = batches
    order = batch.debits.get()
    assert (order.amount, order.card, order.card_name, order.status) == (D("2735.59"), CARD, "王建国", "sent")
    assert (order.first_number, order.last_number) == (1, 1)
    assert answer(batch, "S", "2735.59")["orders"] == 1
    assert debits.apply_results(actor=finance) == {"applied": 1, "waiting": 0}
    order.refresh_from_db()
    batch.refresh_from_db()
    assert (order.status, batch.status, batch.debited) == ("paid", "applied", D("2735.59"))
    rep = order.repayment
    assert (rep.amount, rep.penalty, rep.interest, rep.principal) == (D("2735.59"), 0, D("1187.50"), D("1548.09"))
    assert rep.entry_id == batch.entry_id and rep.statement_line_id == batch.statement_line_id
    first = rows(loan)[0]
    assert (first.principal_paid, first.interest_paid) == (D("1548.09"), D("1187.50"))
    assert balance(code) == D("500000.00") - D("1548.09")
    assert balance(chart.LOAN_INTEREST_INCOME) - income == D("1187.50")
    assert balance(bank_code) - bank_before == D("2735.59")
    line = BankStatementLine.objects.get(bank_reference=batch.reference)
    assert (line.amount, line.match_status, line.entry_id) == (D("2735.59"), "booked", batch.entry_id)
    loan.refresh_from_db()
    assert loan.status == C.NORMAL
    assert check_records()["differences"] == []
    assert reconcile(actor=system_actor())["ok"]


def test_partial_debit_pays_interest_first_and_the_rest_stays_due(loan, finance):
    _result, (batch,) = send(finance, MAR_10)
    answer(batch, "P", "1200.00")
    debits.apply_results(actor=finance)
    order = batch.debits.get()
    assert order.status == "partial"
    assert (order.repayment.interest, order.repayment.principal) == (D("1187.50"), D("12.50"))
    first = rows(loan)[0]
    assert (first.principal_paid, first.interest_paid) == (D("12.50"), D("1187.50"))
    assert balance(loan.ledger_account.code) == D("499987.50")
    due = services.amount_due(contract=loan, on=MAR_10)
    assert due["dues"][0].total == D("1535.59")  # 2,735.59 − 1,200.00 still due on installment 1
    # the next run (a day later) sends the rest of it once the order is applied: one open order at a time
    on(day(2026, 3, 11))
    result = debits.run_debits(on=day(2026, 3, 11), month=True, actor=finance)
    assert result["orders"] == 1 and result["amount"] == "1535.59"
    assert check_records()["differences"] == []


def test_failed_debit_posts_nothing_and_the_installment_stays_due(loan, finance):
    _result, (batch,) = send(finance, MAR_10)
    entries = JournalEntry.objects.count()
    answer(batch, "F", "0")
    assert debits.apply_results(actor=finance)["applied"] == 1
    order = batch.debits.get()
    batch.refresh_from_db()
    assert (order.status, order.repayment_id, batch.entry_id, batch.statement_line_id) == ("failed", None, None, None)
    # the one entry is the interest of installment 1 falling due (131 against 401), booked before the batch
    assert list(JournalEntry.objects.filter(pk__gt=JournalEntry.objects.order_by("pk")[entries - 1].pk)
                .values_list("business_type", flat=True)) == ["L07"]
    assert balance(chart.INTEREST_RECEIVABLE) == D("1187.50")
    assert not LoanRepayment.objects.filter(contract=loan).exists()
    assert rows(loan)[0].principal_paid == 0
    assert balance(loan.ledger_account.code) == D("500000.00")
    # fourteen days later the overdue job makes it overdue
    on(day(2026, 3, 24))
    services.classify_overdue(actor=finance)
    loan.refresh_from_db()
    assert loan.status == C.OVERDUE
    assert check_records()["differences"] == []


def test_allocation_with_a_penalty_due(loan, finance):
    on(APR_10)
    services.classify_overdue(actor=finance)  # installment 1 (10 March) is overdue: 1,548.09 on 122
    loan.refresh_from_db()
    assert loan.status == C.OVERDUE and balance(loan.overdue_account.code) == D("1548.09")
    penalty = (D("2735.59") * D("0.0285") * D("1.5") * 28 / 360).quantize(D("0.01"), ROUND_HALF_UP)
    assert penalty == D("9.10")  # 31 days late, 3 grace days without penalty
    penalties, income = balance(chart.PENALTY_INCOME), balance(chart.LOAN_INTEREST_INCOME)
    result, (batch,) = send(finance, APR_10)
    order = batch.debits.get()
    assert order.amount == penalty + D("2735.59") * 2 and (order.first_number, order.last_number) == (1, 2)
    # debited: the penalty, installment 1 whole, then 1,000.00 of installment 2's interest (1,183.82)
    answer(batch, "P", str(penalty + D("2735.59") + D("1000.00")))
    debits.apply_results(actor=finance)
    rep = LoanDebit.objects.get(pk=order.pk).repayment
    assert rep.allocation == [
        {"number": 1, "penalty": "9.10", "interest": "1187.50", "principal": "1548.09"},
        {"number": 2, "penalty": "0.00", "interest": "1000.00", "principal": "0.00"},
    ]
    assert (rep.penalty, rep.interest, rep.principal) == (D("9.10"), D("2187.50"), D("1548.09"))
    assert balance(chart.PENALTY_INCOME) - penalties == D("9.10")
    # both installments' interest fell due (1,187.50 + 1,183.82 to 401 through 131); 183.82 is still receivable
    assert balance(chart.LOAN_INTEREST_INCOME) - income == D("2371.32")
    assert balance(chart.INTEREST_RECEIVABLE) == D("183.82")
    assert balance(loan.overdue_account.code) == 0  # the overdue principal left 122
    assert balance(loan.ledger_account.code) == D("500000.00") - D("1548.09")
    loan.refresh_from_db()
    assert loan.status == C.NORMAL
    assert check_records()["differences"] == []


def test_the_same_result_twice_posts_once(loan, finance):
    _result, (batch,) = send(finance, MAR_10)
    assert answer(batch, "S", "2735.59")["batches"] == 1
    debits.apply_results(actor=finance)
    entries, lines = JournalEntry.objects.count(), BankStatementLine.objects.count()
    again = answer(batch, "S", "2735.59")
    assert again == {"batches": 0, "orders": 0, "skipped": 1, "statement": None}
    assert debits.apply_results(actor=finance) == {"applied": 0, "waiting": 0}
    debits.apply_batch(batch=batch, actor=finance)
    assert (JournalEntry.objects.count(), BankStatementLine.objects.count()) == (entries, lines)
    assert LoanRepayment.objects.filter(contract=loan).count() == 1
    with pytest.raises(StateError, match="already answered|已"):  # a different answer for an answered batch is refused
        answer(batch, "F", "0")


def test_a_bad_result_is_refused_and_records_nothing(loan, finance):
    _result, (batch,) = send(finance, MAR_10)
    order = batch.debits.get()
    for row in (
        {"reference": order.reference, "result": "S", "debited": "2735.58"},  # full but not the amount
        {"reference": order.reference, "result": "P", "debited": "9999.00"},  # more than ordered
        {"reference": order.reference, "result": "X", "debited": "1"},
        {"reference": "DK-NOPE", "result": "S", "debited": "1"},
        {"reference": order.reference, "result": "P", "debited": "1.001"},
    ):
        with pytest.raises(InvalidInput):
            debits.import_result(rows=[row], actor=system_actor())
    batch.refresh_from_db()
    assert batch.status == "sent" and not BankStatementLine.objects.filter(bank_reference=batch.reference).exists()


def test_a_file_imported_by_finance_waits_for_a_second_person(loan, finance, finance2):
    _result, (batch,) = send(finance, MAR_10)
    order = batch.debits.get()
    data = f"扣款编号,扣款结果,实扣金额,银行流水号\n{order.reference},S,2735.59,B1\n".encode()
    out = debits.import_result(file=data, actor=finance)
    assert debits.apply_results(actor=finance) == {"applied": 0, "waiting": 1}
    from ledger.models import BankStatement

    statement = BankStatement.objects.get(pk=out["statement"])
    with pytest.raises(Forbidden):
        debits.confirm_result(statement=statement, actor=finance)
    assert debits.confirm_result(statement=statement, actor=finance2) == {"applied": 1, "waiting": 0}
    order.refresh_from_db()
    assert order.status == "paid" and order.repayment.created_by == finance2
    assert check_records()["differences"] == []


def test_a_closed_loan_is_not_debited(loan, finance):
    LoanContract.objects.filter(pk=loan.pk).update(status=C.PAID_OFF)
    result, batches = send(finance, MAR_10)
    assert result["orders"] == 0 and not batches.exists()


def test_a_loan_without_card_is_reported_not_debited(loan, finance):
    LoanContract.objects.filter(pk=loan.pk).update(repayment_card="")
    result, batches = send(finance, MAR_10)
    assert (result["orders"], result["no_card"]) == (0, 1) and not batches.exists()


def test_money_no_longer_due_goes_to_suspense(loan, finance):
    _result, (batch,) = send(finance, MAR_10)
    LoanContract.objects.filter(pk=loan.pk).update(status=C.PAID_OFF)  # closed in between (e.g. at the counter)
    suspense = balance(chart.GENERAL_SUSPENSE)
    answer(batch, "S", "2735.59")
    debits.apply_results(actor=finance)
    order = batch.debits.get()
    assert (order.status, order.excess, order.repayment_id) == ("paid", D("2735.59"), None)
    assert balance(chart.GENERAL_SUSPENSE) - suspense == D("2735.59")
    assert balance(loan.ledger_account.code) == D("500000.00")


def test_the_run_resumes_and_never_sends_twice(loan, finance):
    on(MAR_10)
    run, created = debits.plan(on=MAR_10, actor=finance, chunk_size=1)
    assert created and run.status == BatchRun.Status.PENDING
    (chunk,) = BatchChunk.objects.filter(run=run)
    assert debits.run_chunk(chunk.pk) == 1
    assert debits.run_chunk(chunk.pk) == 0  # a finished chunk is skipped
    result = debits.run_debits(on=MAR_10, actor=finance, chunk_size=1)  # the same run: nothing more
    assert (result["run"], result["status"], result["orders"]) == (run.pk, "done", 1)
    assert LoanDebit.objects.filter(contract=loan).count() == 1
    # a month run the same day finds the order still open at the bank: the loan is left out
    assert debits.run_debits(on=MAR_10, month=True, actor=finance)["orders"] == 0


def test_only_finance_runs_the_debits(loan, staff):
    with pytest.raises(Forbidden):
        debits.run_debits(on=MAR_10, actor=staff["officer"])


# --- the counter pages ----------------------------------------------------------------------------------------


def test_finance_runs_imports_and_a_second_person_confirms_through_the_pages(loan, finance, finance2, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    on(MAR_10)
    client.force_login(finance)
    page = client.get("/counter/loans/debits/")
    assert page.status_code == 200 and "扣款" in page.content.decode()
    bad = client.post("/counter/loans/debits/", {"on": "2026-13-40"})
    assert bad.status_code == 200 and not LoanDebitBatch.objects.exists()
    started = client.post("/counter/loans/debits/", {"on": "2026-03-10"})
    assert started.status_code == 302
    batch = LoanDebitBatch.objects.get()
    order = batch.debits.get()
    listing = client.get("/counter/loans/debits/").content.decode()
    assert "2,735.59" in listing and "2026-03-10" in listing
    detail = client.get(f"/counter/loans/debits/run/?id={batch.run_id}").content.decode()
    assert batch.reference in detail
    file = client.get(f"/counter/loans/debits/orders/?batch={batch.reference}")
    assert file.status_code == 200 and order.reference in file.content.decode("utf-8-sig")
    assert CARD in file.content.decode("utf-8-sig")
    wrong = SimpleUploadedFile("r.csv", f"扣款编号,扣款结果,实扣金额\n{order.reference},S,1.00\n".encode())
    refused = client.post("/counter/loans/debits/result/", {"file": wrong})
    assert refused.status_code == 200 and "扣款结果" in refused.content.decode()
    batch.refresh_from_db()
    assert batch.status == "sent"
    body = f"扣款编号,扣款结果,实扣金额,银行流水号\n{order.reference},S,2735.59,B9\n"
    good = SimpleUploadedFile("r.csv", body.encode())
    assert client.post("/counter/loans/debits/result/", {"file": good}).status_code == 302
    batch.refresh_from_db()
    assert batch.status == "returned"
    statement = batch.statement_line.statement
    client.post(f"/counter/loans/debits/confirm/{statement.pk}/")  # the importer may not confirm
    batch.refresh_from_db()
    assert batch.status == "returned"
    client.force_login(finance2)
    assert client.post(f"/counter/loans/debits/confirm/{statement.pk}/").status_code == 302
    batch.refresh_from_db()
    assert batch.status == "applied" and batch.debits.get().status == "paid"
    assert check_records()["differences"] == []


def test_the_pages_are_for_finance(loan, staff, client):
    client.force_login(staff["clerk"])
    assert client.get("/counter/loans/debits/").status_code in (302, 403)
    assert client.post("/counter/loans/debits/", {"on": "2026-03-10"}).status_code in (302, 403)
    assert not LoanDebitBatch.objects.exists()


def test_the_importer_never_posts_the_credit_he_brought_in(loan, finance, finance2):
    from ledger import services as ledger_services
    from ledger.models import BankStatement

    _result, (batch,) = send(finance, MAR_10)
    order = batch.debits.get()
    body = f"扣款编号,扣款结果,实扣金额\n{order.reference},S,2735.59\n"
    out = debits.import_result(file=body.encode(), actor=finance)
    ledger_services.confirm_statement(statement=BankStatement.objects.get(pk=out["statement"]), actor=finance2)
    assert debits.apply_results(actor=finance) == {"applied": 0, "waiting": 1}
    assert debits.apply_results(actor=system_actor()) == {"applied": 1, "waiting": 0}  # the nightly job may
    assert check_records()["differences"] == []


def offset_loans():
    """A stand-in for the fund-offset agreements' source: every loan repaid from the fund accounts."""
    return LoanContract.objects.filter(status__in=[C.NORMAL, C.OVERDUE]).values_list("number", flat=True)


def test_loans_repaid_by_a_fund_offset_are_left_out(loan, finance, settings):
    settings.LOAN_OFFSET_CONTRACTS = "tests.loans.test_debits.offset_loans"
    result, batches = send(finance, MAR_10)
    assert result["orders"] == 0 and not batches.exists()
    settings.LOAN_OFFSET_CONTRACTS = None
    assert debits.run_debits(on=MAR_10, month=True, actor=finance)["orders"] == 1
