"""Loan applications on PostgreSQL: drafts, submission, the stored assessment (DOMAIN.md §4.3's example), the
three-people workflow, visibility, schedules stored with bulk_create and the database constraints."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.admin import site
from django.db import IntegrityError, transaction

from core import workflow
from core.errors import Conflict, Forbidden, InvalidInput, StateError
from core.models import AuditEvent, CaseTransition
from core.readonly_admin import ReadOnlyAdminMixin
from loans import calculations as calc
from loans import services
from loans.models import LoanApplication, LoanContract, LoanParty, ScheduleInstallment
from tests import factories
from tests.conftest import make_user
from tests.loans.conftest import example_data, on, portal_user, with_documents

D = Decimal
day = datetime.date
S = LoanApplication.State


def draft(staff, household, **changes):
    app = services.create_draft(actor=staff["officer"], account=household["borrower"], data=example_data(**changes))
    return with_documents(app)


def contract_for(app, **kw):
    """A signed contract (the signing service comes with disbursement); Example A's terms by default."""
    values = dict(
        number=f"HT{app.pk:08d}",
        application=app,
        borrower=app.borrower,
        principal=D("500000.00"),
        annual_rate=D("0.0285"),
        term_months=240,
        method="equal_installment",
        signed_on=day(2026, 1, 20),
        first_due_date=day(2026, 2, 20),
    )
    values.update(kw)
    return LoanContract.objects.create(**values)


# --- drafts ------------------------------------------------------------------------------------------------------


def test_officer_saves_a_draft_with_the_spouse(staff, household):
    app = draft(staff, household)
    assert app.state == S.DRAFT and app.channel == "counter"
    assert app.number.startswith("DK20260115")
    assert (app.requested_amount, app.term_months, app.property_price) == (D("600000.00"), 276, D("1000000.00"))
    assert app.application_date == day(2026, 1, 15)
    spouse = household["spouse"].depositor
    assert list(app.parties.values_list("role", "depositor_id", "name")) == [("spouse", spouse.pk, "李红")]
    assert [(t.action, t.to_state) for t in workflow.history(app)] == [("create", "draft")]
    assert AuditEvent.objects.filter(action="loan_application.create", object_id=str(app.pk)).count() == 1


def test_borrower_saves_a_draft_online(staff, household):
    user = portal_user(household["borrower"].depositor, "wjg")
    app = services.create_draft(actor=user, account=household["borrower"], data=example_data())
    assert app.channel == "online" and app.created_by == user


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"requested_amount": "-1"}, "requested_amount", "金额必须大于零。"),
        ({"requested_amount": "0"}, "requested_amount", "金额必须大于零。"),
        ({"requested_amount": "100.001"}, "requested_amount", "金额最多保留两位小数。"),
        ({"requested_amount": "abc"}, "requested_amount", "abc 不是有效的数字。"),
        ({"term_months": 481}, "term_months", "月数必须在 1 到 480 之间。"),
        ({"term_months": "x"}, "term_months", "月数必须是整数。"),
        ({"property_price": "1e30"}, "property_price", "金额不能超过 100,000,000.00 元。"),
        ({"monthly_income": "-5"}, "monthly_income", "金额不能为负数。"),
        ({"property_address": "  "}, "property_address", None),
        ({"property_address": "路" * 201}, "property_address", None),
        ({"method": "balloon"}, "method", None),
        ({"property_kind": ""}, "property_kind", None),
        ({"ownership_share": "1.5"}, "ownership_share", "产权份额须大于 0 且不超过 1。"),
        ({"children": 21}, "children", None),
        ({"purchase_certificate_number": "证" * 61}, "purchase_certificate_number", "最多 60 个字符。"),
        (
            {
                "purpose": "conversion",
                "commercial_remaining": "300000",
                "commercial_bank": "示范银行",
                "commercial_loan_number": "SY1",
            },
            "commercial_remaining_months",
            "此项为必填项。",
        ),
        (
            {
                "purpose": "conversion",
                "commercial_remaining": "300000",
                "commercial_remaining_months": 481,
                "commercial_bank": "示范银行",
                "commercial_loan_number": "SY1",
            },
            "commercial_remaining_months",
            "月数必须在 1 到 480 之间。",
        ),
        (
            {
                "purpose": "conversion",
                "commercial_remaining": "300000",
                "commercial_remaining_months": 200,
                "commercial_loan_number": "SY1",
            },
            "commercial_bank",
            "请填写被转换商业贷款的贷款银行。",
        ),
        (
            {
                "purpose": "conversion",
                "commercial_remaining": "300000",
                "commercial_remaining_months": 200,
                "commercial_bank": "示范银行",
            },
            "commercial_loan_number",
            "请填写商业贷款的合同编号。",
        ),
        ({"commercial_remaining_months": 100}, "commercial_remaining_months", None),
        ({"commercial_rate": "0.04"}, "commercial_amount", "请填写组合贷款中商业贷款的金额，或不填写商业贷款部分。"),
        (
            {
                "commercial_amount": "-1",
                "commercial_rate": "0.04",
                "commercial_term_months": 240,
                "commercial_bank": "示范银行",
            },
            "commercial_amount",
            "金额必须大于零。",
        ),
        (
            {
                "commercial_amount": "200000",
                "commercial_rate": "1.5",
                "commercial_term_months": 240,
                "commercial_bank": "示范银行",
            },
            "commercial_rate",
            None,
        ),
        (
            {
                "commercial_amount": "200000",
                "commercial_rate": "0.04",
                "commercial_term_months": 0,
                "commercial_bank": "示范银行",
            },
            "commercial_term_months",
            "月数必须在 1 到 480 之间。",
        ),
        (
            {"commercial_amount": "200000", "commercial_rate": "0.04", "commercial_term_months": 240},
            "commercial_bank",
            "请填写组合贷款中商业贷款的贷款银行。",
        ),
        ({"green_building": "maybe"}, "green_building", None),
        ({"purpose": "conversion"}, "commercial_remaining", "此项为必填项。"),
        ({"requested_amount": None}, "requested_amount", "此项为必填项。"),
        ({"commercial_remaining": "1000"}, "commercial_remaining", None),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(staff, household, changes, field, message):
    before = (LoanApplication.objects.count(), LoanParty.objects.count(), CaseTransition.objects.count())
    with pytest.raises(InvalidInput) as exc:
        draft(staff, household, **changes)
    assert field in exc.value.fields
    if message:
        assert exc.value.fields[field] == [message]
    assert exc.value.message  # a clear message for the page
    after = (LoanApplication.objects.count(), LoanParty.objects.count(), CaseTransition.objects.count())
    assert after == before


def test_bad_parties_are_refused(staff, household):
    borrower = household["borrower"]
    for parties in (
        [{"role": "co_borrower", "name": "赵六", "id_number": "123"}],
        [{"role": "co_borrower", "name": "", "id_number": factories.make_id(7)}],
        [{"role": "friend", "name": "赵六", "id_number": factories.make_id(7)}],
        [{"role": "co_borrower", "name": "赵六", "id_number": factories.make_id(7)}] * 2,
        [{"role": "co_borrower", "name": f"人{i}", "id_number": factories.make_id(10 + i)} for i in range(7)],
    ):
        with pytest.raises(InvalidInput):
            services.create_draft(actor=staff["officer"], account=borrower, data=example_data(), parties=parties)
    assert LoanApplication.objects.count() == 0


def test_women_must_give_the_retirement_category(staff, household):
    with pytest.raises(InvalidInput) as exc:
        services.create_draft(actor=staff["officer"], account=household["spouse"], data=example_data())
    assert "female_category" in exc.value.fields
    app = services.create_draft(
        actor=staff["officer"], account=household["spouse"], data=example_data(female_category="cadre")
    )
    assert app.female_category == "cadre"


def test_only_a_loan_officer_or_the_borrower_saves_a_draft(staff, household):
    other = portal_user(household["spouse"].depositor, "lh")
    for actor in (staff["clerk"], staff["reviewer"], other, None):
        with pytest.raises(Forbidden):
            services.create_draft(actor=actor, account=household["borrower"], data=example_data())
    assert LoanApplication.objects.count() == 0


def test_a_draft_changes_until_it_is_submitted(staff, household):
    app = draft(staff, household)
    app = services.update_draft(
        actor=staff["officer"], application=app, data=example_data(requested_amount="550000.00", children="2")
    )
    assert (app.requested_amount, app.children) == (D("550000.00"), 2)
    event = AuditEvent.objects.get(action="loan_application.update", object_id=str(app.pk))
    assert event.before == {"requested_amount": "600000.00", "children": "0"}
    services.submit(actor=staff["officer"], application=app)
    with pytest.raises(StateError):
        services.update_draft(actor=staff["officer"], application=app, data=example_data(requested_amount="1.00"))
    app.refresh_from_db()
    assert app.requested_amount == D("550000.00")


# --- the assessment ----------------------------------------------------------------------------------------------


def test_acceptance_stores_the_worked_example_assessment(staff, household):
    """DOMAIN.md §4.3: balances 30,000 + 20,000, income 20,000, other debt 2,000, price 1,000,000, 2.6 %,
    276 months: balance multiple 750,000, capacity 1,660,555.53, LTV 800,000, cap 600,000 binds."""
    app = services.submit(actor=staff["officer"], application=draft(staff, household))
    assert app.state == S.ACCEPTED
    assert app.accepted_on == day(2026, 1, 15)
    assert app.decision_due == day(2026, 1, 30)  # 15 days before 2026-09-20
    assert app.annual_rate == D("0.026")
    assert (app.limit_amount, app.limit_binding, app.max_term_months) == (D("600000.00"), "cap", 276)
    limit = app.assessment["limit"]
    assert {c["key"]: c["amount"] for c in limit["components"]} == {
        "cap": "600000.00",
        "balance": "750000.00",
        "capacity": "1660555.53",
        "ltv": "800000.00",
    }
    checks = {c["code"]: c["passed"] for c in app.assessment["checks"]}
    assert checks == {
        "account_normal": True,
        "continuous_deposits": True,
        "no_outstanding_loan": True,
        "loans_used": True,
        "homes": True,
        "fraud_ban": True,
        "age_term": True,
        "parties_account_normal": True,
        "parties_continuous_deposits": True,
        "parties_no_outstanding_loan": True,
        "parties_certified_balance": True,
        "parties_age": True,
        "conversion_term": True,
        "credit": False,
        "within_limit": True,
    }
    assert app.assessment["continuous_months"] == 6
    assert app.homes_owned == 0 and app.assessment["homes"] == []
    app = services.assess(actor=staff["officer"], application=app, credit_ok=True)
    assert app.assessment["eligible"] is True and app.credit_ok is True


def test_decision_clock_is_ten_days_from_2026_09_20(staff, household):
    on(day(2026, 9, 21))
    app = services.submit(actor=staff["officer"], application=draft(staff, household, term_months=240))
    assert app.decision_due == day(2026, 10, 1)


def test_an_outstanding_loan_of_the_spouse_refuses_and_counts_as_a_second_use(staff, household):
    spouse = household["spouse"]
    earlier = services.create_draft(
        actor=staff["officer"], account=spouse, data=example_data(female_category="worker", term_months=120)
    )
    contract_for(earlier, borrower=spouse.depositor, status=LoanContract.Status.NORMAL)
    app = services.assess(actor=staff["officer"], application=draft(staff, household), credit_ok=True)
    failed = [c["code"] for c in app.assessment["checks"] if not c["passed"]]
    assert failed == ["no_outstanding_loan", "within_limit"]
    # the second use of a fund loan: cap 400,000 and the second-home rate for more than five years
    assert app.annual_rate == D("0.03075") and app.limit_amount == D("400000.00")


def test_paid_off_loan_counts_as_used_only(staff, household):
    spouse = household["spouse"]
    earlier = services.create_draft(
        actor=staff["officer"], account=spouse, data=example_data(female_category="worker", term_months=120)
    )
    contract_for(earlier, borrower=spouse.depositor, status=LoanContract.Status.PAID_OFF)
    app = services.assess(
        actor=staff["officer"], application=draft(staff, household, requested_amount="400000"), credit_ok=True
    )
    assert app.assessment["eligible"] is True
    assert app.assessment["loans_used"] == 1 and app.assessment["outstanding_loans"] == 0


def test_a_loan_ban_after_fraud_recorded_by_withdrawals_refuses_the_family(staff, household):
    from withdrawals.models import FraudBan

    FraudBan.objects.create(
        depositor=household["spouse"].depositor,
        kind=FraudBan.Kind.LOAN,
        starts_on=day(2025, 6, 1),
        ends_on=day(2030, 5, 31),
        reason="骗提",
    )
    FraudBan.objects.create(
        depositor=household["borrower"].depositor,
        kind=FraudBan.Kind.WITHDRAWAL,
        starts_on=day(2025, 6, 1),
        ends_on=day(2031, 5, 31),
        reason="骗提",
    )
    app = services.assess(actor=staff["officer"], application=draft(staff, household), credit_ok=True)
    ban = next(c for c in app.assessment["checks"] if c["code"] == "fraud_ban")
    assert not ban["passed"] and "2030-05-31" in ban["message"] and app.assessment["eligible"] is False
    FraudBan.objects.update(ends_on=day(2026, 1, 14))  # over before the application date
    app = services.assess(actor=staff["officer"], application=app, credit_ok=True)
    assert app.assessment["eligible"] is True


def test_term_beyond_the_age_limit_is_refused_by_the_rule(staff, household):
    app = services.assess(actor=staff["officer"], application=draft(staff, household, term_months=300), credit_ok=True)
    age = next(c for c in app.assessment["checks"] if c["code"] == "age_term")
    assert not age["passed"] and age["message"].startswith("贷款期限最长为 276 个月")


# --- the workflow -----------------------------------------------------------------------------------------------


def test_three_different_people_accept_review_and_approve(staff, household):
    app = draft(staff, household)
    app = services.submit(actor=staff["officer"], application=app)
    services.assess(actor=staff["officer"], application=app, credit_ok=True)
    with pytest.raises(Forbidden):  # the officer's role does not review
        services.review(actor=staff["officer"], application=app)
    app = services.review(actor=staff["reviewer"], application=app)
    with pytest.raises(Forbidden):
        services.approve(actor=staff["reviewer"], application=app)
    app = services.approve(actor=staff["approver"], application=app)
    assert app.state == S.APPROVED and app.decided_on == day(2026, 1, 15)
    assert [(t.action, t.to_state) for t in workflow.history(app)] == [
        ("create", "draft"),
        ("accept", "accepted"),
        ("review", "reviewed"),
        ("approve", "approved"),
    ]
    assert workflow.step_actors(app) == {
        "accept": {staff["officer"].pk},
        "review": {staff["reviewer"].pk},
        "approve": {staff["approver"].pk},
    }


def test_a_person_with_every_role_takes_one_step_only(staff, household):
    allround = staff["allround"]
    app = services.submit(actor=allround, application=draft(staff, household))
    services.assess(actor=allround, application=app, credit_ok=True)
    with pytest.raises(Forbidden) as exc:
        services.review(actor=allround, application=app)
    assert exc.value.code == "four_eyes"
    app = services.review(actor=staff["reviewer"], application=app)
    with pytest.raises(Forbidden):
        services.approve(actor=allround, application=app)
    app.refresh_from_db()
    assert app.state == S.REVIEWED


def test_approval_rechecks_eligibility_and_writes_nothing_when_it_fails(staff, household):
    app = services.submit(actor=staff["officer"], application=draft(staff, household))
    services.assess(actor=staff["officer"], application=app, credit_ok=True)
    app = services.review(actor=staff["reviewer"], application=app)
    # meanwhile the spouse took a fund loan
    earlier = services.create_draft(
        actor=staff["officer2"],
        account=household["spouse"],
        data=example_data(female_category="worker", term_months=120),
    )
    contract_for(earlier, borrower=household["spouse"].depositor, status=LoanContract.Status.NORMAL)
    with pytest.raises(InvalidInput) as exc:
        services.approve(actor=staff["approver"], application=app)
    assert exc.value.message == "借款人或其配偶尚有未结清的住房公积金贷款。"
    app.refresh_from_db()
    assert app.state == S.REVIEWED and app.decided_on is None
    assert not CaseTransition.objects.filter(case_id=app.pk, action="approve").exists()


def test_online_submission_then_acceptance(staff, household):
    user = portal_user(household["borrower"].depositor, "wjg")
    app = services.create_draft(actor=user, account=household["borrower"], data=example_data())
    app = services.submit(actor=user, application=with_documents(app))
    assert app.state == S.SUBMITTED and app.decision_due is None
    with pytest.raises(Forbidden):
        services.accept(actor=staff["reviewer"], application=app)
    app = services.accept(actor=staff["officer"], application=app)
    assert app.state == S.ACCEPTED and app.decision_due == day(2026, 1, 30)


def test_reject_needs_a_reason(staff, household):
    app = services.submit(actor=staff["officer"], application=draft(staff, household))
    with pytest.raises(InvalidInput):
        services.reject(actor=staff["reviewer"], application=app, reason=" ")
    app = services.reject(actor=staff["reviewer"], application=app, reason="征信不良")
    assert app.state == S.REJECTED
    with pytest.raises(StateError):
        services.assess(actor=staff["officer"], application=app)


# --- visibility ------------------------------------------------------------------------------------------------


def test_visible_to_borrower_spouse_and_staff_only(staff, household):
    app = draft(staff, household)
    contract = contract_for(app)
    services.store_schedule(actor=staff["officer"], contract=contract)
    borrower = portal_user(household["borrower"].depositor, "wjg")
    spouse = portal_user(household["spouse"].depositor, "lh")
    stranger_account = factories.account(staff["clerk"], name="路人")
    stranger = portal_user(stranger_account.depositor, "lr")
    agent = make_user("l_agent", "employer_agent")
    stored = ScheduleInstallment.objects.filter(contract=contract).count()  # up to the horizon, the plan the rest
    assert 1 <= stored < 240
    for model in (LoanApplication, LoanContract, ScheduleInstallment):
        expected = stored if model is ScheduleInstallment else 1
        for viewer in (borrower, spouse, staff["clerk"], staff["reviewer"]):
            assert model.objects.visible_to(viewer).count() == expected, (model, viewer)
        for viewer in (stranger, agent, None):
            assert model.objects.visible_to(viewer).count() == 0, (model, viewer)
    for viewer in (borrower, spouse, staff["clerk"]):
        assert len(ScheduleInstallment.objects.visible_to(viewer).in_force_of(contract.pk)) == 240
    for viewer in (stranger, agent, None):
        assert ScheduleInstallment.objects.visible_to(viewer).in_force_of(contract.pk) == []
    assert LoanParty.objects.visible_to(spouse).count() == 1
    assert LoanParty.objects.visible_to(stranger).count() == 0


# --- schedules and constraints -----------------------------------------------------------------------------------


def test_schedule_stored_once_with_bulk_create(staff, household, django_assert_max_num_queries):
    contract = contract_for(draft(staff, household))
    with django_assert_max_num_queries(12):
        rows = services.store_schedule(actor=staff["officer"], contract=contract)
    assert len(rows) == 240
    stored = ScheduleInstallment.objects.in_force_of(contract.pk)
    totals = [sum(getattr(r, f) for r in stored) for f in ("principal", "interest", "payment")]
    assert totals == [D("500000.00"), D("156542.76"), D("656542.76")]
    last = stored[-1]
    assert (last.due_date, last.payment, last.interest, last.balance) == (
        day(2046, 1, 20),
        D("2736.75"),
        D("6.48"),
        D("0.00"),
    )
    assert stored[35].number == 36 and stored[35].balance == D("441888.82")
    expected = calc.schedule(D("500000"), D("0.0285"), 240, first_due=day(2026, 2, 20))
    assert [(r.number, r.due_date, r.principal, r.interest) for r in stored] == [
        (i.number, i.due_date, i.principal, i.interest) for i in expected
    ]
    with pytest.raises(Conflict):
        services.store_schedule(actor=staff["officer"], contract=contract)
    assert len(ScheduleInstallment.objects.in_force_of(contract.pk)) == 240
    with pytest.raises(Forbidden):
        services.store_schedule(actor=staff["clerk"], contract=contract)


@pytest.mark.parametrize(
    ("changes", "constraint"),
    [
        ({"number": 1}, "loan_installment_number_once"),
        ({"payment": D("100.01")}, "loan_installment_payment_sum"),
        ({"principal": D("0"), "payment": D("0")}, "loan_installment_principal_positive"),
        ({"balance": D("-0.01")}, "loan_installment_balance_nonnegative"),
        ({"principal_paid": D("100.01")}, "loan_installment_principal_paid_range"),
    ],
)
def test_installment_constraints(staff, household, changes, constraint):
    contract = contract_for(draft(staff, household))
    ScheduleInstallment.objects.create(
        contract=contract,
        number=1,
        due_date=day(2026, 2, 20),
        principal=D("100"),
        interest=D("0"),
        payment=D("100"),
        balance=D("0"),
        annual_rate=D("0.03"),
    )
    values = dict(
        contract=contract,
        number=2,
        due_date=day(2026, 3, 20),
        principal=D("100"),
        interest=D("0"),
        payment=D("100"),
        balance=D("0"),
        annual_rate=D("0.03"),
    )
    values.update(changes)
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        ScheduleInstallment.objects.create(**values)


def test_application_and_contract_constraints(staff, household):
    app = draft(staff, household)
    for changes, constraint in (
        ({"requested_amount": D("0")}, "loan_application_amount_positive"),
        ({"term_months": 481}, "loan_application_term_range"),
        ({"ownership_share": D("0")}, "loan_application_share_range"),
        ({"purpose": "conversion"}, "loan_conversion_needs_commercial_(principal|loan)"),
        (
            {
                "purpose": "conversion",
                "commercial_remaining": D("0"),
                "commercial_remaining_months": 200,
                "commercial_bank": "示范银行",
                "commercial_loan_number": "SY1",
            },
            "loan_conversion_needs_commercial_principal",
        ),
        (
            {"purpose": "conversion", "commercial_remaining": D("1000"), "commercial_remaining_months": 200},
            "loan_conversion_needs_commercial_loan",
        ),
        ({"commercial_amount": D("1000")}, "loan_combined_commercial_part"),
    ):
        with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
            LoanApplication.objects.filter(pk=app.pk).update(**changes)
    with pytest.raises(IntegrityError, match="loan_contract_principal_positive"), transaction.atomic():
        contract_for(app, principal=D("0"))
    with pytest.raises(IntegrityError, match="loan_contract_first_due"), transaction.atomic():
        contract_for(app, first_due_date=day(2026, 1, 20))
    with pytest.raises(IntegrityError, match="loan_one_spouse"), transaction.atomic():
        LoanParty.objects.create(application=app, role="spouse", name="某人", id_number=factories.make_id(9))


def test_loan_models_are_read_only_in_admin():
    for model in (LoanApplication, LoanParty, LoanContract, ScheduleInstallment):
        assert isinstance(site._registry.get(model), ReadOnlyAdminMixin), model


# --- selectors ---------------------------------------------------------------------------------------------------


def test_case_selector_shows_the_assessment_clock_history_and_actions(staff, household):
    from loans import selectors

    app = services.submit(actor=staff["officer"], application=draft(staff, household))
    case = selectors.application_case(viewer=staff["reviewer"], pk=app.pk)
    assert case["application"] == app and [p.name for p in case["parties"]] == ["李红"]
    assert case["assessment"]["limit"]["granted"] == "600000.00"
    assert case["clock"] == {"left": 15}
    assert [t.action for t in case["history"]] == ["create", "accept"]
    assert [t.action for t in case["actions"]] == ["review", "return", "reject", "cancel"]
    assert selectors.decision_clock(app, on=day(2026, 2, 2)) == {"overdue": 3}
    stranger = portal_user(factories.account(staff["clerk"], name="路人").depositor, "lr")
    with pytest.raises(LoanApplication.DoesNotExist):
        selectors.application_case(viewer=stranger, pk=app.pk)
    assert selectors.applications(viewer=stranger).count() == 0
    assert list(selectors.applications(viewer=staff["officer"], state="accepted")) == [app]


def test_schedule_selector_is_scoped_to_the_viewer(staff, household):
    from loans import selectors

    contract = contract_for(draft(staff, household))
    services.store_schedule(actor=staff["officer"], contract=contract)
    borrower = portal_user(household["borrower"].depositor, "wjg")
    rows = list(selectors.schedule(viewer=borrower, contract_id=contract.pk))
    assert [r.number for r in rows[:3]] == [1, 2, 3] and len(rows) == 240
    assert selectors.schedule(viewer=None, contract_id=contract.pk) == []
    assert (
        selectors.verified_repayments(
            viewer=borrower, depositor=borrower.depositor, since=day(2026, 1, 1), until=day(2026, 12, 31)
        )
        is None
    )


# --- the contract ------------------------------------------------------------------------------------------------


def approved(staff, household, **changes):
    app = services.submit(actor=staff["officer"], application=draft(staff, household, **changes))
    services.assess(actor=staff["officer"], application=app, credit_ok=True)
    app = services.review(actor=staff["reviewer"], application=app)
    return services.approve(actor=staff["approver"], application=app)


def test_signing_an_approved_application_stores_its_schedule(staff, household):
    app = approved(staff, household)
    on(day(2026, 1, 31))
    contract = services.sign_contract(actor=staff["officer"], application=app, title_number="示范不动产权第0012345号")
    assert contract.number.startswith("HT20260131")
    assert (contract.principal, contract.annual_rate, contract.term_months, contract.method) == (
        D("600000.00"),
        D("0.026"),
        276,
        "equal_installment",
    )
    assert contract.status == LoanContract.Status.AWAITING_DISBURSEMENT
    assert (contract.signed_on, contract.first_due_date) == (day(2026, 1, 31), day(2026, 2, 28))
    rows = ScheduleInstallment.objects.in_force_of(contract.pk)
    expected = calc.schedule(D("600000"), D("0.026"), 276, first_due=day(2026, 2, 28))
    assert [(r.due_date, r.payment, r.interest, r.balance) for r in rows] == [
        (i.due_date, i.payment, i.interest, i.balance) for i in expected
    ]
    assert rows[1].due_date == day(2026, 3, 28) and rows[-1].balance == 0
    assert sum(r.principal for r in rows) == D("600000.00")
    event = AuditEvent.objects.get(action="loan_contract.sign", object_id=str(contract.pk))
    assert event.after["installments"] == 276
    assert event.after["interest"] == str(calc.total_interest(expected))


def test_signing_is_refused_and_writes_nothing(staff, household):
    app = services.submit(actor=staff["officer"], application=draft(staff, household))
    with pytest.raises(StateError):  # accepted, not approved
        services.sign_contract(actor=staff["officer"], application=app, title_number="T1")
    app = approved(staff, household, requested_amount="500000.00")
    for kwargs, field in (
        ({"title_number": " "}, "title_number"),
        ({"title_number": "T1", "first_due_date": day(2026, 3, 1)}, "first_due_date"),
        ({"title_number": "T1", "first_due_date": day(2026, 1, 15)}, "first_due_date"),
        ({"title_number": "T1", "mortgage_registered_on": day(2026, 1, 16)}, "mortgage_registered_on"),
    ):
        with pytest.raises(InvalidInput) as exc:
            services.sign_contract(actor=staff["officer"], application=app, **kwargs)
        assert field in exc.value.fields
    with pytest.raises(Forbidden):
        services.sign_contract(actor=staff["approver"], application=app, title_number="T1")
    assert LoanContract.objects.count() == 0 and ScheduleInstallment.objects.count() == 0
    services.sign_contract(actor=staff["officer"], application=app, title_number="T1")
    with pytest.raises(Conflict):
        services.sign_contract(actor=staff["officer"], application=app, title_number="T1")
    assert LoanContract.objects.count() == 1
    assert len(ScheduleInstallment.objects.in_force_of(LoanContract.objects.get().pk)) == 276
