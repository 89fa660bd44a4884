import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from accounts import services as account_services
from accounts.models import FundAccount
from core import roles
from core.actors import system_actor
from core.business_date import set_business_date
from core.models import Notification, PolicyValue
from deposits import selectors, tasks
from deposits.models import ArrearsRecord
from deposits.services import arrears, deferral
from deposits.services import remittance as remit
from ledger.reconciliation import run_checks
from tests import factories
from tests.conftest import make_user

AUG, SEP, OCT, NOV, DEC = (datetime.date(2026, m, 1) for m in (8, 9, 10, 11, 12))
JAN, FEB = datetime.date(2027, 1, 1), datetime.date(2027, 2, 1)
_refs = iter(range(1, 1000))


@pytest.fixture(autouse=True)
def setup(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with translation.override("zh-hans"):
        yield


def on(day):
    set_business_date(actor=system_actor(), date=day)


def pay(actor, rem):
    """Confirm a list and receive its exact amount from the bank."""
    remit.confirm_list(actor=actor, remittance=rem)
    (line,) = factories.statement(bank_account=factories.bank_account(), rows=[{
        "bank_reference": f"R{next(_refs)}", "value_date": "2026-08-12", "direction": "C", "amount": str(rem.total)}])
    return remit.pay_from_statement(actor=actor, remittance=rem, line=line)


@pytest.fixture
def emp(clerk):
    """Opened 2026-08-03, payday 10 (deadline the 15th), 7% / 7%; August paid."""
    on(datetime.date(2026, 8, 3))
    employer = factories.employer(clerk, payday=10, employer_ratio=Decimal("0.07"), employee_ratio=Decimal("0.07"))
    factories.account(clerk, employer, name="甲", base="9380.50")
    factories.account(clerk, employer, name="乙", base="2330")
    on(datetime.date(2026, 8, 12))
    pay(clerk, remit.generate_list(actor=clerk, employer=employer, month=AUG))
    return employer


@pytest.fixture
def emp2(clerk):
    """Opened 2026-10-01, payday 28 (deadline 5 days later, in the next month), 12% / 12%; nothing paid."""
    on(datetime.date(2026, 10, 1))
    employer = factories.employer(clerk, name="迟发工资公司", payday=28)
    factories.account(clerk, employer, name="丁", base="5000")
    factories.employer(clerk, name="无职工公司", payday=5)  # no employees: never in arrears
    return employer


def records():
    return {(r.employer.name, r.month): (r.headcount, r.amount_expected, r.amount_received, r.amount_due, r.status)
            for r in ArrearsRecord.objects.select_related("employer")}


def test_detection_is_exact_idempotent_and_reminds_once(clerk, emp, emp2):
    on(datetime.date(2026, 11, 20))
    assert arrears.months_overdue(paid_up_to=AUG, opened_on=emp.opened_on, payday=10, on=datetime.date(2026, 11, 15),
                                  deadline_days=5) == [SEP, OCT]  # the deadline day itself is not overdue yet
    result = tasks.detect_arrears()
    assert result == {"employers": 2, "months": 4, "new": 4, "updated": 0, "cleared": 0, "reminders": 4,
                      "amount_due": "6118.44"}
    month = (2, Decimal("1639.48"), Decimal("0"), Decimal("1639.48"), "open")
    assert records() == {
        ("示范科技有限公司", SEP): month, ("示范科技有限公司", OCT): month, ("示范科技有限公司", NOV): month,
        ("迟发工资公司", OCT): (1, Decimal("1200.00"), Decimal("0"), Decimal("1200.00"), "open"),
    }  # 9,380.50 × 7% = 656.635 → 656.64 (× 2) + 2,330 × 7% = 163.10 (× 2); 5,000 × 12% × 2
    assert ArrearsRecord.objects.get(employer=emp, month=NOV).deadline == datetime.date(2026, 11, 15)
    notes = Notification.objects.filter(recipient_id=emp.pk, recipient_type__model="employer").order_by("channel")
    assert [(n.channel, n.address, n.key) for n in notes] == [
        ("inbox", "", f"arrears:{emp.pk}:2026-11:inbox"), ("sms", "13800000001", f"arrears:{emp.pk}:2026-11:sms")]
    reminder = notes[0]
    assert reminder.subject == "住房公积金催缴通知"
    assert reminder.body.startswith("催缴通知：示范科技有限公司（单位账号 ")
    assert "有 3 个月未足额缴存住房公积金：2026-09、2026-10、2026-11，欠缴金额合计 ¥4,918.44。" in reminder.body

    again = arrears.detect_arrears(actor=system_actor())
    assert (again["new"], again["updated"], again["cleared"], again["reminders"]) == (0, 0, 0, 0)
    assert ArrearsRecord.objects.count() == 4 and Notification.objects.count() == 4


def test_payments_clear_and_reduce_arrears(clerk, emp, emp2):
    on(datetime.date(2026, 11, 20))
    arrears.detect_arrears(actor=system_actor())
    pay(clerk, remit.supplementary_list(actor=clerk, employer=emp, months=[SEP], reason="补缴九月"))
    jia = FundAccount.objects.get(depositor__name="甲")
    pay(clerk, remit.supplementary_list(actor=clerk, employer=emp, months=[OCT], account_numbers=[jia.number],
                                        reason="补缴十月"))
    on(datetime.date(2026, 11, 21))
    result = arrears.detect_arrears(actor=system_actor())
    assert (result["new"], result["updated"], result["cleared"], result["reminders"]) == (0, 1, 1, 0)
    assert records()[("示范科技有限公司", SEP)][4] == "cleared"
    assert ArrearsRecord.objects.get(employer=emp, month=SEP).cleared_on == datetime.date(2026, 11, 21)
    assert records()[("示范科技有限公司", OCT)] == (2, Decimal("1639.48"), Decimal("1313.28"), Decimal("326.20"),
                                                "open")
    assert run_checks()["ok"]

    # a month later: December is overdue for the first employer, November for the second
    on(datetime.date(2026, 12, 20))
    result = arrears.detect_arrears(actor=system_actor())
    assert (result["new"], result["reminders"], result["amount_due"]) == (2, 4, Decimal("6005.16"))
    assert sorted(m for (name, m), r in records().items() if r[4] == "open") == [OCT, OCT, NOV, NOV, DEC]
    assert Notification.objects.count() == 8


def test_deferred_months_are_not_arrears(clerk, emp2):
    on(datetime.date(2026, 11, 20))
    agent = make_user("agent", roles.EMPLOYER_AGENT)
    account_services.link_employer_agent(actor=clerk, user=agent, employer=emp2)
    app = deferral.submit_application(
        actor=agent, employer=emp2, kind="deferral", month_from=NOV, month_to=DEC, reason="困难",
        evidence=SimpleUploadedFile("决议.pdf", b"%PDF"), decision_date=datetime.date(2026, 11, 1))
    deferral.review_application(actor=make_user("r", roles.REVIEWER), application=app)
    deferral.approve_application(actor=make_user("a", roles.APPROVER), application=app)
    on(datetime.date(2027, 1, 20))
    arrears.detect_arrears(actor=system_actor())
    assert sorted(m for (_n, m) in records()) == [OCT]  # Nov and Dec deferred; January not due until Feb 2
    assert [d.month for d in selectors.outstanding_deferred_months(emp2, viewer=clerk)] == [NOV, DEC]


def test_arrears_list_and_summary_respect_the_viewer(clerk, emp, emp2, auditor):
    on(datetime.date(2026, 11, 20))
    arrears.detect_arrears(actor=system_actor())
    agent = make_user("agent", roles.EMPLOYER_AGENT)
    account_services.link_employer_agent(actor=clerk, user=agent, employer=emp2)
    assert selectors.arrears_list({"status": "open"}, viewer=auditor).count() == 4
    assert [r.month for r in selectors.arrears_list({"employer_number": emp.account_number,
                                                     "month_from": OCT}, viewer=clerk)] == [OCT, NOV]
    assert [r.employer_id for r in selectors.arrears_list(viewer=agent)] == [emp2.pk]
    assert selectors.arrears_list(viewer=make_user("nobody")).count() == 0
    summary = list(selectors.arrears_by_employer(viewer=clerk))
    assert [(s["employer__name"], s["months"], s["amount_due"]) for s in summary] == [
        ("示范科技有限公司", 3, Decimal("4918.44")), ("迟发工资公司", 1, Decimal("1200.00"))]


def test_continuity_and_gaps(clerk, emp):
    jia = FundAccount.objects.get(depositor__name="甲")
    yi = FundAccount.objects.get(depositor__name="乙")
    on(datetime.date(2026, 11, 20))
    pay(clerk, remit.supplementary_list(actor=clerk, employer=emp, months=[SEP], account_numbers=[jia.number],
                                        reason="补缴"))
    pay(clerk, remit.generate_list(actor=clerk, employer=emp, month=NOV))
    account_services.seal_account(actor=clerk, account=yi, reason="离职")  # sealed on 2026-11-20
    # 甲: Aug, Sep, Nov paid; 乙: Aug, Nov paid
    assert selectors.continuous_months(jia, NOV) == 1
    assert selectors.continuous_months(jia, SEP) == 2
    assert selectors.continuous_months(jia, OCT) == 0
    assert selectors.cumulative_months(jia) == 3
    # opened on Aug 3: August is not expected (but counts when paid); October is a gap
    assert selectors.deposit_gaps(jia, datetime.date(2026, 7, 1), DEC) == [OCT, DEC]
    assert selectors.deposit_gaps(yi, AUG, DEC) == [SEP, OCT]  # sealed before December began
    assert selectors.deposit_gaps(yi.pk, JAN, JAN) == []


def test_deferred_months_count_as_continuous_by_policy(clerk, emp):
    jia = FundAccount.objects.get(depositor__name="甲")
    on(datetime.date(2026, 11, 20))
    pay(clerk, remit.supplementary_list(actor=clerk, employer=emp, months=[SEP, OCT], reason="补缴"))
    pay(clerk, remit.generate_list(actor=clerk, employer=emp, month=NOV))
    on(datetime.date(2026, 12, 1))
    app = deferral.submit_application(
        actor=clerk, employer=emp, kind="deferral", month_from=DEC, month_to=JAN, reason="困难",
        evidence=SimpleUploadedFile("决议.pdf", b"%PDF"), decision_date=datetime.date(2026, 11, 28))
    deferral.review_application(actor=make_user("r", roles.REVIEWER), application=app)
    deferral.approve_application(actor=make_user("a", roles.APPROVER), application=app)
    on(datetime.date(2027, 2, 10))
    deferral.end_expired_periods(actor=system_actor())
    pay(clerk, remit.generate_list(actor=clerk, employer=emp, month=FEB))
    assert selectors.continuous_months(jia, FEB) == 7  # Aug–Nov paid, Dec–Jan deferred, Feb paid
    assert selectors.deposit_gaps(jia, AUG, FEB) == []
    PolicyValue.objects.create(key="deposits.deferral_counts_as_continuous", effective_from=JAN, value="false")
    assert selectors.continuous_months(jia, FEB) == 1
    assert selectors.deposit_gaps(jia, AUG, FEB) == [DEC, JAN]
    assert run_checks()["ok"]
