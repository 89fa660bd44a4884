"""Return for documents, resubmission and cancellation of loan applications; the decision clock (calendar days,
restarted on resubmission) and the fast lane with its two-hour clock on the workbench."""

import datetime
import json
from decimal import Decimal

import pytest
from django.utils import timezone

from core.errors import Forbidden, InvalidInput, StateError
from core.models import AuditEvent, CaseTransition, Notification, PolicyValue
from loans import selectors, services
from loans.models import LoanApplication
from tests import factories
from tests.loans.conftest import example_data, on, portal_user, scan, with_documents

D = Decimal
day = datetime.date
S = LoanApplication.State
REGISTRY = "withdrawals.selectors.homes_owned"  # the registry seam (only its presence is read here)


def draft(staff, household, actor=None, **changes):
    app = services.create_draft(
        actor=actor or staff["officer"], account=household["borrower"], data=example_data(**changes)
    )
    return with_documents(app, actor=actor)


def accepted(staff, household):
    return services.accept(actor=staff["officer"], application=draft(staff, household))


def snapshot(app):
    app = LoanApplication.objects.get(pk=app.pk)
    return (
        app.state,
        app.accepted_on,
        app.decision_due,
        CaseTransition.objects.filter(case_id=app.pk).count(),
        AuditEvent.objects.count(),
    )


# --- return and resubmit --------------------------------------------------------------------------------------------


def test_reviewer_returns_for_documents_and_the_borrower_is_told(staff, household):
    user = portal_user(household["borrower"].depositor, "wjg")
    app = accepted(staff, household)
    app = services.return_for_documents(actor=staff["reviewer"], application=app, reason="收入证明缺少单位盖章")
    assert app.state == S.RETURNED and app.fast_lane is False
    last = CaseTransition.objects.filter(case_id=app.pk).order_by("id").last()
    assert (last.action, last.from_state, last.to_state, last.actor, last.step, last.comment) == (
        "return",
        "accepted",
        "returned",
        staff["reviewer"],
        "",
        "收入证明缺少单位盖章",
    )
    assert AuditEvent.objects.filter(action="loan_application.return", object_id=str(app.pk)).count() == 1
    note = Notification.objects.get(user=user)
    assert note.subject == f"贷款申请 {app.number}：需补充材料" and note.body == "收入证明缺少单位盖章"
    assert selectors.decision_clock(app) is None  # the clock stops while the case waits for the borrower


def test_a_return_needs_a_reviewer_or_approver_a_reason_and_an_open_decision(staff, household):
    app = accepted(staff, household)
    before = snapshot(app)
    with pytest.raises(Forbidden):
        services.return_for_documents(actor=staff["officer"], application=app, reason="缺材料")
    with pytest.raises(InvalidInput) as refused:
        services.return_for_documents(actor=staff["reviewer"], application=app, reason="   ")
    assert refused.value.message == "请填写原因（不超过 500 个字）。"
    with pytest.raises(InvalidInput):
        services.return_for_documents(actor=staff["reviewer"], application=app, reason="长" * 501)
    assert snapshot(app) == before
    submitted = services.submit(
        actor=portal_user(household["spouse"].depositor, "lh"),
        application=with_documents(
            services.create_draft(
                actor=LoanApplication.objects.get(pk=app.pk).created_by,
                account=household["spouse"],
                data=example_data(female_category="cadre", term_months=240),
            )
        ),
    )
    with pytest.raises(StateError):  # not accepted yet: nothing to return
        services.return_for_documents(actor=staff["reviewer"], application=submitted, reason="缺材料")


def test_resubmission_at_the_counter_restarts_the_decision_clock_in_calendar_days(staff, household):
    app = accepted(staff, household)  # Thursday 2026-01-15: 15 days then (10 from 2026-09-20)
    assert (app.accepted_on, app.decision_due) == (day(2026, 1, 15), day(2026, 1, 30))
    app = services.review(actor=staff["reviewer"], application=app)
    on(day(2026, 1, 20))
    app = services.return_for_documents(actor=staff["approver"], application=app, reason="请补充首付款收据原件扫描件")
    on(day(2026, 1, 22))
    services.add_documents(actor=staff["officer"], application=app, documents=[("down_payment", scan("收据.pdf"))])
    app = services.resubmit(actor=staff["officer"], application=app, comment="已补齐")
    # restarted, not paused: a full period from the new acceptance; calendar days (business days would be Feb 12)
    assert (app.state, app.accepted_on, app.decision_due) == (S.ACCEPTED, day(2026, 1, 22), day(2026, 2, 6))
    assert selectors.decision_clock(app, on=day(2026, 2, 6)) == {"left": 0}
    assert selectors.promise_clock(app, on=day(2026, 2, 7))["decision"] == {"elapsed": 16, "promise": 15, "late": True}
    steps = [(t.action, t.step, t.actor.username) for t in CaseTransition.objects.filter(case_id=app.pk).order_by("id")]
    assert steps == [
        ("create", "", "l_officer"),
        ("accept", "accept", "l_officer"),
        ("review", "review", "l_reviewer"),
        ("return", "", "l_approver"),
        ("resubmit", "accept", "l_officer"),
    ]
    # the three-people rule is untouched: the officer who resubmitted cannot review, the reviewer reviews again
    with pytest.raises(Forbidden):
        services.review(actor=staff["officer"], application=app)
    app = services.review(actor=staff["reviewer"], application=app)
    services.assess(actor=staff["reviewer"], application=app, credit_ok=True)
    app = services.approve(actor=staff["approver"], application=app)
    assert app.state == S.APPROVED and app.limit_amount == D("600000.00")


def test_four_eyes_still_holds_after_a_resubmission(staff, household):
    allround = staff["allround"]
    app = services.accept(actor=staff["officer"], application=draft(staff, household))
    app = services.return_for_documents(actor=allround, application=app, reason="补充材料")
    app = services.resubmit(actor=staff["officer2"], application=app)
    app = services.review(actor=allround, application=app)  # returning was no four-eyes step
    before = snapshot(app)
    with pytest.raises(Forbidden) as refused:
        services.approve(actor=staff["officer2"], application=app)
    assert refused.value.code == "wrong_role"
    with pytest.raises(Forbidden) as refused:
        services.approve(actor=allround, application=app)  # reviewed it: may not approve it
    assert refused.value.code == "four_eyes"
    assert snapshot(app) == before


def test_resubmission_is_refused_while_a_required_document_is_missing(staff, household):
    app = services.return_for_documents(
        actor=staff["reviewer"], application=accepted(staff, household), reason="请补充开发商出具的情况说明"
    )
    # the center's list now asks for an "other" document for new homes too
    mapping = {"all": ["id_card", "marital", "income", "credit_auth"], "purchase:new": ["other"]}
    PolicyValue.objects.create(
        key="loans.required_documents", effective_from=day(2026, 1, 1), value=json.dumps(mapping)
    )
    before = snapshot(app)
    with pytest.raises(InvalidInput) as refused:
        services.resubmit(actor=staff["officer"], application=app)
    assert refused.value.message == "缺少材料：其他。请先上传。"
    assert snapshot(app) == before
    services.add_documents(actor=staff["officer"], application=app, documents=[("other", scan())])
    assert services.resubmit(actor=staff["officer"], application=app).state == S.ACCEPTED


def test_borrower_completes_a_returned_application_online(staff, household, client):
    user = portal_user(household["borrower"].depositor, "wjg")
    app = services.submit(actor=user, application=draft(staff, household, actor=user))
    app = services.accept(actor=staff["officer"], application=app)
    app = services.return_for_documents(actor=staff["reviewer"], application=app, reason="身份证复印件不清晰")
    client.force_login(user)
    page = client.get(f"/portal/loans/{app.number}/").content.decode()
    assert "身份证复印件不清晰" in page and 'id="upload"' in page and 'id="resubmit"' in page
    response = client.post(
        f"/portal/loans/{app.number}/documents/", {"doc_id_card": scan("身份证.png", b"\x89PNG\r\n\x1a\n1")}
    )
    assert response.status_code == 302 and app.documents.filter(doc_type="id_card").count() == 2
    on(day(2026, 1, 19))
    client.post(f"/portal/loans/{app.number}/resubmit/")
    app.refresh_from_db()
    assert (app.state, app.accepted_on) == (S.ACCEPTED, day(2026, 1, 19))
    last = CaseTransition.objects.filter(case_id=app.pk).order_by("id").last()
    assert (last.action, last.step, last.actor) == ("resubmit_online", "", user)  # the applicant's own step
    page = client.get(f"/portal/loans/{app.number}/").content.decode()
    assert [s["action"] for s in selectors.steps(app)] == ["create", "submit", "accept", "return", "resubmit_online"]
    assert page.count('<li data-step="') == 5 and '<li data-step="return"' in page  # the history, under the timeline
    assert 'id="upload"' not in page and 'id="cancel"' not in page  # accepted: no uploads, no self-cancel
    # the reviewer may now review it (the applicant's resubmission is no four-eyes step)
    assert services.review(actor=staff["reviewer"], application=app).state == S.REVIEWED


# --- cancel ---------------------------------------------------------------------------------------------------------


def test_the_applicant_cancels_a_draft_a_submitted_or_a_returned_application(staff, household, client):
    user = portal_user(household["borrower"].depositor, "wjg")
    first = draft(staff, household, actor=user)
    assert services.cancel(actor=user, application=first).state == S.CANCELLED
    second = services.submit(actor=user, application=draft(staff, household, actor=user))
    client.force_login(user)
    assert 'id="cancel"' in client.get(f"/portal/loans/{second.number}/").content.decode()
    client.post(f"/portal/loans/{second.number}/cancel/")
    second.refresh_from_db()
    assert second.state == S.CANCELLED
    third = services.accept(
        actor=staff["officer"], application=services.submit(actor=user, application=draft(staff, household, actor=user))
    )
    before = snapshot(third)
    with pytest.raises(Forbidden) as refused:
        services.cancel(actor=user, application=third)
    assert refused.value.message == "中心已受理该申请，如需撤销请联系中心。"
    assert snapshot(third) == before
    third = services.return_for_documents(actor=staff["reviewer"], application=third, reason="补材料")
    third = services.cancel(actor=user, application=third)
    assert third.state == S.CANCELLED
    last = CaseTransition.objects.filter(case_id=third.pk).order_by("id").last()
    assert (last.action, last.from_state, last.actor, last.comment) == ("cancel", "returned", user, "申请人撤销。")
    stranger = portal_user(factories.account(staff["clerk"], name="路人").depositor, "lr")
    client.force_login(stranger)
    assert client.post(f"/portal/loans/{first.number}/cancel/").status_code == 404


def test_staff_cancel_with_a_reason_and_never_a_decided_case(staff, household):
    app = accepted(staff, household)
    before = snapshot(app)
    with pytest.raises(InvalidInput):
        services.cancel(actor=staff["officer"], application=app, reason="")
    with pytest.raises(Forbidden):
        services.cancel(actor=staff["clerk"], application=app, reason="重复申请")
    assert snapshot(app) == before
    app = services.cancel(actor=staff["reviewer"], application=app, reason="借款人来电撤回")
    assert app.state == S.CANCELLED
    assert selectors.steps(app)[-1]["comment"] == "借款人来电撤回"
    with pytest.raises(StateError):
        services.cancel(actor=staff["officer"], application=app, reason="再次撤销")


# --- the fast lane and the clocks -----------------------------------------------------------------------------------


def test_fast_lane_needs_every_check_passed_on_the_centers_own_data(staff, household, settings):
    app = accepted(staff, household)
    assert app.fast_lane is False  # the credit check is not recorded yet
    settings.LOAN_PROPERTY_SOURCE = ""  # no registry connected: the homes owned are not the center's own data
    app = services.assess(actor=staff["officer"], application=app, credit_ok=True)
    assert app.assessment["eligible"] and app.fast_lane is False
    settings.LOAN_PROPERTY_SOURCE = REGISTRY
    app = services.assess(actor=staff["officer"], application=app)
    assert app.fast_lane is True
    # a co-borrower certified by another center: not the center's own data
    app.parties.create(role="co_borrower", name="赵六", id_number=factories.make_id(7), other_center_balance="1000")
    assert services.assess(actor=staff["officer"], application=app).fast_lane is False


def test_fast_lane_cases_come_first_in_every_queue_with_their_badge(staff, household, settings, client):
    settings.LOAN_PROPERTY_SOURCE = REGISTRY
    slow = accepted(staff, household)
    fast = accepted(staff, household)
    fast = services.assess(actor=staff["officer"], application=fast, credit_ok=True)
    assert (slow.fast_lane, fast.fast_lane) == (False, True)
    assert list(selectors.applications(viewer=staff["reviewer"])) == [fast, slow]
    assert list(selectors.applications(viewer=staff["reviewer"], state=S.ACCEPTED))[0] == fast
    client.force_login(staff["reviewer"])
    page = client.get("/counter/loans/", {"state": "accepted"}).content.decode()
    assert page.index(fast.number) < page.index(slow.number)
    assert f"{fast.number}</a>" not in page and "快速通道" in page
    assert page.count('data-fast-lane="1"') == 1
    assert 'data-clock="decision">第 0 天 / 共 15 天' in page


def test_the_two_hour_clock_of_a_complete_online_application(staff, household, settings):
    from tests.conftest import make_user
    from tests.loans.test_money import ESCROW

    finance = make_user("l_finance", "finance")

    settings.LOAN_PROPERTY_SOURCE = REGISTRY
    user = portal_user(household["borrower"].depositor, "wjg")
    app = services.submit(actor=user, application=draft(staff, household, actor=user))
    start = app.completed_at
    app = services.accept(actor=staff["officer"], application=app)
    assert app.completed_at == start  # counted from the complete online application, not from acceptance
    app = services.assess(actor=staff["officer"], application=app, credit_ok=True)
    assert app.fast_lane
    clock = selectors.promise_clock(app, now=start + datetime.timedelta(minutes=95))["fast"]
    assert clock == {"minutes": 95, "elapsed": "1:35", "promise": 2, "late": False, "stopped": False}
    late = selectors.promise_clock(app, now=start + datetime.timedelta(minutes=121))["fast"]
    assert late["late"] and late["elapsed"] == "2:01"
    app = services.review(actor=staff["reviewer"], application=app)
    app = services.approve(actor=staff["approver"], application=app)
    contract = services.sign_contract(actor=staff["officer"], application=app, title_number="示范不动产权第0000001号")
    services.register_escrow_account(
        actor=finance, kind="presale", number=ESCROW, name="示范置业预售资金监管户", bank="示范银行"
    )
    factories.deposit(household["spouse"], "600000")  # money in the bank to lend
    contract = services.disburse(actor=finance, contract=contract, payee_kind="presale_escrow", payee_account=ESCROW)
    app.refresh_from_db()
    stopped = selectors.promise_clock(app, now=timezone.now() + datetime.timedelta(hours=5))["fast"]
    assert stopped["stopped"] and not stopped["late"]  # paid within the promise: the clock stopped at the payment
    assert contract.disbursed_at is not None
    services.confirm_disbursement(actor=finance, contract=contract, bank_reference="B1")


def test_a_counter_application_has_no_two_hour_clock(staff, household, settings):
    settings.LOAN_PROPERTY_SOURCE = REGISTRY
    app = services.assess(actor=staff["officer"], application=accepted(staff, household), credit_ok=True)
    assert app.fast_lane and app.channel == "counter"
    assert set(selectors.promise_clock(app)) == {"decision"}
