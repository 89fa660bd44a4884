"""The depositor's loan pages: the public calculator (the figures of loans.calculations, to the fen), the online
application (draft, submit), my applications and the detail with its timeline and the decision."""

import datetime
from decimal import Decimal

from core.models import CaseTransition
from loans import services
from loans.models import LoanApplication
from tests.conftest import make_user
from tests.loans.conftest import example_data, on, portal_user, with_documents
from tests.withdrawals.test_portal_case_page import steps

D = Decimal
S = LoanApplication.State
EXAMPLE_A = {"principal": "500000", "months": "240", "rate_percent": "2.85", "method": "equal_installment"}


def test_calculator_is_public_and_exact_to_the_fen(db, client):
    """DOMAIN.md §4.6, Example A: 500,000 at 2.85 % over 240 months."""
    assert 'href="/portal/loans/calculator/" id="loan-calculator"' in client.get("/portal/login/").content.decode()
    page = client.get("/portal/loans/calculator/", EXAMPLE_A).content.decode()
    assert '<div class="fs-5 money" id="first-payment">2,735.59</div>' in page
    assert '<div class="fs-5" id="months">240</div>' in page
    assert '<div class="fs-5 money" id="total-interest">156,542.76</div>' in page
    assert '<div class="fs-5 money" id="total-payment">656,542.76</div>' in page
    assert (
        '<tr data-installment="1"><td class="text-end">1</td><td class="text-end money">2,735.59</td>\n'
        '    <td class="text-end money">1,548.09</td><td class="text-end money">1,187.50</td>'
    ) in page
    assert (
        '<tr data-installment="240"><td class="text-end">240</td><td class="text-end money">2,736.75</td>\n'
        '    <td class="text-end money">2,730.27</td><td class="text-end money">6.48</td>'
    ) in page
    assert 'data-card-installment="240"' in page  # the card list phones see
    assert "第 20 年" in page  # the chart's last year
    page = client.get("/portal/loans/calculator/", {**EXAMPLE_A, "method": "equal_principal"}).content.decode()
    assert 'id="total-interest">143,093.98<' in page


def test_calculator_prepayment_keeping_the_payment(db, client):
    """DOMAIN.md §4.7: 100,000 prepaid after 36 installments, keeping 2,735.59: 149 installments are left."""
    page = client.get(
        "/portal/loans/calculator/",
        {**EXAMPLE_A, "prepay_after": "36", "prepay_amount": "100000", "prepay_keep": "payment"},
    ).content.decode()
    assert '<div class="fs-5" id="months">185</div>' in page
    assert (
        '<tr data-installment="37"><td class="text-end">37</td><td class="text-end money">2,735.59</td>\n'
        '    <td class="text-end money">1,923.60</td><td class="text-end money">811.99</td>' in page
    )


def test_calculator_bad_input_gets_a_chinese_message(db, client):
    for changes, message in (
        ({"principal": "-1"}, "金额必须大于零。"),
        ({"principal": "abc"}, "abc 不是有效的数字。"),
        ({"principal": "1" * 400}, "24"),
        ({"months": "481"}, "480"),
        ({"rate_percent": "abc"}, "请以百分数填写年利率，例如 2.85。"),
        ({"rate_percent": "150"}, "年利率"),
        ({"method": "balloon"}, "balloon"),
        ({"prepay_after": "36", "prepay_amount": "900000"}, "须小于剩余本金 441,888.82 元"),
    ):
        response = client.get("/portal/loans/calculator/", {**EXAMPLE_A, **changes})
        page = response.content.decode()
        assert response.status_code == 200 and message in page, changes
        assert 'id="first-payment"' not in page, changes


def test_online_application_draft_submit_and_timeline(staff, household, client):
    user = portal_user(household["borrower"].depositor, "wjg")
    client.force_login(user)
    data = {**example_data(), "ownership_share": "1", "homes_owned": "0", "children": "0"}
    before = CaseTransition.objects.count()
    response = client.post("/portal/loans/apply/", {**data, "requested_amount": "0", "submit": "1"})
    assert "金额必须大于零。" in response.content.decode()
    assert LoanApplication.objects.count() == 0 and CaseTransition.objects.count() == before
    response = client.post("/portal/loans/apply/", {**data, "save": "1"})
    app = LoanApplication.objects.get()
    assert response["Location"] == f"/portal/loans/{app.number}/" and app.state == S.DRAFT
    assert app.channel == "online" and app.requested_amount == D("600000.00")
    with_documents(app)
    client.post(f"/portal/loans/{app.number}/edit/", {**data, "requested_amount": "580000.00", "submit": "1"})
    app.refresh_from_db()
    assert app.state == S.SUBMITTED and app.requested_amount == D("580000.00")
    listing = client.get("/portal/loans/").content.decode()
    assert app.number in listing and "580,000.00" in listing
    services.accept(actor=staff["officer"], application=app)
    services.review(actor=staff["reviewer"], application=app)
    services.reject(actor=staff["approver"], application=app, reason="征信记录不良")
    page = client.get(f"/portal/loans/{app.number}/").content.decode()
    assert steps(page) == [("accept", "done", "2026-01-15"), ("review", "done", "2026-01-15"),
                           ("approve", "refused", "—"), ("pay", "pending", "—"), ("close", "pending", "—")]
    assert "不予批准：征信记录不良" in page
    assert "已驳回" in page and '<div class="small" id="decision-reason">征信记录不良</div>' in page
    assert '<dd class="col-7 col-md-9" id="limit">600,000.00</dd>' in page
    response = client.post(f"/portal/loans/{app.number}/edit/", {**data, "save": "1"})
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.requested_amount == D("580000.00") and app.state == S.REJECTED


def test_timeline_of_a_loan_to_its_disbursement(staff, household, client):
    """支付 is the disbursement sent to the bank, 办结 the bank's confirmation."""
    from tests.loans.test_money import example_a

    finance = make_user("l_finance", "finance")
    contract = example_a(staff, household)
    app = contract.application
    client.force_login(portal_user(app.borrower, "wjg"))
    page = client.get(f"/portal/loans/{app.number}/").content.decode()
    assert [s[:2] for s in steps(page)] == [("accept", "done"), ("review", "done"), ("approve", "done"),
                                            ("pay", "current"), ("close", "pending")]
    assert "已审批，正在签订合同并准备放款。" in page
    services.register_escrow_account(actor=finance, kind="presale", number="6222000011112222", name="示范监管户",
                                     bank="示范银行")
    on(datetime.date(2026, 2, 10))
    contract = services.disburse(actor=finance, contract=contract, payee_kind="presale_escrow",
                                 payee_account="6222000011112222")
    page = client.get(f"/portal/loans/{app.number}/").content.decode()
    assert steps(page)[3:] == [("pay", "done", "2026-02-10"), ("close", "current", "—")]
    assert "贷款已发送银行，等待银行确认放款。" in page
    on(datetime.date(2026, 2, 11))
    services.confirm_disbursement(actor=finance, contract=contract, bank_reference="B0001",
                                  value_date=datetime.date(2026, 2, 11))
    page = client.get(f"/portal/loans/{app.number}/").content.decode()
    assert steps(page)[3:] == [("pay", "done", "2026-02-10"), ("close", "done", "2026-02-11")]
    assert 'id="case-outcome"' in page and f'href="/portal/loans/contracts/{contract.number}/"' in page


def test_a_return_shows_on_the_timeline_and_its_message_links_to_the_case(staff, household, client):
    user = portal_user(household["borrower"].depositor, "wjg")
    app = services.create_draft(actor=staff["officer"], account=household["borrower"], data=example_data())
    app = services.accept(actor=staff["officer"], application=with_documents(app))
    on(datetime.date(2026, 1, 16))
    services.return_for_documents(actor=staff["reviewer"], application=app, reason="请补交收入证明原件")
    client.force_login(user)
    page = client.get(f"/portal/loans/{app.number}/").content.decode()
    assert steps(page)[:3] == [("accept", "done", "2026-01-15"), ("review", "returned", "—"),
                               ("approve", "pending", "—")]
    assert "退回补正材料：请补交收入证明原件" in page
    assert '<div class="small" id="decision-reason">请补交收入证明原件</div>' in page
    inbox = client.get("/portal/messages/").content.decode()
    assert inbox.count(f'href="/portal/loans/{app.number}/"') == 1 and "请补交收入证明原件" in inbox
    # the spouse has her own inbox: the message is not there
    client.force_login(portal_user(household["spouse"].depositor, "lh"))
    assert "请补交收入证明原件" not in client.get("/portal/messages/").content.decode()


def test_another_depositors_application_is_404(staff, household, client):
    app = services.create_draft(actor=staff["officer"], account=household["borrower"], data=example_data())
    other = portal_user(household["spouse"].depositor, "lh")  # the spouse sees it, but it is not hers to change
    client.force_login(other)
    assert client.get(f"/portal/loans/{app.number}/").status_code == 404
    assert client.post(f"/portal/loans/{app.number}/submit/").status_code == 404
    app.refresh_from_db()
    assert app.state == S.DRAFT


NASTY = ["", " ", "-0", "0.000", "-1", "1e400", "NaN", "Infinity", "9" * 5000, "１２３", "1,000", "<script>", "\x00"]
BAD_AMOUNTS = [v for v in NASTY if v != "１２３"]  # full-width digits read as 123: a valid amount
AMOUNTS = ("requested_amount", "property_price", "term_months", "property_area")  # each must be > 0


def test_no_input_makes_a_500_and_bad_amounts_write_nothing(staff, household, client):
    """Every field of the calculator, the online application and the counter form, with hostile values: never a
    500; a bad amount or term is refused (the form again, 200) with nothing written."""
    from tests.loans.test_pages import form_data

    for name in ("principal", "months", "rate_percent", "method", "prepay_after", "prepay_amount", "prepay_keep"):
        for value in NASTY:
            response = client.get("/portal/loans/calculator/", {**EXAMPLE_A, name: value})
            assert response.status_code == 200, (name, value)
    user = portal_user(household["borrower"].depositor, "wjg")
    client.force_login(user)
    data = {**example_data(), "ownership_share": "1", "homes_owned": "0", "children": "0"}
    for name in AMOUNTS:
        for value in BAD_AMOUNTS:
            response = client.post("/portal/loans/apply/", {**data, name: value, "submit": "1"})
            assert response.status_code == 200, (name, value)
    assert LoanApplication.objects.count() == 0 and CaseTransition.objects.count() == 0
    for name in data:
        for value in NASTY:
            response = client.post("/portal/loans/apply/", {**data, name: value, "save": "1"})
            assert response.status_code in (200, 302), (name, value)
    client.force_login(staff["officer"])
    counter = form_data(household)
    for name in AMOUNTS:
        for value in BAD_AMOUNTS:
            response = client.post("/counter/loans/new/", {**counter, name: value, "accept": "1"})
            assert response.status_code == 200, (name, value)
    assert not LoanApplication.objects.filter(channel="counter").exists()
    for name in [*counter, "co_borrowers", "spouse_name", "spouse_id_number", "spouse_balance"]:
        for value in NASTY:
            response = client.post("/counter/loans/new/", {**counter, name: value, "save": "1"})
            assert response.status_code in (200, 302), (name, value)
