import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from accounts import services as account_services
from accounts.models import AccountEvent, Employer, FundAccount
from core import roles, workflow
from core.actors import system_actor
from core.business_date import set_business_date
from core.errors import Conflict, Forbidden, InvalidInput, StateError
from core.models import AuditEvent, CaseTransition
from deposits import selectors, tasks
from deposits.models import DeferralApplication, DeferredMonth, RemittanceList
from deposits.services import deferral
from deposits.services import remittance as remit
from ledger.reconciliation import run_checks
from tests import factories
from tests.conftest import make_user

NOV, DEC, JAN, FEB = (datetime.date(2026, 11, 1), datetime.date(2026, 12, 1), datetime.date(2027, 1, 1),
                      datetime.date(2027, 2, 1))


@pytest.fixture(autouse=True)
def setup(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    set_business_date(actor=system_actor(), date=datetime.date(2026, 11, 20))
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def emp(clerk):
    employer = factories.employer(clerk)  # new employers: 12% / 12%
    factories.account(clerk, employer, name="甲", base="10000")
    factories.account(clerk, employer, name="乙", base="5000", employee_ratio=Decimal("0.08"),
                      employer_ratio=Decimal("0.08"))
    return employer


@pytest.fixture
def agent(clerk, emp):
    user = make_user("agent", roles.EMPLOYER_AGENT)
    account_services.link_employer_agent(actor=clerk, user=user, employer=emp)
    return user


@pytest.fixture
def reviewer(db):
    return make_user("reviewer1", roles.REVIEWER)


@pytest.fixture
def approver(db):
    return make_user("approver1", roles.APPROVER)


def evidence(name="职代会决议.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4 decision", content_type="application/pdf")


def submit(actor, emp, kind="deferral", month_from=NOV, month_to=JAN, **kw):
    data = dict(reason="订单骤减，经营困难", evidence=evidence(), decision_date=datetime.date(2026, 11, 2))
    data.update(kw)
    return deferral.submit_application(actor=actor, employer=emp, kind=kind, month_from=month_from,
                                       month_to=month_to, **data)


def approved(agent, reviewer, approver, emp, **kw):
    app = submit(agent, emp, **kw)
    deferral.review_application(actor=reviewer, application=app, comment="材料齐全")
    return deferral.approve_application(actor=approver, application=app, comment="同意")


def test_evidence_is_required(agent, emp):
    with pytest.raises(InvalidInput) as info:
        submit(agent, emp, evidence=None)
    assert "职工代表大会或工会" in info.value.message
    assert info.value.code == "evidence_required" and "evidence" in info.value.fields
    with pytest.raises(InvalidInput) as info:
        submit(agent, emp, evidence=evidence("决议.exe"))
    assert "PDF" in info.value.message
    assert DeferralApplication.objects.count() == 0 and CaseTransition.objects.count() == 0


def test_evidence_is_judged_by_its_content(agent, emp):
    page = SimpleUploadedFile("决议.pdf", b"<html><script>alert(1)</script></html>", content_type="application/pdf")
    with pytest.raises(InvalidInput) as info:
        submit(agent, emp, evidence=page)
    assert info.value.code == "evidence_type" and "PDF" in info.value.message
    assert DeferralApplication.objects.count() == 0
    app = submit(agent, emp)
    assert app.evidence.name.endswith(".pdf") and "职代会决议" not in app.evidence.name


def test_period_and_dates_are_checked(agent, emp):
    with pytest.raises(InvalidInput) as info:
        submit(agent, emp, month_to=datetime.date(2027, 11, 1))  # 13 months
    assert "12" in info.value.message and "续" in info.value.message
    with pytest.raises(InvalidInput):
        submit(agent, emp, month_from=datetime.date(2026, 10, 1))  # before the current month
    with pytest.raises(InvalidInput):
        submit(agent, emp, decision_date=datetime.date(2026, 12, 1))  # decision in the future
    with pytest.raises(InvalidInput):
        submit(agent, emp, reason=" ")
    assert DeferralApplication.objects.count() == 0


def test_agent_of_another_employer_cannot_submit(clerk, agent):
    other = factories.employer(clerk, name="别家公司")
    with pytest.raises(Forbidden):
        submit(agent, other)
    assert DeferralApplication.objects.count() == 0


def test_submitter_reviewer_and_approver_must_differ(clerk, agent, emp, approver):
    allrounder = make_user("allrounder", roles.CLERK, roles.REVIEWER, roles.APPROVER)
    app = submit(allrounder, emp)
    with pytest.raises(Forbidden) as info:
        deferral.review_application(actor=allrounder, application=app)
    assert info.value.code == "four_eyes" and "三个不同的人" in info.value.message
    with pytest.raises(Forbidden):  # a clerk is not a reviewer
        deferral.review_application(actor=clerk, application=app)
    with pytest.raises(StateError):  # not reviewed yet
        deferral.approve_application(actor=approver, application=app)
    app.refresh_from_db()
    assert app.status == "submitted" and workflow.step_actors(app) == {"accept": {allrounder.pk}}
    reviewer_and_approver = make_user("ra", roles.REVIEWER, roles.APPROVER)
    deferral.review_application(actor=reviewer_and_approver, application=app)
    with pytest.raises(Forbidden):  # reviewed it
        deferral.approve_application(actor=reviewer_and_approver, application=app)
    with pytest.raises(Forbidden):  # submitted it
        deferral.approve_application(actor=allrounder, application=app)
    with pytest.raises(Forbidden):  # the system cannot approve
        deferral.approve_application(actor=system_actor(), application=app)
    app.refresh_from_db()
    assert app.status == "reviewed" and DeferredMonth.objects.count() == 0
    assert Employer.objects.get(pk=emp.pk).status == "01"
    deferral.approve_application(actor=approver, application=app)
    app.refresh_from_db()
    assert deferral.submitted_by(app) == allrounder
    assert workflow.step_actors(app) == {"accept": {allrounder.pk}, "review": {reviewer_and_approver.pk},
                                         "approve": {approver.pk}}
    steps = list(workflow.history(app).values_list("action", "from_state", "to_state", "actor__username"))
    assert steps == [("submit", "", "submitted", "allrounder"), ("review", "submitted", "reviewed", "ra"),
                     ("approve", "reviewed", "approved", "approver1")]


def test_rejection_needs_a_reason_and_the_right_role(agent, emp, reviewer, approver):
    app = submit(agent, emp)
    with pytest.raises(InvalidInput):
        deferral.reject_application(actor=reviewer, application=app, comment="")
    with pytest.raises(Forbidden):  # before review only a reviewer decides
        deferral.reject_application(actor=approver, application=app, comment="不符合条件")
    deferral.reject_application(actor=reviewer, application=app, comment="未提供财务报表")
    app.refresh_from_db()
    assert app.status == "rejected"
    assert list(workflow.history(app).values_list("action", "step", "actor", "comment"))[-1] == (
        "reject_review", "review", reviewer.pk, "未提供财务报表")
    with pytest.raises(StateError):
        deferral.approve_application(actor=approver, application=app)
    # a rejected application does not block a new one for the same months
    assert submit(agent, emp).status == "submitted"


def test_deferral_sets_status_blocks_lists_and_must_be_made_up(clerk, agent, emp, reviewer, approver):
    app = approved(agent, reviewer, approver, emp)
    assert app.status == "approved" and app.started_on == datetime.date(2026, 11, 20)
    assert Employer.objects.get(pk=emp.pk).status == "03"
    assert list(DeferredMonth.objects.filter(employer=emp).values_list("month", flat=True)) == [NOV, DEC, JAN]
    with pytest.raises(StateError) as info:
        remit.generate_list(actor=agent, employer=emp, month=NOV)
    assert info.value.code == "month_deferred" and "缓缴" in info.value.message
    assert RemittanceList.objects.count() == 0
    assert list(selectors.outstanding_deferred_months(emp, viewer=system_actor())) == []  # the period is not over yet
    with pytest.raises(Conflict):  # overlapping application
        submit(agent, emp, month_from=JAN, month_to=FEB)

    set_business_date(actor=system_actor(), date=datetime.date(2027, 2, 3))
    assert tasks.deferral_periods() == {"on": "2027-02-03", "ended": 1, "started": 0}
    assert deferral.end_expired_periods(actor=system_actor()) == 0  # idempotent
    assert Employer.objects.get(pk=emp.pk).status == "01"
    app.refresh_from_db()
    assert app.ended_on == datetime.date(2027, 2, 3) and app.previous_status == "01"
    outstanding = selectors.outstanding_deferred_months(emp, viewer=system_actor())
    assert [d.month for d in outstanding] == [NOV, DEC, JAN]

    # the employer makes up November and December with a supplementary payment
    sup = remit.supplementary_list(actor=agent, employer=emp, months=[NOV, DEC], reason="缓缴期满补缴")
    assert sup.total == Decimal("6400.00")  # (1,200 + 1,200 + 400 + 400) × 2 months
    remit.confirm_list(actor=agent, remittance=sup)
    (line,) = factories.statement(bank_account=factories.bank_account(), rows=[{
        "bank_reference": "D1", "value_date": "2027-02-03", "direction": "C", "amount": "6400.00"}])
    remit.pay_from_statement(actor=clerk, remittance=sup, line=line)
    assert [d.month for d in selectors.outstanding_deferred_months(emp, viewer=system_actor())] == [JAN]
    assert run_checks()["ok"]


def test_a_later_period_starts_with_the_daily_job(agent, emp, reviewer, approver):
    app = approved(agent, reviewer, approver, emp, month_from=DEC, month_to=DEC)
    assert app.started_on is None and Employer.objects.get(pk=emp.pk).status == "01"
    assert remit.generate_list(actor=agent, employer=emp, month=NOV).status == "draft"  # November is not deferred
    assert deferral.start_due_periods(actor=system_actor(), on=datetime.date(2026, 11, 30)) == 0
    assert deferral.start_due_periods(actor=system_actor(), on=datetime.date(2026, 12, 1)) == 1
    assert deferral.start_due_periods(actor=system_actor(), on=datetime.date(2026, 12, 2)) == 0
    assert Employer.objects.get(pk=emp.pk).status == "03"
    # renewal for January, approved while December runs; the job ends December and starts January
    renewal = approved(agent, reviewer, approver, emp, month_from=JAN, month_to=JAN)
    assert deferral.start_due_periods(actor=system_actor(), on=datetime.date(2027, 1, 1)) == 1
    renewal.refresh_from_db()
    assert renewal.previous_status == "01" and Employer.objects.get(pk=emp.pk).status == "03"
    assert deferral.end_expired_periods(actor=system_actor(), on=datetime.date(2027, 2, 1)) == 1
    assert Employer.objects.get(pk=emp.pk).status == "01"


def test_ratio_reduction_lowers_and_restores_ratios(clerk, agent, emp, reviewer, approver):
    with pytest.raises(InvalidInput) as info:
        submit(agent, emp, kind="ratio_reduction", employee_ratio=Decimal("0.04"), employer_ratio=Decimal("0.06"))
    assert "5%" in info.value.message
    with pytest.raises(InvalidInput):  # a side above the current 12%
        submit(agent, emp, kind="ratio_reduction", employee_ratio=Decimal("0.13"), employer_ratio=Decimal("0.06"))
    with pytest.raises(InvalidInput):
        submit(agent, emp, kind="ratio_reduction")  # no ratios
    assert DeferralApplication.objects.count() == 0

    app = submit(agent, emp, kind="ratio_reduction", month_from=NOV, month_to=datetime.date(2027, 4, 1),
                 employee_ratio=Decimal("0.06"), employer_ratio=Decimal("0.06"))
    effect = selectors.deferral_effect(app)
    assert effect == {"headcount": 2, "months": 6, "monthly_before": Decimal("3200.00"),
                      "monthly_after": Decimal("1800.00"), "monthly_difference": Decimal("1400.00"),
                      "total_difference": Decimal("8400.00")}
    deferral.review_application(actor=reviewer, application=app)
    deferral.approve_application(actor=approver, application=app)
    emp.refresh_from_db()
    assert (emp.employee_ratio, emp.employer_ratio, emp.status) == (Decimal("0.06"), Decimal("0.06"), "01")
    ratios = dict(FundAccount.objects.filter(employer=emp).values_list("depositor__name", "employee_ratio"))
    assert ratios == {"甲": Decimal("0.06"), "乙": Decimal("0.06")}
    rem = remit.generate_list(actor=agent, employer=emp, month=NOV)
    assert rem.total == Decimal("1800.00")  # 10,000 × 6% × 2 + 5,000 × 6% × 2
    newcomer = factories.account(clerk, emp, name="丙", base="4000")  # joins during the period: 6% / 6%
    assert newcomer.employee_ratio == Decimal("0.06")
    assert AccountEvent.objects.filter(business_type="70").count() == 2

    assert deferral.end_expired_periods(actor=system_actor(), on=datetime.date(2027, 4, 30)) == 0
    assert deferral.end_expired_periods(actor=system_actor(), on=datetime.date(2027, 5, 1)) == 1
    assert deferral.end_expired_periods(actor=system_actor(), on=datetime.date(2027, 5, 2)) == 0
    emp.refresh_from_db()
    assert (emp.employee_ratio, emp.employer_ratio) == (Decimal("0.12"), Decimal("0.12"))
    ratios = {n: (a, b) for n, a, b in FundAccount.objects.filter(employer=emp).values_list(
        "depositor__name", "employee_ratio", "employer_ratio")}
    assert ratios == {"甲": (Decimal("0.12"), Decimal("0.12")), "乙": (Decimal("0.08"), Decimal("0.08")),
                      "丙": (Decimal("0.12"), Decimal("0.12"))}
    assert AccountEvent.objects.filter(business_type="70").count() == 5


# --- four eyes through the common workflow engine (core.workflow) ------------------------------------------

def test_four_eyes_through_the_common_engine(clerk, agent, emp, reviewer, approver):
    """Submit (受理), review (审核) and approval (审批) are steps of core.workflow: the engine refuses a person
    who took another step, shows each person only the actions left to them, and records every step once."""
    staff = make_user("staff3", roles.CLERK, roles.REVIEWER, roles.APPROVER)
    app = submit(staff, emp)
    assert [t.action for t in deferral.FLOW.actions_for(app, staff)] == []  # submitted it: no review for them
    assert [t.action for t in deferral.FLOW.actions_for(app, reviewer)] == ["review", "reject_review"]
    assert deferral.FLOW.actions_for(app, approver) == []  # not reviewed yet
    for call in (deferral.review_application, deferral.reject_application):
        with pytest.raises(Forbidden) as info:
            call(actor=staff, application=app, comment="自己审核")
        assert info.value.code == "four_eyes"
    app.refresh_from_db()
    assert app.status == "submitted" and workflow.history(app).count() == 1

    app = deferral.review_application(actor=reviewer, application=app, comment="材料齐全")
    assert [t.action for t in deferral.FLOW.actions_for(app, approver)] == ["approve", "reject"]
    assert deferral.FLOW.actions_for(app, staff) == []  # submitted it: may not approve or reject either
    with pytest.raises(Forbidden) as info:  # the submitter, although an approver
        deferral.approve_application(actor=staff, application=app, comment="同意")
    assert info.value.code == "four_eyes"
    with pytest.raises(Forbidden) as info:  # the reviewer has no approver role
        deferral.reject_application(actor=reviewer, application=app, comment="不同意")
    assert info.value.code == "wrong_role"
    app.refresh_from_db()
    assert app.status == "reviewed" and DeferredMonth.objects.count() == 0

    deferral.reject_application(actor=approver, application=app, comment="经营状况已好转")
    app.refresh_from_db()
    assert app.status == "rejected"
    rows = list(CaseTransition.objects.filter(case_id=app.pk, case_type__model="deferralapplication")
                .order_by("id").values_list("action", "from_state", "to_state", "step", "actor__username", "comment"))
    assert rows == [("submit", "", "submitted", "accept", "staff3", ""),
                    ("review", "submitted", "reviewed", "review", "reviewer1", "材料齐全"),
                    ("reject", "reviewed", "rejected", "approve", "approver1", "经营状况已好转")]
    # one audit event per action, written by the engine for the steps it applied
    actions = list(AuditEvent.objects.filter(object_type="deposits.deferralapplication", object_id=str(app.pk))
                   .order_by("id").values_list("action", flat=True))
    assert actions == ["deferral.submit", "deferral.review", "deferral.reject"]
    with pytest.raises(StateError):  # a decided case takes no further step
        deferral.approve_application(actor=approver, application=app)


def test_the_counter_page_history_comes_from_the_engine(agent, emp, reviewer, approver):
    app = approved(agent, reviewer, approver, emp)
    steps = selectors.deferral_history(app)
    assert [(s.label, s.actor.username, s.comment) for s in steps] == [
        ("已提交", "agent", ""), ("已审核", "reviewer1", "材料齐全"), ("已批准", "approver1", "同意")]
