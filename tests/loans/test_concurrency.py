"""Loan writes under concurrency (real PostgreSQL threads): one schedule per contract, one decision per case."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connections

from core.errors import ApplicationError
from loans import services
from loans.models import LoanApplication, LoanContract, ScheduleInstallment, SchedulePlan
from tests.conftest import make_user
from tests.loans.conftest import example_data, paid_months, with_documents

pytestmark = pytest.mark.django_db(transaction=True)
D = Decimal


def race(funcs):
    """Run ``funcs`` at the same moment, each in its own thread and database connection; their refusals."""
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


def test_ten_concurrent_schedule_writes_store_one_schedule(staff, household):
    app = services.create_draft(actor=staff["officer"], account=household["borrower"], data=example_data())
    contract = LoanContract.objects.create(
        number="HT00000001",
        application=app,
        borrower=app.borrower,
        principal=D("500000.00"),
        annual_rate=D("0.0285"),
        term_months=240,
        method="equal_installment",
        signed_on=datetime.date(2026, 1, 20),
        first_due_date=datetime.date(2026, 2, 20),
    )
    officers = [staff["officer"], staff["officer2"], staff["allround"]]
    errors = race([lambda i=i: services.store_schedule(actor=officers[i % 3], contract=contract) for i in range(10)])
    assert len(errors) == 9 and {e.code for e in errors} == {"schedule_exists"}
    rows = ScheduleInstallment.objects.in_force_of(contract.pk)
    assert len(rows) == 240 and SchedulePlan.objects.filter(contract=contract).count() == 1
    assert sum(r.principal for r in rows) == D("500000.00")
    assert sum(r.interest for r in rows) == D("156542.76")


def test_two_approvers_at_once_decide_once(staff, household):
    app = services.submit(
        actor=staff["officer"],
        application=with_documents(
            services.create_draft(actor=staff["officer"], account=household["borrower"], data=example_data())
        ),
    )
    services.assess(actor=staff["officer"], application=app, credit_ok=True)
    app = services.review(actor=staff["reviewer"], application=app)
    second = make_user("l_approver2", "approver")
    errors = race([lambda u=u: services.approve(actor=u, application=app) for u in (staff["approver"], second)])
    assert len(errors) == 1 and errors[0].code == "invalid_state"
    app.refresh_from_db()
    assert app.state == LoanApplication.State.APPROVED
    assert app.limit_amount == D("600000.00")


def test_husband_and_wife_approved_at_once_get_one_loan(staff, household):
    """Both spouses apply; the two reviewed cases are approved at the same moment by two approvers: the family's
    lock lets one through, the other is refused on the loan now on its way."""
    paid_months(household["spouse"], [datetime.date(2025, m, 1) for m in range(7, 13)])
    apps = []
    wife = {"female_category": "cadre", "term_months": 240}  # born 1983-05: retires at 58 in 2041
    for account, extra in ((household["borrower"], {}), (household["spouse"], wife)):
        app = services.create_draft(actor=staff["officer"], account=account, data=example_data(**extra))
        app = services.submit(actor=staff["officer"], application=with_documents(app))
        services.assess(actor=staff["officer"], application=app, credit_ok=True)
        apps.append(services.review(actor=staff["reviewer"], application=app))
    approvers = [staff["approver"], make_user("l_approver2", "approver")]
    errors = race([lambda i=i: services.approve(actor=approvers[i], application=apps[i]) for i in range(2)])
    assert len(errors) == 1 and errors[0].code == "ineligible"
    assert errors[0].message == "借款人或其配偶尚有未结清的住房公积金贷款。"
    states = sorted(LoanApplication.objects.values_list("state", flat=True))
    assert states == ["approved", "reviewed"]
