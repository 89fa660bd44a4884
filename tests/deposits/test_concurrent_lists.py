"""A regular and a supplementary list paying the same account-month, posted at the same moment: one is posted,
the other is a clear conflict (never a raw IntegrityError), and nothing of it stays (real PostgreSQL threads)."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connections

from core.actors import system_actor
from core.business_date import set_business_date
from core.errors import ApplicationError
from deposits.models import RemittanceLine, RemittanceList
from deposits.services import remittance as services
from ledger.models import Account, BankStatementLine
from ledger.reconciliation import run_checks
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)
NOV = datetime.date(2026, 11, 1)


def test_two_lists_for_one_account_month_posted_at_once(clerk, finance, monkeypatch):
    set_business_date(actor=system_actor(), date=datetime.date(2026, 11, 20))
    employer = factories.employer(clerk, employer_ratio=Decimal("0.07"), employee_ratio=Decimal("0.07"))
    account = factories.account(clerk, employer, name="甲", base="5000")
    regular = services.confirm_list(
        actor=clerk, remittance=services.generate_list(actor=clerk, employer=employer, month=NOV)
    )
    extra = services.confirm_list(
        actor=clerk, remittance=services.supplementary_list(actor=clerk, employer=employer, months=[NOV], reason="漏缴")
    )
    assert regular.total == extra.total == Decimal("700.00")
    bank = factories.bank_account()
    lines = factories.statement(
        actor=system_actor(),
        bank_account=bank,
        rows=[
            {"bank_reference": ref, "value_date": "2026-11-20", "direction": "C", "amount": "700.00"}
            for ref in ("R1", "R2")
        ],
    )

    # both check that the month is unpaid before either posts: the database's unique index decides
    barrier, local = threading.Barrier(2), threading.local()
    check = services._check_months_unpaid

    def check_then_wait(remittance):
        check(remittance)
        if not getattr(local, "waited", False):
            local.waited = True
            barrier.wait(timeout=10)

    monkeypatch.setattr(services, "_check_months_unpaid", check_then_wait)
    outcomes = {}

    def pay(remittance, line):
        try:
            services.pay_from_statement(actor=finance, remittance=remittance, line=line)
            outcomes[remittance.pk] = "posted"
        except ApplicationError as exc:
            outcomes[remittance.pk] = exc
        except Exception as exc:  # noqa: BLE001 - what the test is about
            outcomes[remittance.pk] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=pay, args=args) for args in ((regular, lines[0]), (extra, lines[1]))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(o == "posted" for o in outcomes.values()) == [False, True]
    (refused,) = [o for o in outcomes.values() if o != "posted"]
    assert isinstance(refused, ApplicationError), repr(refused)
    assert refused.code == "month_paid" and refused.status == 409
    assert refused.message == f"账户 {account.number} 的 2026-11 已缴存。"
    statuses = sorted(RemittanceList.objects.values_list("status", flat=True))
    assert statuses == ["confirmed", "posted"]
    assert RemittanceLine.objects.filter(account=account, posted=True).count() == 1
    assert Account.objects.get(pk=account.ledger_account_id).balance == Decimal("700.00")
    assert sorted(BankStatementLine.objects.values_list("match_status", flat=True)) == ["booked", "unmatched"]
    assert run_checks()["ok"]
