"""The limit for 商转公, 组合贷 and 共有产权房, and frozen money left out of the balance multiple (DOMAIN.md §4.3,
§4.8; DESIGN.md §5): each on DOMAIN.md §4.3's household, figures to the fen."""

import datetime
from decimal import Decimal

import pytest

from core.errors import InvalidInput
from core.models import CaseTransition
from ledger.models import Hold
from ledger.services.holds import place_hold, release_hold
from loans import calculations as calc
from loans import services
from loans.models import LoanApplication, LoanParty, PayeeKind, ScheduleInstallment
from loans.services.disbursement import _check_payee
from tests.loans.conftest import example_data, portal_user
from withdrawals.models import PropertyRecord

D = Decimal
day = datetime.date

CONVERSION = {
    "purpose": "conversion",
    "property_kind": "resale",
    "purchase_certificate_number": "示范不动产权第0099号",
    "commercial_remaining": "356789.12",
    "commercial_remaining_months": 200,
    "commercial_bank": "示范银行人民路支行",
    "commercial_loan_number": "SY-2019-000777",
}
COMBINED = {
    "commercial_amount": "300000.00",
    "commercial_rate": "0.0395",
    "commercial_term_months": 240,
    "commercial_method": "equal_installment",
    "commercial_bank": "示范银行人民路支行",
}


def assessed(staff, household, **changes):
    app = services.create_draft(actor=staff["officer"], account=household["borrower"], data=example_data(**changes))
    return services.assess(actor=staff["officer"], application=app, credit_ok=True)


def failed(app):
    return {c["code"]: c["message"] for c in app.assessment["checks"] if not c["passed"]}


def components(app):
    return {c["key"]: c["amount"] for c in app.assessment["limit"]["components"]}


def counts():
    return (LoanApplication.objects.count(), LoanParty.objects.count(), CaseTransition.objects.count())


# --- 商转公 ----------------------------------------------------------------------------------------------------


def test_conversion_is_bounded_by_the_commercial_principal_and_term(staff, household):
    # the home being converted is the family's own, registered: it is the home of the application, not another
    PropertyRecord.objects.create(
        certificate_number="示范不动产权第0099号",
        owner_id_number=household["borrower"].depositor.id_number,
        owner_name="王建国",
        address="示范市东湖路9号",
        area=D("89.50"),
        loan_amount=D("500000.00"),
    )
    app = assessed(staff, household, **CONVERSION, term_months=240)
    assert app.homes_owned == 0
    assert components(app) == {
        "cap": "600000.00",
        "balance": "750000.00",
        "capacity": "1495919.73",
        "ltv": "800000.00",
        "commercial": "356789.12",
    }
    assert (app.limit_amount, app.limit_binding) == (D("356000.00"), "commercial")
    assert failed(app) == {
        "conversion_term": "商转公贷款期限不得超过商业贷款剩余期限：申请 240 个月，商业贷款剩余 200 个月。",
        "within_limit": "申请金额 600,000.00 超过可贷额度 356,000.00。",
    }
    ok = services.update_draft(
        actor=staff["officer"],
        application=app,
        data=example_data(**CONVERSION, term_months=200, requested_amount="356000.00"),
    )
    ok = services.assess(actor=staff["officer"], application=ok)
    assert failed(ok) == {} and ok.assessment["eligible"] is True
    assert (ok.commercial_bank, ok.commercial_loan_number, ok.commercial_remaining_months) == (
        "示范银行人民路支行",
        "SY-2019-000777",
        200,
    )


def test_conversion_pays_only_the_commercial_bank_recorded(staff, household):
    app = services.create_draft(
        actor=staff["officer"], account=household["borrower"], data=example_data(**CONVERSION, term_months=200)
    )
    with pytest.raises(InvalidInput) as exc:
        _check_payee(app, PayeeKind.COMMERCIAL_BANK, "王建国", "6222000011113333", "另一家银行")
    assert exc.value.fields == {"payee_bank": ["商转公贷款只能支付至申请中登记的商业贷款银行：示范银行人民路支行。"]}
    assert _check_payee(app, PayeeKind.COMMERCIAL_BANK, "王建国", "6222000011113333", "") == (
        "commercial_bank",
        "王建国",
        "6222000011113333",
        "示范银行人民路支行",
    )
    with pytest.raises(InvalidInput):
        _check_payee(app, PayeeKind.PRESALE_ESCROW, "", "6222000011113333", "")


# --- 组合贷 ----------------------------------------------------------------------------------------------------


def test_combined_loan_shares_the_loan_to_value_and_the_income(staff, household):
    """Price 1,000,000 × 80 % = 800,000 for both parts: the fund part at most 500,000 beside 300,000 from the bank.
    The bank part (3.95 %, 240 months) costs 1,810.05 a month, counted with the other debt of 2,000."""
    commercial = calc.schedule(D("300000.00"), D("0.0395"), 240)
    assert commercial[0].payment == D("1810.05")
    app = assessed(staff, household, **COMBINED)
    assert app.combined and app.commercial_rate == D("0.0395")
    assert components(app) == {
        "cap": "600000.00",
        "balance": "750000.00",
        "capacity": "1284844.46",
        "ltv": "500000.00",
    }
    ltv = next(c for c in app.assessment["limit"]["components"] if c["key"] == "ltv")
    assert ltv["explanation"] == "房价 1,000,000.00 × 贷款成数 80% − 组合贷款中的商业贷款 300,000.00"
    assert (app.limit_amount, app.limit_binding) == (D("500000.00"), "ltv")
    assert failed(app) == {"within_limit": "申请金额 600,000.00 超过可贷额度 500,000.00。"}
    assert app.assessment["commercial"] == {
        "bank": "示范银行人民路支行",
        "amount": "300000.00",
        "annual_rate": "0.03950000",
        "months": 240,
        "method": "equal_installment",
        "first_payment": "1810.05",
        "total_interest": str(calc.total_interest(commercial)),
        "total_payment": str(calc.total_payment(commercial)),
    }
    # the capacity: (20,000 × 50 % − 2,000 − 1,810.05) × annuity factor (2.6 %, 276 months)
    assert (
        D(components(app)["capacity"])
        == calc.loan_limit(
            calc.LimitRequest(
                balances=(D("30000"), D("20000")),
                monthly_income=D("20000"),
                other_monthly_debt=D("3810.05"),
                price=D("1000000"),
                second_home=False,
                loans_used=0,
                children=0,
                green=False,
                annual_rate=D("0.026"),
                months=276,
            ),
            {**services.applications.policy.snapshot("loans.", on=day(2026, 1, 15))},
        )
        .component("capacity")
        .amount
    )


def test_the_case_page_shows_the_commercial_schedule_not_stored(staff, household, client):
    app = assessed(staff, household, **COMBINED, requested_amount="500000.00")
    client.force_login(staff["reviewer"])
    page = client.get(f"/counter/loans/{app.number}/").content.decode()
    assert '<span class="money" id="commercial-first">1,810.05</span>' in page
    assert 'id="commercial-schedule"' in page
    assert '<tr data-installment="1"><td class="text-end">1</td><td class="text-end money">1,810.05</td>' in page
    assert not ScheduleInstallment.objects.exists()  # shown, never stored as installments of the center


def test_counter_form_takes_the_commercial_rate_in_percent(staff, household, client):
    client.force_login(staff["officer"])
    data = {
        **example_data(),
        **COMBINED,
        "commercial_rate": "3.95",
        "account": household["borrower"].number,
        "ownership_share": "1",
        "children": "0",
        "female_category": "",
    }
    response = client.post("/counter/loans/new/", data)
    assert response.status_code == 302
    app = LoanApplication.objects.get()
    assert (app.commercial_amount, app.commercial_rate, app.commercial_term_months) == (
        D("300000.00"),
        D("0.0395"),
        240,
    )
    page = client.get(f"/counter/loans/{app.number}/edit/").content.decode()
    assert 'name="commercial_rate" value="3.95"' in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({**CONVERSION, "commercial_remaining_months": ""}, "此项为必填项。"),
        ({**CONVERSION, "commercial_remaining_months": "481"}, "480"),
        ({**CONVERSION, "commercial_bank": ""}, "请填写被转换商业贷款的贷款银行。"),
        ({**CONVERSION, "commercial_loan_number": ""}, "请填写商业贷款的合同编号。"),
        ({**CONVERSION, **COMBINED}, "商转公不是组合贷款，请不要填写商业贷款部分。"),
        ({**COMBINED, "commercial_rate": "abc"}, "请以百分比填写年利率，例如 3.95。"),
        ({**COMBINED, "commercial_amount": "0"}, "金额必须大于零。"),
        ({**COMBINED, "commercial_bank": ""}, "请填写组合贷款中商业贷款的贷款银行。"),
        ({"commercial_rate": "3.95"}, "请填写组合贷款中商业贷款的金额，或不填写商业贷款部分。"),
    ],
)
def test_counter_and_portal_forms_refuse_in_chinese_and_write_nothing(staff, household, client, changes, message):
    before = counts()
    client.force_login(staff["officer"])
    data = {**example_data(), "ownership_share": "1", "children": "0", "female_category": "", **changes}
    if "commercial_rate" in changes and changes["commercial_rate"] == "0.0395":
        data["commercial_rate"] = "3.95"
    response = client.post("/counter/loans/new/", {**data, "account": household["borrower"].number, "accept": "1"})
    assert response.status_code == 200 and message in response.content.decode()
    client.force_login(portal_user(household["borrower"].depositor, "wjg"))
    response = client.post("/portal/loans/apply/", {**data, "submit": "1"})
    assert response.status_code == 200 and message in response.content.decode()
    assert counts() == before


# --- 共有产权房 and frozen money ---------------------------------------------------------------------------------


def test_shared_ownership_limits_the_loan_to_value_on_the_buyers_share(staff, household):
    app = assessed(staff, household, ownership_share="0.6", requested_amount="480000.00")
    ltv = next(c for c in app.assessment["limit"]["components"] if c["key"] == "ltv")
    assert ltv["amount"] == "480000.00"  # 1,000,000 × 60 % × 80 %
    assert ltv["explanation"] == "房价 1,000,000.00 × 购房人产权份额 60% × 贷款成数 80%"
    assert (app.limit_amount, app.limit_binding) == (D("480000.00"), "ltv")
    assert failed(app) == {}


def test_money_frozen_by_a_court_is_not_in_the_balance_multiple(staff, household):
    hold = place_hold(
        account=household["borrower"].ledger_account,
        amount="12000.00",
        kind=Hold.Kind.JUDICIAL,
        reference="(2026)示0102执123号",
        actor=staff["clerk"],
    )
    app = assessed(staff, household)
    balance = next(c for c in app.assessment["limit"]["components"] if c["key"] == "balance")
    assert balance["amount"] == "570000.00"  # (30,000 − 12,000 frozen + 20,000) × 15
    assert balance["explanation"] == "公积金账户余额 38,000.00 × 15 倍"
    assert (app.limit_amount, app.limit_binding) == (D("570000.00"), "balance")
    assert failed(app) == {"within_limit": "申请金额 600,000.00 超过可贷额度 570,000.00。"}
    release_hold(hold=hold, actor=staff["clerk"])
    app = services.assess(actor=staff["officer"], application=app)
    assert (app.limit_amount, components(app)["balance"]) == (D("600000.00"), "750000.00")
