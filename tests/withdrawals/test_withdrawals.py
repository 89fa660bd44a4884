import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from accounts import services as account_services
from accounts.models import FundAccount
from core import roles, workflow
from core.actors import system_actor
from core.errors import ApplicationError, Forbidden, InvalidInput, StateError
from core.models import CaseTransition, Notification
from ledger import services as ledger_services
from ledger.models import Account, BankInstruction, JournalEntry
from ledger.reconciliation import run_checks
from tests import factories
from tests.conftest import make_user
from tests.withdrawals.conftest import CARD, card_for, doc, ill, on, paid_months, prop
from withdrawals import rules, services
from withdrawals.models import DocumentType as Doc
from withdrawals.models import FraudBan, Reason, WithdrawalApplication

D = Decimal
day = datetime.date
S = WithdrawalApplication.State


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


def balance(acc):
    return Account.objects.get(pk=acc.ledger_account_id).balance


def counter(staff, acc, reason, amount, facts=None, docs=None, card=CARD, name="张三", actor=None):
    rule = rules.rule_for(reason, day(2026, 10, 12))
    docs = docs if docs is not None else [(d, doc()) for d in (rule.evidence if rule else ())]
    return services.apply(actor=actor or staff["clerk"], account=acc, reason=reason, amount=amount,
                          facts=facts or {}, payee_card=card, payee_name=name, documents=docs)


def maximum(acc, reason, facts, when=None):
    out = rules.evaluate(reason=reason, account=acc, on=when or day(2026, 10, 12), facts=facts)
    return out


def snapshot(acc):
    return (balance(acc), WithdrawalApplication.objects.count(), JournalEntry.objects.count(),
            CaseTransition.objects.count(), BankInstruction.objects.count())


def through(staff, app, pay=True):
    app = services.review(actor=staff["reviewer"], application=app)
    return services.approve(actor=staff["approver"], application=app, pay_now=pay)


# --- each reason: eligible, refused, maximum ----------------------------------------------------------

def test_rent_maximum_and_refusals(staff, funded):
    out = maximum(funded, Reason.RENT, {"monthly_rent": "2500", "months": 3})
    assert out.eligible and out.maximum == D("5400.00")  # ¥1,800 × 3
    assert maximum(funded, Reason.RENT, {"monthly_rent": "1500", "months": 2}).maximum == D("3000.00")
    assert maximum(funded, Reason.RENT, {"monthly_rent": "2500", "public_rental": True}).maximum == D("2500")
    before = snapshot(funded)
    with pytest.raises(InvalidInput) as exc:
        counter(staff, funded, Reason.RENT, "5400.01", {"monthly_rent": "2500", "months": 3})
    assert "超过" in exc.value.message and "5,400.00" in exc.value.message
    assert snapshot(funded) == before
    app = counter(staff, funded, Reason.RENT, "5400", {"monthly_rent": "2500", "months": 3})
    assert app.state == S.ACCEPTED and app.decision_due == day(2026, 10, 15)
    # a home in the registry (the spouse's) refuses rent
    spouse = factories.person(staff["clerk"], name="李梅")
    account_services.link_spouses(actor=staff["clerk"], a=funded.depositor, b=spouse)
    prop(spouse)
    out = maximum(FundAccount.objects.get(pk=funded.pk), Reason.RENT, {"monthly_rent": "2500"})
    assert not out.eligible and "不动产" in out.refusals[0] or "住房" in out.refusals[0]


def test_rent_needs_continuous_deposits_and_new_citizen_cap(staff):
    on(day(2026, 8, 3))
    acc = factories.account(staff["clerk"], name="王五", base="20000")  # new citizen: opened this year
    on(day(2026, 10, 12))
    paid_months(acc, [day(2026, 8, 1), day(2026, 9, 1)], amount="4800")
    out = maximum(acc, Reason.RENT, {"monthly_rent": "5000"})
    assert not out.eligible and "3" in out.refusals[0]
    paid_months(acc, [day(2026, 7, 1)], amount="4800")
    out = maximum(acc, Reason.RENT, {"monthly_rent": "5000"})
    assert out.eligible and out.maximum == acc.monthly_total == D("4800.00")  # the full monthly deposit


def test_2026_switch_by_date(staff, funded):
    facts = {"monthly_rent": "1000"}
    before = maximum(funded, Reason.RENT, facts, when=day(2026, 9, 19))
    assert not before.eligible and "收入" in before.refusals[0]
    low = maximum(funded, Reason.RENT, {**facts, "family_income": "30000"}, when=day(2026, 9, 19))
    assert not low.eligible and "5%" in low.refusals[0]
    ok = maximum(funded, Reason.RENT, {**facts, "family_income": "15000"}, when=day(2026, 9, 19))
    assert ok.eligible and ok.maximum == D("1000")
    assert maximum(funded, Reason.RENT, facts, when=day(2026, 9, 20)).eligible
    for reason in (Reason.RENOVATION, Reason.PROPERTY_FEE, Reason.OTHER_HOUSING):
        assert rules.rule_for(reason, day(2026, 9, 19)) is None
        assert rules.rule_for(reason, day(2026, 9, 20)) is not None
    out = maximum(funded, Reason.PROPERTY_FEE, {"fee": "100"}, when=day(2026, 9, 19))
    assert not out.eligible and "2026-09-19" in out.refusals[0]
    # an application keeps the rules of its own date
    on(day(2026, 9, 19))
    with pytest.raises(InvalidInput):
        counter(staff, funded, Reason.RENT, "1000", {"monthly_rent": "1000", "family_income": "30000"})


def test_purchase(staff, funded):
    prop(funded.depositor, cert="FC-9", price=D("1000000"), loan_amount=D("970000"))
    out = maximum(funded, Reason.PURCHASE, {"property": "FC-9"})
    assert out.eligible and out.maximum == D("30000")
    app = through(staff, counter(staff, funded, Reason.PURCHASE, "20000", {"property": "FC-9"}))
    assert app.state == S.PAID
    assert maximum(funded, Reason.PURCHASE, {"property": "FC-9"}).maximum == D("10000")
    assert not maximum(funded, Reason.PURCHASE, {"property": "NOPE"}).eligible
    old = prop(funded.depositor, cert="FC-OLD", contract_date=day(2024, 1, 1), registration_date=day(2024, 2, 1))
    out = maximum(funded, Reason.PURCHASE, {"property": old.certificate_number})
    assert not out.eligible and "24" in out.refusals[0]


def test_renovation_share_cap_and_interval(staff, funded):
    prop(funded.depositor, cert="FC-R")
    r1 = {"property": "FC-R", "invoice": "40000", "invoice_number": "INV-R1"}
    out = maximum(funded, Reason.RENOVATION, r1)
    assert out.maximum == D("20000.00")
    factories.deposit(funded, "300000")
    r2 = {"property": "FC-R", "invoice": "400000", "invoice_number": "INV-R2"}
    assert maximum(funded, Reason.RENOVATION, r2).maximum == D("150000")
    through(staff, counter(staff, funded, Reason.RENOVATION, "20000", r1))
    out = maximum(funded, Reason.RENOVATION, r1)
    assert not out.eligible and "10" in out.refusals[0]


def test_property_fee_yearly_cap(staff, funded):
    prop(funded.depositor, cert="FC-P")
    assert maximum(funded, Reason.PROPERTY_FEE, {"property": "FC-P", "fee": "5000"}).maximum == D("3000")
    through(staff, counter(staff, funded, Reason.PROPERTY_FEE, "2000", {"property": "FC-P", "fee": "2000"}))
    assert maximum(funded, Reason.PROPERTY_FEE, {"property": "FC-P", "fee": "5000"}).maximum == D("1000")
    assert not maximum(funded, Reason.PROPERTY_FEE, {"property": "NONE", "fee": "100"}).eligible


def test_loan_repayment_illness_lift_min_living(staff, funded):
    assert maximum(funded, Reason.LOAN_REPAYMENT, {"repaid": "36000"}).maximum == D("36000")
    assert maximum(funded, Reason.LOAN_REPAYMENT, {"repaid": "80000"}).maximum == D("50000")  # available
    assert not maximum(funded, Reason.LOAN_REPAYMENT, {}).eligible
    assert maximum(funded, Reason.ILLNESS, ill("12000.50", patient="child")).maximum == D("12000.50")
    assert not maximum(funded, Reason.ILLNESS, ill("100", patient="friend")).eligible
    parent = factories.person(staff["clerk"], name="张父")
    prop(parent, cert="FC-PARENT")
    facts = {"property": "FC-PARENT", "owner_id_number": parent.id_number, "owner_relation": "spouse_parent",
             "share_cost": "18000"}
    out = maximum(funded, Reason.LIFT, facts)
    assert out.eligible and out.maximum == D("18000") and Doc.RELATION_PROOF in out.evidence
    assert not maximum(funded, Reason.LIFT, {**facts, "owner_relation": "friend"}).eligible
    assert maximum(funded, Reason.MIN_LIVING, {}).maximum == D("50000")


def test_closing_reasons_and_leaving_job(staff, funded):
    out = maximum(funded, Reason.EMIGRATION, {})
    assert out.eligible and out.closes_account and out.maximum == D("50000")
    assert not maximum(funded, Reason.RETIREMENT, {"retired_on": "2027-01-01"}).eligible
    assert maximum(funded, Reason.RETIREMENT, {"retired_on": "2026-10-01"}).eligible
    assert not maximum(funded, Reason.DISABILITY, {}).eligible
    assert not maximum(funded, Reason.DEATH, {"heirs": [{"name": "甲", "share": "0.5"}]}).eligible
    out = maximum(funded, Reason.LEAVING_JOB, {})
    assert not out.eligible and "封存" in out.refusals[0]
    on(day(2026, 3, 1))
    account_services.seal_account(actor=staff["clerk"], account=funded, reason="离职")
    on(day(2026, 10, 12))
    funded.refresh_from_db()
    assert "户籍" in maximum(funded, Reason.LEAVING_JOB, {}).refusals[0]
    funded.depositor.local_hukou = False
    funded.depositor.save()
    funded.refresh_from_db()
    assert maximum(funded, Reason.LEAVING_JOB, {}).eligible
    ledger_services.place_hold(actor=system_actor(),
                               account=funded.ledger_account, amount="100", kind="judicial", reference="法院")
    out = maximum(funded, Reason.LEAVING_JOB, {})
    assert not out.eligible and "冻结" in out.refusals[0]


# --- workflow, four eyes, roles ------------------------------------------------------------------------

def test_full_counter_flow_history_and_notifications(staff, funded):
    app = counter(staff, funded, Reason.ILLNESS, "8000", ill("8000"))
    app = services.review(actor=staff["reviewer"], application=app, comment="材料齐全")
    assert app.effect["balance_before"] == "50000.00" and app.effect["balance_after"] == "42000.00"
    assert app.effect["lines"][0]["side"] == "D" and app.effect["check"]["eligible"]
    app = services.approve(actor=staff["approver"], application=app)
    assert app.state == S.PAID and balance(funded) == D("42000.00")
    assert app.instruction.payee_account == CARD and app.instruction.amount == D("8000")
    ledger_services.simulate_bank(actor=system_actor())
    assert services.sync_bank(actor=system_actor()) == {"settled": 1, "failed": 0}
    app.refresh_from_db()
    assert app.state == S.CLOSED
    steps = [(t.action, t.to_state, t.actor_id) for t in workflow.history(app)]
    assert steps == [("accept", "accepted", staff["clerk"].pk), ("review", "reviewed", staff["reviewer"].pk),
                     ("approve", "approved", staff["approver"].pk), ("pay", "paid", system_actor().pk),
                     ("settle", "closed", system_actor().pk)]
    subjects = set(Notification.objects.filter(recipient_id=funded.depositor_id).values_list("subject", flat=True))
    assert len(subjects) == 3  # received, approved, paid
    assert run_checks()["ok"]


def test_four_eyes_roles_and_order(staff, funded):
    allround = staff["allround"]
    app = counter(staff, funded, Reason.ILLNESS, "1000", ill("1000"), actor=allround)
    before = snapshot(funded)
    with pytest.raises(Forbidden) as exc:
        services.review(actor=allround, application=app)
    assert "不同" in exc.value.message
    with pytest.raises(Forbidden):
        services.review(actor=staff["clerk2"], application=app)  # a clerk cannot review
    with pytest.raises(StateError) as exc:
        services.approve(actor=staff["approver"], application=app)  # out of order
    assert "不允许" in exc.value.message or "不能" in exc.value.message
    assert snapshot(funded) == before and WithdrawalApplication.objects.get(pk=app.pk).state == S.ACCEPTED
    app = services.review(actor=staff["reviewer"], application=app)
    with pytest.raises(Forbidden):
        services.approve(actor=allround, application=app)  # the acceptor cannot approve
    reviewer_approver = make_user("w_ra", roles.REVIEWER, roles.APPROVER)
    app2 = counter(staff, funded, Reason.ILLNESS, "1000", ill("1000"))
    app2 = services.review(actor=reviewer_approver, application=app2)
    with pytest.raises(Forbidden):
        services.approve(actor=reviewer_approver, application=app2)
    assert services.approve(actor=staff["approver"], application=app).state == S.PAID


def test_online_auto_approval_only_when_rule_allows(staff, funded):
    user = make_user("dep_zs", roles.DEPOSITOR)
    funded.depositor.user = user
    funded.depositor.save()
    app = services.apply(actor=user, account=funded, reason=Reason.RENT, amount="1800",
                         facts={"monthly_rent": "2000"}, payee_card=CARD, payee_name="张三",
                         documents=[(Doc.LEASE, doc())])
    assert app.state == S.PAID and app.auto_rule.startswith("auto:07")
    t = CaseTransition.objects.get(case_id=app.pk, action="auto_approve")
    assert t.actor == system_actor() and t.rule == app.auto_rule
    prop(funded.depositor, cert="FC-X")
    app2 = services.apply(actor=user, account=funded, reason=Reason.PURCHASE, amount="1000",
                          facts={"property": "FC-X"}, payee_card=CARD, payee_name="张三",
                          documents=[(Doc.PURCHASE_CONTRACT, doc()), (Doc.INVOICE, doc())])
    assert app2.state == S.SUBMITTED  # purchase is never approved by rule
    app2 = services.cancel(actor=user, application=app2)
    assert app2.state == S.CANCELLED
    app3 = services.apply(actor=user, account=funded, reason=Reason.ILLNESS, amount="500",
                          facts=ill("500"), payee_card=CARD, payee_name="张三",
                          documents=[(Doc.MEDICAL, doc())])
    app3 = services.accept(actor=staff["clerk"], application=app3)
    app3 = through(staff, app3)
    with pytest.raises(StateError):
        services.cancel(actor=user, application=app3)  # too late after approval
    other = make_user("someone", roles.DEPOSITOR)
    app4 = services.apply(actor=user, account=funded, reason=Reason.ILLNESS, amount="500",
                          facts=ill("500"), payee_card=CARD, payee_name="张三",
                          documents=[(Doc.MEDICAL, doc())])
    with pytest.raises(Forbidden):
        services.cancel(actor=other, application=app4)
    assert run_checks()["ok"]


def test_return_reject_and_resubmit(staff, funded):
    app = counter(staff, funded, Reason.ILLNESS, "1000", ill("1000"))
    with pytest.raises(InvalidInput):
        services.reject(actor=staff["reviewer"], application=app, reason=" ")
    app = services.return_for_documents(actor=staff["reviewer"], application=app, reason="请补充诊断证明")
    assert app.state == S.RETURNED
    app = services.resubmit(actor=staff["clerk"], application=app)
    app = services.reject(actor=staff["reviewer"], application=app, reason="非本人医疗费用")
    assert app.state == S.REJECTED and app.refusal_reason == "非本人医疗费用"
    with pytest.raises(StateError):
        services.review(actor=staff["reviewer"], application=app)


# --- bad input: clear Chinese message, nothing changes ---------------------------------------------------

def test_bad_input_changes_nothing(staff, funded):
    ledger_services.place_hold(actor=system_actor(),
                               account=funded.ledger_account, amount="45000", kind="judicial", reference="法院冻结")
    before = snapshot(funded)
    cases = [
        (dict(amount="6000"), "可用余额"),
        (dict(card="6222021000000001234"), "卡号"),
        (dict(name="李四"), "本人"),
        (dict(card=card_for("622202999999999"), name="王五"), "本人"),
        (dict(docs=[]), "缺少"),
        (dict(amount="-5"), "金额"),
    ]
    for kw, text in cases:
        amount = kw.pop("amount", "1000")
        with pytest.raises(ApplicationError) as exc:
            counter(staff, funded, Reason.ILLNESS, amount, ill("9000"), **kw)
        assert text in exc.value.message, (kw, exc.value.message)
        assert snapshot(funded) == before
    with pytest.raises(InvalidInput) as exc:
        counter(staff, funded, Reason.ILLNESS, "4500", ill("4000"))
    assert "最高" in exc.value.message
    with pytest.raises(Forbidden):
        counter(staff, funded, Reason.ILLNESS, "100", ill("9000"), actor=staff["reviewer"])
    assert snapshot(funded) == before


def test_hold_placed_after_review_is_respected(staff, funded):
    app = services.review(actor=staff["reviewer"], application=counter(
        staff, funded, Reason.ILLNESS, "30000", ill("30000")))
    ledger_services.place_hold(actor=system_actor(),
                               account=funded.ledger_account, amount="30000", kind="judicial", reference="法院")
    before = snapshot(funded)
    with pytest.raises(InvalidInput):
        services.approve(actor=staff["approver"], application=app)
    assert snapshot(funded) == before and WithdrawalApplication.objects.get(pk=app.pk).state == S.REVIEWED


# --- payment failure ----------------------------------------------------------------------------------------

def test_failed_payment_reverses_and_reopens(staff, funded):
    app = through(staff, counter(staff, funded, Reason.ILLNESS, "1234.56", ill("2000")))
    assert balance(funded) == D("48765.44")
    ledger_services.simulate_bank(actor=system_actor(), fail_accounts=[CARD])
    assert services.sync_bank(actor=system_actor()) == {"settled": 0, "failed": 1}
    app.refresh_from_db()
    assert app.state == S.APPROVED and balance(funded) == D("50000.00")
    new_card = card_for("621700000000000")
    app = services.change_card(actor=staff["clerk"], application=app, payee_card=new_card, payee_name="张三")
    app = services.pay(actor=staff["finance"], application=app)
    assert app.state == S.PAID and app.payments == 2 and balance(funded) == D("48765.44")
    services.settle_payment(actor=system_actor(), application=app)
    assert WithdrawalApplication.objects.get(pk=app.pk).state == S.CLOSED
    assert run_checks()["ok"]


# --- closing withdrawal (DOMAIN.md §2.4) ---------------------------------------------------------------------

def test_closing_withdrawal_pays_balance_plus_interest_and_closes(staff):
    from tests.deposits.test_interest import domain_account

    emp = factories.employer(staff["clerk"])
    acc = domain_account(staff["clerk"], emp)
    factories.deposit(factories.account(staff["clerk"], emp, name="李四"), "1000")  # other money in the bank
    on(day(2026, 1, 20))
    app = services.apply(actor=staff["clerk"], account=acc, reason=Reason.RETIREMENT, amount=None,
                         facts={"retired_on": "2026-01-01"}, payee_card=CARD, payee_name="张三",
                         documents=[(Doc.RETIREMENT_CERT, doc())])
    # the year to 2025-06-30 was never settled: its 62.50 (50,000 × 30 days) first, then DOMAIN §2.4's part year
    # on 50,062.50: 482.33 + 62.50 × 203 days × 1.5 % / 360 = 482.86
    assert app.amount_requested == D("64545.36") and app.closes_account
    app = services.review(actor=staff["reviewer"], application=app)
    assert app.effect["closing_interest"] == "545.36" and app.effect["balance_after"] == "0.00"
    app = services.approve(actor=staff["approver"], application=app)
    assert app.amount_approved == D("64545.36") and app.interest_paid == D("545.36")
    assert app.instruction.amount == D("64545.36") and balance(acc) == 0
    app = services.settle_payment(actor=system_actor(), application=app)
    acc.refresh_from_db()
    assert app.state == S.CLOSED and acc.status == FundAccount.Status.CLOSED_WITHDRAWN
    assert run_checks()["ok"]


# --- fraud ------------------------------------------------------------------------------------------------

def test_fraud_bans_later_applications(staff, funded):
    open_app = counter(staff, funded, Reason.ILLNESS, "1000", ill("1000"))
    with pytest.raises(Forbidden):
        services.record_fraud(actor=staff["clerk"], depositor=funded.depositor, reason="伪造合同")
    bans = services.record_fraud(actor=staff["approver"], depositor=funded.depositor, reason="伪造购房合同")
    assert {(b.kind, b.ends_on) for b in bans} == {("withdrawal", day(2029, 10, 11)), ("loan", day(2031, 10, 11))}
    assert WithdrawalApplication.objects.get(pk=open_app.pk).state == S.REJECTED
    with pytest.raises(InvalidInput) as exc:
        counter(staff, funded, Reason.ILLNESS, "1000", ill("1000"))
    assert "2029-10-11" in exc.value.message
    assert services.is_banned(funded.depositor, FraudBan.Kind.LOAN)
    on(day(2029, 10, 12))
    assert not services.is_banned(funded.depositor, FraudBan.Kind.WITHDRAWAL)


def test_property_import(staff):
    admin = make_user("w_admin", roles.SYSADMIN)
    person = factories.person(staff["clerk"], name="赵六")
    data = ("certificate_number,owner_id_number,owner_name,address,area,registration_date,contract_date,price,"
            f"loan_amount,cancelled_on\nC1,{person.id_number},赵六,人民路1号,88.5,2026-01-02,,900000,500000,\n"
            f"C2,{person.id_number},赵六,人民路2号,60,,2026-03-01,,0,\n").encode("gb18030")
    assert services.import_property_records(actor=admin, file=data) == {"new": 2, "updated": 0}
    assert services.import_property_records(actor=admin, file=data) == {"new": 0, "updated": 2}
    with pytest.raises(InvalidInput):
        services.import_property_records(actor=admin, file=b"certificate_number,owner_id_number\nX,1\n")


def test_queues_deadline_and_visibility(staff, funded):
    from withdrawals import selectors

    app = counter(staff, funded, Reason.ILLNESS, "1000", ill("1000"))
    assert [a.pk for a in selectors.queue(viewer=staff["reviewer"])] == [app.pk]
    assert not selectors.queue(viewer=staff["approver"]).exists()
    assert not selectors.overdue(viewer=system_actor()).exists()
    on(day(2026, 10, 16))
    assert list(selectors.overdue(viewer=system_actor())) == [app]
    assert selectors.queue(viewer=staff["reviewer"]).get().overdue
    page = selectors.case_page(viewer=staff["reviewer"], pk=app.pk)
    assert page["actions"] == ["review", "return", "reject"] and page["effect"]["amount"] == "1000.00"
    assert [h.action for h in page["history"]] == ["accept"]
    assert page["clock"] == {"overdue": 1}  # accepted on 10-12, due 10-15
    on(day(2026, 10, 14))
    assert selectors.case_page(viewer=staff["reviewer"], pk=app.pk)["clock"] == {"left": 1}
    stranger = make_user("dep_other", roles.DEPOSITOR)
    assert not selectors.applications(viewer=stranger).exists()
    reasons = {o["reason"] for o in selectors.options(on=day(2026, 9, 19))}
    assert Reason.RENOVATION not in reasons and Reason.RENT in reasons


def test_api_status_is_depositor_scoped(staff, funded, client):
    from rest_framework.test import APIClient

    user = make_user("dep_api", roles.DEPOSITOR)
    funded.depositor.user = user
    funded.depositor.save()
    app = counter(staff, funded, Reason.ILLNESS, "1000", ill("1000"))
    api = APIClient()
    api.force_authenticate(user)
    data = api.get("/api/v1/depositor/withdrawals/").json()
    assert [r["number"] for r in data["results"]] == [app.number] and data["results"][0]["state"] == "accepted"
    assert api.get(f"/api/v1/depositor/withdrawals/{app.number}/").json()["card_tail"] == CARD[-4:]
    # the queue page's FilterSet filters the API too
    assert [r["number"] for r in api.get("/api/v1/depositor/withdrawals/", {"state": "accepted", "reason": app.reason,
                                                                            "q": app.number}).json()["results"]] == [
        app.number]
    assert api.get("/api/v1/depositor/withdrawals/", {"state": "paid"}).json()["results"] == []
    assert api.get("/api/v1/depositor/withdrawals/", {"state": "bogus"}).status_code == 400
    other = make_user("dep_api2", roles.DEPOSITOR)
    api.force_authenticate(other)
    assert api.get("/api/v1/depositor/withdrawals/").json()["results"] == []
    resp = api.get(f"/api/v1/depositor/withdrawals/{app.number}/")
    assert resp.status_code == 404 and set(resp.json()) == {"code", "message", "fields"}
    api.force_authenticate(staff["clerk"])
    assert api.get("/api/v1/depositor/withdrawals/").status_code == 403


def test_property_import_command(staff, tmp_path):
    from django.core.management import call_command

    from withdrawals.models import PropertyRecord

    make_user("w_admin2", roles.SYSADMIN)
    person = factories.person(staff["clerk"], name="孙八")
    path = tmp_path / "registry.csv"
    path.write_text("certificate_number,owner_id_number,owner_name,address,area,price\n"
                    f"C9,{person.id_number},孙八,人民路9号,70.25,800000\n", encoding="utf-8")
    call_command("import_property_records", str(path), "--user", "w_admin2")
    assert PropertyRecord.objects.get(certificate_number="C9").area == D("70.25")


def test_counter_pages_three_people(staff, funded, client):
    client.force_login(staff["clerk"])
    resp = client.post("/counter/withdrawals/new/", {
        "account": funded.number, "reason": Reason.ILLNESS, "amount": "800", "payee_card": CARD,
        "payee_name": "张三", "medical_cost": "800", "bill_number": "MB-P1",
        "patient": "self", f"doc_{Doc.MEDICAL}": [doc("a.pdf")]})
    app = WithdrawalApplication.objects.get()
    assert resp.status_code == 302 and app.state == S.ACCEPTED and app.documents.count() == 1
    bad = client.post("/counter/withdrawals/new/", {
        "account": funded.number, "reason": Reason.ILLNESS, "amount": "800", "payee_card": "123",
        "payee_name": "张三", "medical_cost": "800", "patient": "self"})
    assert "银行卡号无效" in bad.content.decode() and WithdrawalApplication.objects.count() == 1
    client.post(f"/counter/withdrawals/{app.number}/review/", {"comment": "x"})  # a clerk may not review
    assert WithdrawalApplication.objects.get().state == S.ACCEPTED
    client.force_login(staff["reviewer"])
    page = client.get("/counter/withdrawals/").content.decode()
    assert app.number in page
    page = client.get(f"/counter/withdrawals/{app.number}/").content.decode()
    assert "49,200" in page or "49200" in page
    client.post(f"/counter/withdrawals/{app.number}/review/", {"comment": "审核通过"})
    client.force_login(staff["approver"])
    client.post(f"/counter/withdrawals/{app.number}/approve/", {"comment": "同意"})
    assert WithdrawalApplication.objects.get().state == S.PAID and balance(funded) == D("49200.00")
    page = client.get(f"/counter/withdrawals/{app.number}/").content.decode()
    assert "审核通过" in page and "同意" in page


def test_portal_apply_follow_cancel_and_standing(staff, funded, client):
    user = make_user("dep_portal", roles.DEPOSITOR)
    funded.depositor.user = user
    funded.depositor.save()
    client.force_login(user)
    page = client.get("/portal/withdrawals/apply/").content.decode()
    assert "房屋租赁合同" in page and "装修自住住房" in page
    client.post("/portal/withdrawals/apply/", {
        "reason": Reason.RENT, "amount": "1800", "payee_card": CARD, "payee_name": "张三", "monthly_rent": "2000",
        "patient": "self", f"doc_{Doc.LEASE}": [doc("lease.pdf")]})
    rent = WithdrawalApplication.objects.get()
    assert rent.state == S.PAID and balance(funded) == D("48200.00")
    client.post("/portal/withdrawals/apply/", {
        "reason": Reason.ILLNESS, "amount": "500", "payee_card": CARD, "payee_name": "张三", "medical_cost": "500",
        "bill_number": "MB-P2",
        "patient": "self", f"doc_{Doc.MEDICAL}": [doc("m.pdf")]})
    ill = WithdrawalApplication.objects.get(reason=Reason.ILLNESS)
    assert ill.state == S.SUBMITTED
    page = client.get("/portal/withdrawals/").content.decode()
    assert rent.number in page and "已支付" in page and "网上已提交" in page
    client.post(f"/portal/withdrawals/{ill.number}/cancel/")
    assert WithdrawalApplication.objects.get(pk=ill.pk).state == S.CANCELLED
    client.post("/portal/standing/new/", {"kind": "rent", "monthly_amount": "1500", "payee_card": CARD,
                                          "payee_name": "张三"})
    from withdrawals.models import StandingInstruction

    si = StandingInstruction.objects.get()
    client.post(f"/portal/standing/{si.pk}/stop/")
    assert StandingInstruction.objects.get().status == "stopped"
    assert run_checks()["ok"]


def test_death_pays_heirs_by_shares_and_retries_only_the_failed_heir(staff, funded):
    card_a, card_b = card_for("621700000000001"), card_for("621700000000002")
    heirs = [{"name": "张一", "card": card_a, "share": "0.3333"}, {"name": "张二", "card": card_b, "share": "0.6667"}]
    with pytest.raises(InvalidInput):
        counter(staff, funded, Reason.DEATH, None, {"heirs": heirs}, card=CARD, name="张三")  # not an heir
    bad = [{**heirs[0], "card": "6217000000000019999"}, heirs[1]]
    with pytest.raises(InvalidInput):
        counter(staff, funded, Reason.DEATH, None, {"heirs": bad}, card=card_a, name="张一")
    factories.deposit(factories.account(staff["clerk"], name="李四"), "5000")  # other money in the bank
    app = counter(staff, funded, Reason.DEATH, None, {"heirs": heirs}, card=card_a, name="张一")
    app = through(staff, app)
    total = app.amount_approved
    assert total == D("50000") + app.interest_paid and app.interest_paid > 0
    first = (total * D("0.3333")).quantize(D("0.01"))
    split = [(h["name"], D(h["amount"])) for h in app.effect["heirs_split"]]
    assert split == [("张一", first), ("张二", total - first)] and balance(funded) == 0
    ledger_services.simulate_bank(actor=system_actor(), fail_accounts=[card_b])
    assert services.sync_bank(actor=system_actor()) == {"settled": 0, "failed": 1}
    app.refresh_from_db()
    assert app.state == S.APPROVED and balance(funded) == total - first
    app = services.pay(actor=staff["finance"], application=app)
    assert [i.payee_account for i in services.attempt_instructions(app)] == [card_b]
    ledger_services.simulate_bank(actor=system_actor())
    services.sync_bank(actor=system_actor())
    app.refresh_from_db()
    funded.refresh_from_db()
    assert app.state == S.CLOSED and funded.status == FundAccount.Status.CLOSED_WITHDRAWN
    assert run_checks()["ok"]


def test_death_without_heirs_moves_the_balance_to_value_added_income(staff, funded, client):
    from ledger import chart

    value_added = Account.objects.get(code=chart.VALUE_ADDED)
    before_income, before = value_added.balance, snapshot(funded)
    docs = [(Doc.DEATH_CERT, doc()), (Doc.NO_HEIR_PROOF, doc())]
    with pytest.raises(InvalidInput) as exc:  # heirs listed and "no heir" at once
        counter(staff, funded, Reason.DEATH, None, {"no_heirs": True, "heirs": [
            {"name": "张一", "card": card_for("621700000000001"), "share": "1"}]}, card="", name="", docs=docs)
    assert exc.value.code == "no_heirs"
    with pytest.raises(InvalidInput) as exc:  # the proof that nobody inherits is missing
        counter(staff, funded, Reason.DEATH, None, {"no_heirs": True}, card="", name="",
                docs=[(Doc.DEATH_CERT, doc())])
    assert exc.value.code == "missing_document"
    assert snapshot(funded) == before

    app = counter(staff, funded, Reason.DEATH, None, {"no_heirs": True}, card="", name="", docs=docs)
    app = services.review(actor=staff["reviewer"], application=app)
    assert app.effect["lines"][-1] == {"account": chart.VALUE_ADDED, "side": "C", "amount": app.effect["amount"]}
    app = services.approve(actor=staff["approver"], application=app)
    funded.refresh_from_db()
    value_added.refresh_from_db()
    total = D("50000.00") + app.interest_paid
    assert app.interest_paid > 0 and app.amount_approved == total
    assert app.state == S.CLOSED and app.instruction is None and balance(funded) == 0
    assert funded.status == FundAccount.Status.CLOSED_WITHDRAWN
    assert value_added.balance - before_income == total
    assert not BankInstruction.objects.filter(source=f"withdrawal:{app.pk}").exists()
    assert run_checks()["ok"]

    # the counter form: the "no heir" box and one upload per document
    client.force_login(staff["clerk"])
    other = factories.account(staff["clerk"], name="王五")
    factories.deposit(other, "300.00")
    resp = client.post("/counter/withdrawals/new/", {
        "account": other.number, "reason": Reason.DEATH, "no_heirs": "on",
        f"doc_{Doc.DEATH_CERT}": [doc("death.pdf")], f"doc_{Doc.NO_HEIR_PROOF}": [doc("court.pdf")]})
    assert resp.status_code == 302
    case = WithdrawalApplication.objects.get(account=other)
    assert case.facts == {"no_heirs": True} and sorted(case.documents.values_list("doc_type", flat=True)) == [
        Doc.DEATH_CERT, Doc.NO_HEIR_PROOF]
    page = client.get("/counter/withdrawals/new/").content.decode()
    assert 'name="doc_no_heir_proof"' in page and "reason-needs" in page


def test_fraud_on_a_paid_withdrawal_orders_the_money_back_and_receipts_restore_the_balance(staff, funded, client):
    from withdrawals.models import Recovery

    app = through(staff, counter(staff, funded, Reason.ILLNESS, "1000", ill("1000")))
    ledger_services.simulate_bank(actor=system_actor())
    services.sync_bank(actor=system_actor())
    assert balance(funded) == D("49000.00")
    other = factories.account(staff["clerk"], name="李四")
    with pytest.raises(InvalidInput):  # the case must be the person's
        services.record_fraud(actor=staff["approver"], depositor=other.depositor, reason="伪造", application=app)

    client.force_login(staff["approver"])
    page = client.get(f"/counter/withdrawals/{app.number}/").content.decode()
    assert "记录骗提认定" in page
    client.post(f"/counter/withdrawals/{app.number}/fraud/", {"reason": "诊断证明系伪造"})
    recovery = Recovery.objects.get(application=app)
    assert (recovery.amount_due, recovery.amount_recovered, recovery.status) == (D("1000.00"), 0, "open")
    assert FraudBan.objects.filter(depositor=funded.depositor).count() == 2
    assert Notification.objects.filter(key=f"withdrawal:{app.pk}:recovery:inbox").exists()

    bank = ledger_services.default_bank_account()
    lines = factories.statement(bank_account=bank, rows=[
        {"bank_reference": "RET001", "value_date": "2026-10-12", "direction": "C", "amount": "600.00",
         "counterparty_name": "张三", "counterparty_account": CARD, "remark": "退回提取款"},
        {"bank_reference": "RET002", "value_date": "2026-10-12", "direction": "C", "amount": "900.00",
         "counterparty_name": "张三", "counterparty_account": CARD, "remark": "退回提取款"}])
    with pytest.raises(ApplicationError):  # a reviewer does not book bank receipts
        services.apply_recovery_receipt(actor=staff["reviewer"], recovery=recovery, statement_line=lines[0])
    client.force_login(staff["finance"])
    page = client.get(f"/counter/withdrawals/{app.number}/").content.decode()
    assert "RET001" in page and "RET002" in page
    client.post(f"/counter/withdrawals/{app.number}/recovery/", {"statement_line": lines[0].pk})
    page = client.get(f"/counter/withdrawals/{app.number}/").content.decode()
    assert "RET002" not in page  # only receipts that do not exceed what is still owed
    recovery.refresh_from_db()
    assert (recovery.amount_recovered, recovery.outstanding, recovery.status) == (D("600.00"), D("400.00"), "open")
    assert balance(funded) == D("49600.00")
    before = snapshot(funded)
    with pytest.raises(InvalidInput) as exc:  # more than is still owed
        services.apply_recovery_receipt(actor=staff["finance"], recovery=recovery, statement_line=lines[1])
    assert exc.value.code == "above_outstanding" and snapshot(funded) == before
    with pytest.raises(StateError):  # a receipt is used once
        services.apply_recovery_receipt(actor=staff["finance"], recovery=recovery, statement_line=lines[0])
    last = factories.statement(bank_account=bank, rows=[
        {"bank_reference": "RET003", "value_date": "2026-10-13", "direction": "C", "amount": "400.00",
         "counterparty_name": "张三", "counterparty_account": CARD, "remark": "退回提取款"}])[0]
    recovery = services.apply_recovery_receipt(actor=staff["finance"], recovery=recovery, statement_line=last)
    assert (recovery.status, recovery.outstanding) == ("recovered", 0) and balance(funded) == D("50000.00")
    # the 900.00 receipt is someone else's business: booked to suspense, the books agree
    ledger_services.book_to_suspense(line=lines[1], actor=staff["finance"])
    assert run_checks()["ok"]
    page = client.get(f"/counter/withdrawals/{app.number}/").content.decode()
    assert "已全部退回" in page
    doc_page = client.get(f"/counter/withdrawals/{app.number}/documents/{app.documents.first().pk}/")
    assert doc_page.status_code == 200 and b"".join(doc_page.streaming_content).startswith(b"%PDF")


def test_preview_shows_the_maximum_or_the_refusals_and_writes_nothing(staff, funded, client):
    client.force_login(staff["clerk"])
    before = snapshot(funded)
    page = client.post("/counter/withdrawals/preview/", {
        "account": funded.number, "reason": Reason.RENT, "monthly_rent": "1500", "months": "2"}).content.decode()
    assert 'id="preview-maximum">3,000.00<' in page and "房屋租赁合同" in page
    prop(funded.depositor)  # the registry shows a home in the city
    page = client.post("/counter/withdrawals/preview/", {
        "account": funded.number, "reason": Reason.RENT, "monthly_rent": "1500", "months": "2"}).content.decode()
    assert "不符合条件" in page and "不动产登记信息显示" in page
    page = client.post("/counter/withdrawals/preview/", {"account": "nope", "reason": Reason.RENT}).content.decode()
    assert "请先填写个人账号" in page
    assert snapshot(funded) == before
    user = make_user("dep_preview", roles.DEPOSITOR)
    funded.depositor.user = user
    funded.depositor.save()
    client.force_login(user)
    page = client.post("/portal/withdrawals/preview/", {"reason": Reason.ILLNESS, "medical_cost": "800",
                                                        "bill_number": "MB-V1", "patient": "self"}).content.decode()
    assert 'id="preview-maximum">800.00<' in page


def test_counter_form_shows_the_facts_each_reason_reads_and_takes_them(staff, funded, client):
    client.force_login(staff["clerk"])
    page = client.get("/counter/withdrawals/new/").content.decode()
    import json
    import re

    needs = json.loads(re.search(r'id="reason-needs" type="application/json">(.*?)</script>', page, re.S).group(1))
    assert needs[Reason.RENT]["fields"] == ["monthly_rent", "months", "public_rental", "lease_number", "lease_total"]
    assert needs[Reason.DISABILITY] == {"docs": [Doc.DISABILITY_CERT], "fields": ["employment_ended"]}
    assert 'data-fact="employment_ended"' in page and 'data-fact="account"' not in page
    resp = client.post("/counter/withdrawals/new/", {
        "account": funded.number, "reason": Reason.DISABILITY, "payee_card": CARD, "payee_name": "张三",
        "employment_ended": "on", f"doc_{Doc.DISABILITY_CERT}": [doc("d.pdf")]})
    assert resp.status_code == 302
    app = WithdrawalApplication.objects.get(reason=Reason.DISABILITY)
    assert app.facts == {"employment_ended": True} and app.closes_account and app.state == S.ACCEPTED


def test_queue_page_filters_and_exports(staff, funded, client):
    import csv
    import io

    app = counter(staff, funded, Reason.ILLNESS, "1000", ill("1000"))
    client.force_login(staff["reviewer"])
    page = client.get("/counter/withdrawals/").content.decode().split('id="queue"')[1]
    assert app.number in page and app.decision_due.isoformat() in page
    assert app.number in client.get("/counter/withdrawals/", {"q": funded.depositor.name}).content.decode()
    assert app.number not in client.get("/counter/withdrawals/", {"q": "无此人"}).content.decode().split(
        'id="queue"')[1]
    export = client.get("/counter/withdrawals/", {"export": "csv", "reason": app.reason})
    rows = list(csv.reader(io.StringIO(export.getvalue().decode("utf-8-sig"))))
    assert len(rows) == 2 and rows[1][0] == app.number and rows[1][6] == "1000.00"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_effect_records_the_rules_in_both_languages_from_either_language(staff, funded, language):
    """The live effect on the case page words the rules in both languages, whichever language the page is in
    (the outcome already worded in the page's language is reused, the other is evaluated again)."""
    app = counter(staff, funded, Reason.RENT, "5400", {"monthly_rent": "2500", "months": 3})
    with translation.override(language):
        check = services.compute_effect(app)["check"]
    with translation.override("zh-hans"):
        zh = [str(t) for t in maximum(funded, Reason.RENT, {"monthly_rent": "2500", "months": 3}).passed]
    with translation.override("en"):
        en = [str(t) for t in maximum(funded, Reason.RENT, {"monthly_rent": "2500", "months": 3}).passed]
    assert zh and en and zh != en
    assert check["passed_zh-hans"] == zh and check["passed_en"] == en
    assert check["refusals_zh-hans"] == [] and check["refusals_en"] == []


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_case_page_words_the_live_rules_in_its_own_language(staff, funded, language):
    from withdrawals import selectors

    app = counter(staff, funded, Reason.RENT, "5400", {"monthly_rent": "2500", "months": 3})
    with translation.override(language):
        expected = [str(t) for t in maximum(funded, Reason.RENT, {"monthly_rent": "2500", "months": 3}).passed]
        check = selectors.case_page(viewer=staff["reviewer"], pk=app.pk)["effect"]["check"]
    assert expected and check[f"passed_{language}"] == expected and check["refusals"] == []
    other = "en" if language == "zh-hans" else "zh-hans"
    assert f"passed_{other}" not in check
    # what is stored with the case keeps both
    assert set(WithdrawalApplication.objects.get(pk=app.pk).effect["check"]) >= {"passed_en", "passed_zh-hans"}


def test_case_page_of_an_unknown_number_is_404(staff, funded):
    from django.test import Client
    from django.urls import reverse

    app = counter(staff, funded, Reason.RENT, "5400", {"monthly_rent": "2500", "months": 3})
    web = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    web.force_login(staff["reviewer"])
    page = web.get(reverse("withdrawals:case", args=[app.number]))
    assert page.status_code == 200 and app.number in page.content.decode()
    assert web.get(reverse("withdrawals:case", args=[app.number + "9"])).status_code == 404
