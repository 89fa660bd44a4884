"""Twenty operations on one fund account at the same moment (real PostgreSQL threads): court freezes confirmed by
the checker, withdrawals approved and one-click loan repayments (一键还贷). The posting service and the freeze
service lock the account's ledger row and re-check the available balance (balance − holds) under the lock: no
overdraft, frozen money is never paid out, every hold covers its freeze to the fen, each operation succeeds or is
refused with an application error, and the ledger reconciles."""

import datetime
from decimal import Decimal

import pytest
from django.db.models import Sum

from judicial import services as judicial
from judicial.models import Freeze, JudicialRequest
from ledger.models import Account, Hold
from ledger.reconciliation import check_records
from loans.models import LoanRepayment
from tests import factories
from tests.judicial.conftest import receive
from tests.loans.conftest import household, media, on, portal_user, staff  # noqa: F401 - fixtures
from tests.loans.test_fund_concurrency import race
from tests.loans.test_money import disbursed, finance  # noqa: F401 - finance is a fixture
from tests.withdrawals.conftest import CARD, doc, ill
from withdrawals import services as withdrawals
from withdrawals.models import DocumentType, Reason, WithdrawalApplication
from withdrawals.services import loan_funding

pytestmark = pytest.mark.django_db(transaction=True)
D = Decimal
START = D("60000.00")


@pytest.fixture
def courts(officers):
    return [judicial.register_court(actor=officers["op"], code=f"44030{n}0", name=f"示范市第{n}区人民法院",
                                    enforcement_account_name=f"示范市第{n}区人民法院执行款专户",
                                    enforcement_account_number=f"4420150000000000{n}", enforcement_bank="建设银行")
            for n in (5, 6)]


FREEZES = {
    # the freezes fit in the balance: withdrawals and repayments get the rest
    "within": ["2500.00"] * 6,
    # the freezes ask more than the account ever had: one is partial (部分冻结) or waits (轮候)
    "beyond": ["5000.00"] * 5 + ["40000.00"],
}


@pytest.mark.parametrize("mix", FREEZES)
def test_freezes_withdrawals_and_one_click_repayments_on_one_account_at_once(
        staff, household, finance, officers, courts, mix):  # noqa: F811
    borrower = household["borrower"]  # ¥30,000.00, and 30,000.00 more below
    contract = disbursed(staff, household, finance)
    user = portal_user(borrower.depositor, "wang_race")
    on(datetime.date(2026, 3, 10))  # installment 1 (2,735.59) is due today
    factories.deposit(borrower, "30000.00")
    freezes = []
    for n, amount in enumerate(FREEZES[mix]):  # six court freezes, prepared by the operator
        req = receive(officers, courts[n % 2], borrower, "freeze", amount=amount,
                      case_number=f"(2026)粤030{5 + n % 2}执{40000 + n}号")
        freezes.append(judicial.prepare(actor=officers["op"], request=req))
    cases = []
    for _i in range(7):  # seven reviewed medical withdrawals of 2,000.00 each
        app = withdrawals.apply(actor=staff["clerk"], account=borrower, reason=Reason.ILLNESS, amount="2000",
                                facts=ill("2000"), payee_card=CARD, payee_name="王建国",
                                documents=[(DocumentType.MEDICAL, doc())])
        cases.append(withdrawals.review(actor=staff["reviewer"], application=app))
    ledger_id = borrower.ledger_account_id
    funcs = [lambda r=r: judicial.confirm(actor=officers["chk"], request=r) for r in freezes]
    funcs += [lambda a=a: withdrawals.approve(actor=staff["approver"], application=a) for a in cases]
    funcs += [
        lambda: loan_funding.repay_loan_from_fund(actor=user, account=borrower, contract_number=contract.number,
                                                  amount="13000.00", keep="term")
        for _i in range(7)
    ]
    done, refused, crashed = race(funcs)
    assert crashed == []
    assert len(done) + len(refused) == 20
    assert {e.code for e in refused} <= {"above_available", "insufficient_funds", "above_maximum", "not_eligible",
                                         "prepayment_count", "below_minimum"}

    acc = Account.objects.get(pk=ledger_id)
    withdrawn = WithdrawalApplication.objects.filter(account=borrower, reason=Reason.ILLNESS, state="paid").aggregate(
        s=Sum("amount_approved"))["s"] or D("0")
    from_fund = WithdrawalApplication.objects.filter(account=borrower, reason=Reason.LOAN_REPAYMENT).aggregate(
        s=Sum("amount_approved"))["s"] or D("0")
    repaid = LoanRepayment.objects.filter(contract=contract, source="fund").aggregate(s=Sum("amount"))["s"] or D("0")
    assert repaid == from_fund
    assert acc.balance == START - withdrawn - from_fund  # to the fen
    assert acc.balance >= 0 and acc.balance - acc.held >= 0  # no overdraft, frozen money never paid out

    # every freeze request was carried out: in force (fully or partly) or waiting; none lost, none refused
    reqs = JudicialRequest.objects.filter(pk__in=[r.pk for r in freezes])
    assert sorted(reqs.values_list("state", flat=True)) == ["executed"] * 6
    live = list(Freeze.objects.filter(account=borrower).order_by("queue_position"))
    assert [f.queue_position for f in live] == [1, 2, 3, 4, 5, 6]
    active = [f for f in live if f.state == "active"]
    waiting = [f for f in live if f.state == "waiting"]
    assert len(active) + len(waiting) == 6 and active
    # a freeze is waiting only when nothing was available: the ones in force came first in the queue
    assert all(a.queue_position < w.queue_position for a in active for w in waiting)
    for f in active:  # the hold covers the frozen amount exactly, and nothing more is held
        assert f.hold.status == Hold.Status.ACTIVE and f.hold.amount == f.amount_frozen > 0
    for f in waiting:
        assert f.hold_id is None and f.amount_frozen == 0
    frozen = sum((f.amount_frozen for f in active), D("0"))
    held = Hold.objects.filter(account_id=ledger_id, status=Hold.Status.ACTIVE).aggregate(s=Sum("amount"))["s"]
    assert acc.held == held == frozen <= acc.balance
    if mix == "beyond":  # the last in the queue got only what was left or waits, and nothing is available
        assert any(f.amount_frozen < f.amount_requested for f in live)
        assert acc.balance - acc.held == 0
    else:  # every freeze is in force for its whole amount
        assert [f.amount_frozen for f in live] == [D("2500.00")] * 6 and frozen == D("15000.00")
    # what the account gave: paid out plus frozen never exceeds what it had
    assert withdrawn + from_fund + frozen <= START
    assert LoanRepayment.objects.filter(contract=contract, kind="installment").count() <= 1
    assert check_records()["differences"] == []
