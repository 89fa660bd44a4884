"""Sham-lawsuit risk of deductions (DOMAIN.md §6.4): the Hanchuan case pattern flags every signal, an ordinary
judgment deduction is not flagged, a flagged deduction needs a second-level review by a third person, the register
and its monthly statistics, the export escapes formulas, the letter to the court."""

import csv
import io
import re

import pytest
from django.test import override_settings
from django.urls import reverse

from core import roles
from core.errors import Forbidden, StateError
from judicial import services
from judicial.models import Freeze, JudicialRequest, RiskLetter, RiskReview
from judicial.services import risk
from ledger.models import BankInstruction
from tests import factories
from tests.conftest import make_user
from tests.judicial.conftest import D, day, freeze, ledger, on, receive, run

JR = JudicialRequest
MET = "tests.judicial.test_risk.condition_met"
DOCS = {"ruling_number": "(2026)鄂0984民特88号", "notice_number": "协执字第2026-88号",
        "payee_name": "示范市南山区人民法院执行款专户", "payee_account": "44201500000000001"}
SHAM = {"basis_type": "judicial_confirmation", "ruling_date": "2026-09-23", "enforcement_filed_on": "2026-09-27",
        "creditor_name": "颜某", "lawyer": "刘律师", "mediator": "城关人民调解委员会",
        "creditor_phone": "139-1234-5678", "creditor_address": "示范市建设路8号"}
ALL_SIGNALS = {"debt_near_balance", "uncontested_basis", "fast_enforcement", "no_withdrawal_condition",
               "repeated_applicant", "repeated_lawyer", "repeated_mediator", "repeated_court", "repeated_phone",
               "shared_contact"}


def condition_met(*, account_id, on):
    return "退休"


@pytest.fixture
def approver(db):
    return make_user("j_appr", roles.APPROVER)


@pytest.fixture
def clerk(db):
    return make_user("j_risk_clerk", roles.CLERK)


def account_with(clerk, name, amount, **kw):
    acc = factories.account(clerk, name=name, **kw)
    factories.deposit(acc, amount)
    acc.refresh_from_db()
    return acc


def deduction(officers, court, account, original, amount, **kw):
    return receive(officers, court, account, "deduct", original_number=original.number, amount=amount,
                   **{**DOCS, **kw})


def earlier_cases(officers, court, clerk, n, **kw):
    """``n`` earlier judicial-confirmation deductions of the same court by the same applicant, lawyer, mediator and
    phone against other people (different case numbers)."""
    for i in range(n):
        acc = account_with(clerk, f"李{i}", "30000.00")
        f = freeze(officers, court, acc, "30000.00", case_number=f"(2026)粤0305执{100 + i}号")
        deduction(officers, court, acc, f, "30000.00", case_number=f"(2026)粤0305执{100 + i}号", **SHAM)


def codes(req):
    return {s["code"] for s in req.risk_signals}


def test_the_hanchuan_case_pattern_fires_every_signal(officers, court, clerk):
    """2026-09-18 mediation agreement → 09-23 judicial confirmation → 09-27 enforcement → 10-20 the deduction of
    ¥200,000 from 张某's fund account (balance ¥203,500.00), by an applicant whose phone is 张某's own and whose
    address is 张某's employer's, already seen in three other cases of the same court this year."""
    on(day(2026, 10, 1))
    earlier_cases(officers, court, clerk, 3)
    on(day(2026, 10, 20))
    emp = factories.employer(clerk, name="城关建材有限公司", address="示范市 建设路8号")
    zhang = account_with(clerk, "张某", "203500.00", emp=emp)
    assert zhang.depositor.phone == "13912345678"
    f = freeze(officers, court, zhang, "200000.00")
    req = deduction(officers, court, zhang, f, "200000.00", **SHAM)
    assert codes(req) == ALL_SIGNALS
    assert req.risk_score == 10 and req.risk_flagged is True
    messages = {s["code"]: s["message"] for s in req.risk_signals}
    assert "200,000.00" in messages["debt_near_balance"] and "203,500.00" in messages["debt_near_balance"]
    assert "不超过 5%" in messages["debt_near_balance"]
    english = {s["code"]: s["message_en"] for s in req.risk_signals}  # the staff page in English reads these
    assert "200,000.00" in english["debt_near_balance"] and not re.search("[\u4e00-\u9fff]{3}", english[
        "debt_near_balance"])
    assert "司法确认" in messages["uncontested_basis"]
    assert "4" in messages["fast_enforcement"] and "2026-09-23" in messages["fast_enforcement"]
    assert "提取条件" in messages["no_withdrawal_condition"]
    assert "颜某" in messages["repeated_applicant"] and "3" in messages["repeated_applicant"]
    assert "刘律师" in messages["repeated_lawyer"]
    assert "城关人民调解委员会" in messages["repeated_mediator"]
    assert "示范市南山区人民法院" in messages["repeated_court"]
    assert "139-1234-5678" in messages["shared_contact"]
    # each earlier case saw fewer repeats: the first one none
    first = JR.objects.filter(measure="deduct").order_by("pk").first()
    assert not codes(first) & {"repeated_applicant", "repeated_court"}
    assert JR.objects.filter(measure="deduct").order_by("pk")[1].risk_signals  # the second saw the first
    assert "repeated_applicant" in codes(JR.objects.filter(measure="deduct").order_by("pk")[1])


def test_signals_one_by_one(officers, court, clerk):
    """Each rule on its own: an exact round share of the balance, a payment order, an address shared with the
    employer; a ruling long before enforcement does not fire."""
    on(day(2026, 10, 20))
    emp = factories.employer(clerk, name="甲公司", address="示范市人民路1号")
    acc = account_with(clerk, "王五", "60000.00", emp=emp)
    f = freeze(officers, court, acc, "60000.00")
    req = deduction(officers, court, acc, f, "30000.00", basis_type="payment_order", ruling_date="2026-01-05",
                    creditor_address="示范市人民路１号")
    assert codes(req) == {"debt_near_balance", "uncontested_basis", "no_withdrawal_condition", "shared_contact"}
    msg = {s["code"]: s["message"] for s in req.risk_signals}
    assert "1/2" in msg["debt_near_balance"] and "支付令" in msg["uncontested_basis"]
    assert "用人单位" in msg["shared_contact"]


@override_settings(JUDICIAL_WITHDRAWAL_CONDITION_SOURCE=MET)
def test_an_ordinary_judgment_deduction_is_not_flagged_and_runs_on_the_checker(officers, court, funded):
    f = freeze(officers, court, funded, "20000.00")
    req = run(officers, court, funded, "deduct", original_number=f.number, amount="12345.67", basis_type="judgment",
              ruling_date="2025-03-01", creditor_name="示范银行股份有限公司", lawyer="赵律师",
              creditor_phone="0755-88888888", creditor_address="示范市深南大道1号", **DOCS)
    assert (req.risk_score, req.risk_signals, req.risk_flagged) == (0, [], False)
    assert req.state == JR.State.EXECUTED and req.actual_amount == D("12345.67")
    assert ledger(funded).balance == D("37654.33")


@override_settings(JUDICIAL_WITHDRAWAL_CONDITION_SOURCE=MET)
def test_a_flagged_deduction_needs_a_third_person_second_level_review(officers, court, funded, approver):
    f = freeze(officers, court, funded, "50000.00")
    req = deduction(officers, court, funded, f, "49000.00", basis_type="consent", ruling_date="2026-10-01")
    assert codes(req) == {"debt_near_balance", "uncontested_basis", "fast_enforcement"} and req.risk_flagged
    req = services.prepare(actor=officers["op"], request=req)
    # the checker alone: refused, nothing written
    with pytest.raises(StateError) as exc:
        services.confirm(actor=officers["chk"], request=req)
    assert exc.value.code == "second_review_required"
    req.refresh_from_db()
    assert req.state == JR.State.PREPARED and req.checker is None and req.instruction is None
    assert not BankInstruction.objects.exists()
    assert ledger(funded).balance == D("50000.00") and ledger(funded).held == D("50000.00")
    # the reviewer must be an approver, and neither the operator nor (later) the checker
    with pytest.raises(Forbidden):
        risk.second_review(actor=officers["op"], request=req, decision="proceed", comment="同意")
    both = make_user("j_both", roles.APPROVER, roles.JUDICIAL_OFFICER)
    other_op = receive(officers, court, funded, "deduct", original_number=f.number, amount="49000.00",
                       basis_type="consent", ruling_date="2026-10-01", **DOCS)
    other_op = services.prepare(actor=both, request=other_op)
    with pytest.raises(Forbidden):  # the operator of that request cannot review it
        risk.second_review(actor=both, request=other_op, decision="proceed", comment="同意")
    # a hold for verification still blocks the checker
    risk.second_review(actor=both, request=req, decision="verify", comment="调解协议形成过快，请法院核实")
    with pytest.raises(StateError) as exc:
        services.confirm(actor=officers["chk"], request=req)
    assert exc.value.code == "second_review_hold"
    with pytest.raises(Forbidden) as exc:  # and a reviewer cannot be the checker
        services.confirm(actor=both, request=req)
    assert exc.value.code == "four_eyes"
    # the court confirmed: the reviewer lets it proceed, the checker confirms, the deduction runs
    risk.second_review(actor=approver, request=req, decision="proceed", comment="法院回函确认债务真实，准予执行")
    req = services.confirm(actor=officers["chk"], request=req)
    assert req.state == JR.State.EXECUTED and req.actual_amount == D("49000.00")
    assert len({req.operator_id, req.checker_id, approver.pk}) == 3
    assert [(r.reviewer, r.decision) for r in RiskReview.objects.filter(request=req)] == [
        (both, "verify"), (approver, "proceed")]
    acc = ledger(funded)
    assert (acc.balance, acc.held) == (D("1000.00"), D("1000.00"))
    f.freeze.refresh_from_db()
    assert (f.freeze.state, f.freeze.amount_frozen) == (Freeze.State.ACTIVE, D("1000.00"))


@override_settings(JUDICIAL_WITHDRAWAL_CONDITION_SOURCE=MET)
def test_a_review_before_a_send_back_does_not_count(officers, court, funded, approver):
    f = freeze(officers, court, funded, "50000.00")
    req = services.prepare(actor=officers["op"], request=deduction(officers, court, funded, f, "50000.00"))
    risk.second_review(actor=approver, request=req, decision="proceed", comment="同意")
    services.send_back(actor=officers["chk"], request=req, comment="补充材料")
    req = services.prepare(actor=officers["op"], request=req)
    with pytest.raises(StateError):
        services.confirm(actor=officers["chk"], request=req)


def test_flagged_but_refused_anyway_needs_no_review(officers, court, funded):
    """No withdrawal condition: the deduction does not run, the checker answers the refusal without review."""
    f = freeze(officers, court, funded, "10000.00")
    req = services.prepare(actor=officers["op"], request=deduction(officers, court, funded, f, "10000.00"))
    assert codes(req) == {"no_withdrawal_condition"}
    req = services.confirm(actor=officers["chk"], request=req)
    assert req.state == JR.State.REFUSED and ledger(funded).held == D("10000.00")


def test_bad_risk_fields_are_refused_with_nothing_stored(officers, court, funded):
    f = freeze(officers, court, funded, "10000.00")
    count = JR.objects.count()
    from core.errors import InvalidInput

    for bad in ({"basis_type": "trust_me"}, {"ruling_date": "2026-13-40"},
                {"ruling_date": "2026-09-10", "enforcement_filed_on": "2026-09-01"}, {"lawyer": "律" * 121}):
        with pytest.raises(InvalidInput) as exc:
            deduction(officers, court, funded, f, "100.00", **bad)
        assert set(exc.value.fields) & set(bad)
    assert JR.objects.count() == count


@override_settings(JUDICIAL_WITHDRAWAL_CONDITION_SOURCE=MET)
def test_register_statistics_and_export(client, officers, court, court2, clerk, approver):
    on(day(2026, 9, 10))
    a = account_with(clerk, "甲", "50000.00")
    fa = freeze(officers, court, a, "50000.00")
    plain = run(officers, court, a, "deduct", original_number=fa.number, amount="1000.00", basis_type="judgment",
                creditor_name="=HYPERLINK(\"http://x\")", **DOCS)  # executed, not flagged
    on(day(2026, 10, 12))
    b = account_with(clerk, "乙", "20000.00")
    fb = freeze(officers, court, b, "20000.00")
    flagged = deduction(officers, court, b, fb, "20000.00", basis_type="judicial_confirmation",
                        case_number="(2026)粤0305执5号")  # flagged, received, not executed
    c = account_with(clerk, "丙", "8000.00")
    fc = freeze(officers, court2, c, "8000.00")
    deduction(officers, court2, c, fc, "500.50", basis_type="judgment", payee_account="44201500000000002",
              payee_name="示范市福田区人民法院执行款专户", case_number="(2026)粤0306执7号")
    stats = services_stats(officers)
    assert [(r["month"].isoformat(), r["count"], r["flagged"], r["requested"], r["deducted"])
            for r in stats["months"]] == [("2026-09-01", 1, 0, D("1000.00"), D("1000.00")),
                                          ("2026-10-01", 2, 1, D("20500.50"), D("0.00"))]
    assert [(r["month"].isoformat(), r["court__code"], r["count"], r["flagged"], r["requested"], r["deducted"])
            for r in stats["rows"]] == [("2026-09-01", "4403050", 1, 0, D("1000.00"), D("1000.00")),
                                        ("2026-10-01", "4403050", 1, 1, D("20000.00"), D("0.00")),
                                        ("2026-10-01", "4403060", 1, 0, D("500.50"), D("0.00"))]
    flagged_only = services_stats(officers, {"risk_flagged": "true"})
    assert [(r["count"], r["requested"]) for r in flagged_only["months"]] == [(1, D("20000.00"))]

    client.force_login(officers["chk"])
    page = client.get(reverse("judicial:register"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "(2026)粤0305执5号" in html and "(2026)粤0306执7号" in html and "司法确认" in html
    only = client.get(reverse("judicial:register") + f"?court={court2.pk}").content.decode()
    assert "(2026)粤0306执7号" in only and "(2026)粤0305执5号" not in only
    export = client.get(reverse("judicial:register") + "?export=csv")
    assert export.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    assert len(rows) == 4
    assert len(rows[0]) == 17  # every column of the register, headers included
    by_number = {r[3]: r for r in rows[1:]}  # the request number column
    row = by_number[plain.number]
    assert "'=HYPERLINK(\"http://x\")" in row  # the formula is escaped, never written as is
    assert not any(cell.startswith("=") for r in rows for cell in r)
    flagged_row = by_number[flagged.number]
    assert any("司法确认" in cell for cell in flagged_row)
    stats_page = client.get(reverse("judicial:statistics"))
    assert stats_page.status_code == 200 and "2026-10" in stats_page.content.decode()
    xlsx = client.get(reverse("judicial:register") + "?export=xlsx")
    assert xlsx.status_code == 200


def services_stats(officers, filters=None):
    from judicial import selectors

    return selectors.monthly_statistics(viewer=officers["chk"], filters=filters)


def test_risk_page_review_and_letter(client, officers, court, funded, approver):
    f = freeze(officers, court, funded, "50000.00")
    req = services.prepare(actor=officers["op"], request=deduction(
        officers, court, funded, f, "50000.00", basis_type="consent", creditor_name="颜某"))
    client.force_login(approver)
    page = client.get(reverse("judicial:risk_case", args=[req.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="flagged"' in html and 'data-code="uncontested_basis"' in html and 'id="second-review"' in html
    # the history and the amounts in words and figures, not codes
    assert '<span data-action="receive">接收</span> (已接收)' in html
    assert '<span data-action="prepare">经办</span> (已经办，待复核)' in html
    assert "50,000.00" in html
    draft = client.get(reverse("judicial:risk_letter", args=[req.pk]) + "?kind=verification").content.decode()
    assert "核实" in draft and "示范市南山区人民法院" in draft and "(2026)粤0305执30003号" in draft
    assert "民事调解书" in draft or "调解" in draft
    response = client.post(reverse("judicial:risk_letter_sent", args=[req.pk]), {"kind": "verification"})
    assert response.status_code == 302
    letter = RiskLetter.objects.get(request=req)
    assert letter.sent_by == approver and len(letter.content_sha256) == 64 and letter.number.startswith("HS")
    printed = client.get(reverse("judicial:risk_letter_number", args=[req.pk, letter.number])).content.decode()
    assert letter.number in printed
    response = client.post(reverse("judicial:risk_review", args=[req.pk]),
                           {"decision": "proceed", "comment": "已向法院核实，债务真实"})
    assert response.status_code == 302
    assert RiskReview.objects.get(request=req).reviewer == approver
    bad = client.post(reverse("judicial:risk_review", args=[req.pk]), {"decision": "maybe", "comment": ""})
    assert bad.status_code == 302 and RiskReview.objects.filter(request=req).count() == 1
    # a judicial officer may not take the second-level review
    client.force_login(officers["chk"])
    assert client.post(reverse("judicial:risk_review", args=[req.pk]),
                       {"decision": "proceed", "comment": "x"}).status_code == 403
    assert client.get(reverse("judicial:risk_case", args=[999999])).status_code == 404
