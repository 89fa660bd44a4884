"""The borrower's pages for repaying from the fund and prepaying (/portal/loans/contracts/<number>/fund/ and
/prepay/), and the counter pages behind them: 一键还贷 previewed then confirmed, the prepayment calculator with
both results (DOMAIN.md §4.7: 2,116.53 / 149 months), the request finance completes with the money received, the
counter repayment by transfer or cash, the offset set-up and the mortgage release; another depositor gets 404."""

import datetime
from decimal import Decimal

from ledger.models import Account, JournalEntry
from ledger.reconciliation import check_records
from loans.models import LoanContract, LoanRepayment, PrepaymentRequest
from tests import factories
from tests.loans.conftest import on, portal_user
from tests.loans.test_money import disbursed, finance, pay_installments, receipt, rows  # noqa: F401
from withdrawals.models import StandingInstruction, WithdrawalApplication

D = Decimal
day = datetime.date


def url(contract, tail=""):
    return f"/portal/loans/contracts/{contract.number}/{tail}"


def test_one_step_repayment_page_previews_then_confirms(staff, household, finance, client):  # noqa: F811
    contract = disbursed(staff, household, finance)
    on(day(2026, 3, 10))  # installment 1 due: 2,735.59
    client.force_login(portal_user(household["borrower"].depositor, "wjg"))
    page = client.get(url(contract)).content.decode()
    assert f'href="/portal/loans/contracts/{contract.number}/fund/"' in page
    page = client.get(url(contract, "fund/")).content.decode()
    assert '<div class="fs-5 money" id="usable">30,000.00</div>' in page
    assert '<div class="fs-5 money" id="due-now">2,735.59</div>' in page
    assert '<div class="fs-5 money" id="most">30,000.00</div>' in page
    page = client.get(url(contract, "fund/"), {"amount": "12735.59", "keep": "term"}).content.decode()
    assert "2,735.59" in page and 'id="plan-prepay"' in page and 'id="confirm"' in page
    entries = JournalEntry.objects.count()
    assert JournalEntry.objects.count() == entries  # a preview writes nothing
    assert '<input type="hidden" name="previewed" value="12735.59">' in page
    unseen = client.post(url(contract, "fund/"), {"amount": "20000", "keep": "term", "previewed": "12735.59"})
    assert unseen.status_code == 200 and JournalEntry.objects.count() == entries  # not the amount previewed
    bad = client.post(url(contract, "fund/"), {"amount": "5000", "keep": "term", "previewed": "5000"})
    assert bad.status_code == 200 and "10,000.00" in bad.content.decode()  # below the minimum prepayment
    assert JournalEntry.objects.count() == entries
    bad = client.post(url(contract, "fund/"), {"amount": "1e9", "keep": "term", "previewed": "1e9"})
    assert bad.status_code == 200 and JournalEntry.objects.count() == entries
    done = client.post(url(contract, "fund/"), {"amount": "12735.59", "keep": "term", "previewed": "12735.59"})
    assert done.status_code == 302 and done.url == url(contract)
    assert Account.objects.get(pk=household["borrower"].ledger_account_id).balance == D("17264.41")
    assert [(r.kind, r.amount) for r in LoanRepayment.objects.filter(contract=contract).order_by("id")] == [
        ("installment", D("2735.59")), ("prepayment", D("10000.00"))]
    page = client.get(url(contract)).content.decode()
    assert "住房公积金" in page  # the repayment history shows where the money came from
    assert check_records()["differences"] == []


def test_prepayment_calculator_shows_both_results_and_finance_completes_the_request(
    staff, household, finance, client  # noqa: F811
):
    contract = disbursed(staff, household, finance)
    pay_installments(contract, finance, 36)  # balance 441,888.82 after installment 36
    client.force_login(portal_user(household["borrower"].depositor, "wjg"))
    page = client.get(url(contract, "prepay/"), {"mode": "partial", "amount": "100000", "keep": "payment"})
    page = page.content.decode()
    assert '<td class="text-end money">2,116.53</td><td class="text-end">204</td>' in page  # keep the term
    assert '<td class="text-end money">2,735.59</td><td class="text-end">149</td>' in page  # keep the payment
    assert PrepaymentRequest.objects.count() == 0
    bad = client.post(url(contract, "prepay/"), {"mode": "partial", "amount": "9999.99", "keep": "term"})
    assert bad.status_code == 200 and PrepaymentRequest.objects.count() == 0
    sent = client.post(url(contract, "prepay/"), {"mode": "partial", "amount": "100000", "keep": "payment"})
    assert sent.status_code == 302
    req = PrepaymentRequest.objects.get()
    assert (req.mode, req.amount, req.keep, req.state) == ("partial", D("100000.00"), "payment", "requested")
    # finance sees the request at the counter and applies the money received to it
    client.force_login(finance)
    line = receipt("100000.00", "P100")
    page = client.get(f"/counter/loans/contracts/{contract.number}/repayment/").content.decode()
    assert 'id="pending-request"' in page and "P100" in page
    wrong = receipt("90000.00", "P90")
    bad = client.post(f"/counter/loans/contracts/{contract.number}/repayment/",
                      {"line": wrong.pk, "action": "prepay_term", "request": req.pk})
    assert bad.status_code == 200 and "90,000.00" in bad.content.decode()
    done = client.post(f"/counter/loans/contracts/{contract.number}/repayment/",
                       {"line": line.pk, "action": "prepay_term", "request": req.pk})
    assert done.status_code == 302
    req.refresh_from_db()
    assert req.state == "completed" and req.repayment.keep == "payment"
    schedule = rows(contract)
    assert len(schedule) == 185 and schedule[36].payment == D("2735.59")
    assert Account.objects.get(pk=contract.ledger_account_id).balance == D("341888.82")
    assert check_records()["differences"] == []


def test_counter_repayment_by_transfer_payoff_and_mortgage_release(staff, household, finance, client):  # noqa: F811
    contract = disbursed(staff, household, finance)
    on(day(2026, 3, 10))
    client.force_login(finance)
    page = client.get(f"/counter/loans/contracts/{contract.number}/repayment/").content.decode()
    assert '<div class="fs-5 money" id="due-total">5,471.18</div>' in page  # installment 1 and, in advance, 2
    line = receipt("2735.59", "T1")
    done = client.post(f"/counter/loans/contracts/{contract.number}/repayment/", {"line": line.pk, "action": "repay"})
    assert done.status_code == 302
    assert rows(contract)[0].principal_paid == D("1548.09")
    on(day(2026, 3, 25))
    payoff = receipt("499043.82", "T2")
    done = client.post(f"/counter/loans/contracts/{contract.number}/repayment/",
                       {"line": payoff.pk, "action": "payoff"})
    assert done.status_code == 302
    contract.refresh_from_db()
    assert contract.status == LoanContract.Status.PAID_OFF
    client.force_login(staff["officer"])
    page = client.get(f"/counter/loans/contracts/{contract.number}/repayment/").content.decode()
    assert 'id="release-form"' in page
    client.post(f"/counter/loans/contracts/{contract.number}/release/",
                {"released_on": "2026-03-25", "number": "示范不动产注销第0002号"})
    contract.refresh_from_db()
    assert (contract.mortgage_released_on, contract.mortgage_release_number) == (day(2026, 3, 25),
                                                                                 "示范不动产注销第0002号")
    assert check_records()["differences"] == []


def test_offset_set_up_page(staff, household, finance, client):  # noqa: F811
    contract = disbursed(staff, household, finance)
    client.force_login(staff["clerk"])
    page = client.get("/counter/withdrawals/loan-offset/", {"contract": contract.number}).content.decode()
    assert household["borrower"].number in page and household["spouse"].number in page
    assert "HT-NONE" in client.get("/counter/withdrawals/loan-offset/", {"contract": "HT-NONE"}).content.decode()
    done = client.post("/counter/withdrawals/loan-offset/",
                       {"contract": contract.number, "accounts": [household["borrower"].pk]})
    assert done.status_code == 302
    instr = StandingInstruction.objects.get()
    assert (instr.account_id, instr.loan_contract, instr.kind) == (household["borrower"].pk, contract.number,
                                                                   "loan_offset")


def test_another_depositor_gets_404(staff, household, finance, client):  # noqa: F811
    contract = disbursed(staff, household, finance)
    stranger = factories.account(staff["clerk"], name="赵六")
    factories.deposit(stranger, "50000")
    client.force_login(portal_user(stranger.depositor, "zl"))
    for tail in ("fund/", "prepay/"):
        assert client.get(url(contract, tail)).status_code == 404
    written = (JournalEntry.objects.count(), WithdrawalApplication.objects.count(), PrepaymentRequest.objects.count())
    assert client.post(url(contract, "fund/"), {"amount": "100", "keep": "term", "previewed": "100"}).status_code == 404
    assert client.post(url(contract, "prepay/"), {"mode": "payoff"}).status_code == 404
    req = PrepaymentRequest.objects.create(contract=contract, mode="payoff", requested_on=day(2026, 2, 10),
                                           requested_by=staff["officer"])
    assert client.post(url(contract, f"prepay/{req.pk}/cancel/")).status_code == 404
    req.refresh_from_db()
    assert req.state == "requested"
    assert (JournalEntry.objects.count(), WithdrawalApplication.objects.count(),
            PrepaymentRequest.objects.count()) == (written[0], written[1], written[2] + 1)
