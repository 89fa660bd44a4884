"""Concurrency: approvals and payouts racing on one account, and a freeze placed concurrently."""

import threading
from decimal import Decimal

import pytest
from django.db import connections

from core.actors import system_actor
from core.errors import ApplicationError
from ledger import services as ledger_services
from ledger.models import Account, Hold
from ledger.reconciliation import run_checks
from tests import factories
from tests.withdrawals.conftest import CARD, doc, ill
from withdrawals import services
from withdrawals.models import DocumentType, Reason, WithdrawalApplication

pytestmark = pytest.mark.django_db(transaction=True)
D = Decimal


def _reviewed(staff, acc, n, amount):
    apps = []
    for _i in range(n):
        app = services.apply(actor=staff["clerk"], account=acc, reason=Reason.ILLNESS, amount=amount,
                             facts=ill(amount), payee_card=CARD, payee_name="张三",
                             documents=[(DocumentType.MEDICAL, doc())])
        apps.append(services.review(actor=staff["reviewer"], application=app))
    return apps


def _race(funcs):
    errors, barrier = [], threading.Barrier(len(funcs))

    def run(f):
        try:
            barrier.wait()
            f()
        except ApplicationError as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(f,)) for f in funcs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_twenty_approvals_never_overdraw(staff):
    acc = factories.account(staff["clerk"], name="张三")
    factories.deposit(acc, "10000")
    apps = _reviewed(staff, acc, 20, "700")  # 20 × 700 = 14,000 > 10,000: only 14 can be paid
    errors = _race([lambda a=a: services.approve(actor=staff["approver"], application=a) for a in apps])
    paid = WithdrawalApplication.objects.filter(state="paid").count()
    assert paid == 14 and len(errors) == 6
    assert Account.objects.get(pk=acc.ledger_account_id).balance == D("200.00")
    assert WithdrawalApplication.objects.filter(state="reviewed").count() == 6
    assert run_checks()["ok"]


def test_concurrent_freeze_is_respected(staff):
    acc = factories.account(staff["clerk"], name="张三")
    factories.deposit(acc, "10000")
    apps = _reviewed(staff, acc, 10, "900")
    freeze = [lambda: ledger_services.place_hold(actor=system_actor(),
                                                 account=acc.ledger_account, amount="5000", kind="judicial",
                                                 reference="法院冻结", partial=True)]
    _race(freeze + [lambda a=a: services.approve(actor=staff["approver"], application=a) for a in apps])
    ledger = Account.objects.get(pk=acc.ledger_account_id)
    held = sum(h.amount for h in Hold.objects.filter(account_id=acc.ledger_account_id, status="active"))
    assert ledger.held == held and ledger.balance >= ledger.held >= 0
    paid = WithdrawalApplication.objects.filter(state="paid").count()
    assert ledger.balance == D("10000") - paid * D("900")
    assert run_checks()["ok"]
