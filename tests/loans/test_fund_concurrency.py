"""Twenty requests on one fund account at the same moment (real PostgreSQL threads): 一键还贷, ordinary withdrawals
and the standing run's monthly loan offset. The contract row is locked before the fund accounts, the posting
service re-checks the available balance under the lock: no overdraft, each request succeeds or is refused with an
application error, the ledger reconciles and every yuan is accounted for to the fen."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connections
from django.db.models import Sum

from core.actors import system_actor
from core.errors import ApplicationError
from ledger.models import Account
from ledger.reconciliation import check_records
from loans.models import LoanRepayment
from tests.loans.conftest import on, portal_user
from tests.loans.test_money import disbursed, finance, rows  # noqa: F401 - finance is a fixture
from tests.withdrawals.conftest import CARD, doc, ill
from withdrawals import services as withdrawals
from withdrawals.models import DocumentType, Reason, WithdrawalApplication
from withdrawals.services import loan_funding, standing

pytestmark = pytest.mark.django_db(transaction=True)
D = Decimal


def race(funcs):
    """Run ``funcs`` at once, each in its own thread and connection: (successes, application errors, others)."""
    done, refused, crashed, barrier = [], [], [], threading.Barrier(len(funcs))

    def run(f):
        try:
            barrier.wait()
            done.append(f())
        except ApplicationError as exc:
            refused.append(exc)
        except Exception as exc:  # noqa: BLE001 - the test asserts there is none
            crashed.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(f,)) for f in funcs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return done, refused, crashed


def test_one_step_repayments_withdrawals_and_the_monthly_offset_on_one_account_at_once(staff, household, finance):  # noqa: F811
    borrower = household["borrower"]  # ¥30,000
    contract = disbursed(staff, household, finance)
    user = portal_user(borrower.depositor, "wang_jg")
    on(datetime.date(2026, 3, 10))  # installment 1 (2,735.59) is due today
    loan_funding.set_up_loan_offset(actor=staff["clerk"], contract_number=contract.number, accounts=[borrower])
    cases = []
    for _i in range(10):  # ten reviewed medical withdrawals of 2,000 each
        app = withdrawals.apply(actor=staff["clerk"], account=borrower, reason=Reason.ILLNESS, amount="2000",
                                facts=ill("2000"), payee_card=CARD, payee_name="王建国",
                                documents=[(DocumentType.MEDICAL, doc())])
        cases.append(withdrawals.review(actor=staff["reviewer"], application=app))
    ledger_id = borrower.ledger_account_id
    funcs = [lambda a=a: withdrawals.approve(actor=staff["approver"], application=a) for a in cases]
    funcs += [
        lambda: loan_funding.repay_loan_from_fund(actor=user, account=borrower, contract_number=contract.number,
                                                  amount="13000.00", keep="term")
        for _i in range(9)
    ]
    funcs.append(lambda: standing.run_standing(actor=system_actor(), month=datetime.date(2026, 3, 1)))
    done, refused, crashed = race(funcs)
    assert crashed == []
    assert len(done) + len(refused) == 20
    assert {e.code for e in refused} <= {"above_available", "insufficient_funds", "above_maximum", "not_eligible",
                                         "prepayment_count", "below_minimum"}
    balance = Account.objects.get(pk=ledger_id).balance
    assert balance >= 0
    withdrawn = WithdrawalApplication.objects.filter(account=borrower, reason=Reason.ILLNESS, state="paid").aggregate(
        s=Sum("amount_approved"))["s"] or D("0")
    from_fund = WithdrawalApplication.objects.filter(account=borrower, reason=Reason.LOAN_REPAYMENT).aggregate(
        s=Sum("amount_approved"))["s"] or D("0")
    repaid = LoanRepayment.objects.filter(contract=contract, source="fund").aggregate(s=Sum("amount"))["s"]
    assert repaid == from_fund  # every fund repayment is one withdrawal case of the same amount, and back
    assert balance == D("30000.00") - withdrawn - from_fund  # to the fen
    # installment 1 was paid once, by the offset or by a one-step repayment, never twice
    first = rows(contract)[0]
    assert (first.principal_paid, first.interest_paid) == (D("1548.09"), D("1187.50"))
    assert LoanRepayment.objects.filter(contract=contract, kind="installment").count() == 1
    assert LoanRepayment.objects.filter(contract=contract, kind="prepayment").count() <= 2  # the yearly count
    outstanding = sum((r.principal - r.principal_paid for r in rows(contract)), D("0"))
    assert Account.objects.get(pk=contract.ledger_account_id).balance == outstanding
    assert check_records()["differences"] == []
