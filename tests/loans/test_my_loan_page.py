"""The depositor's "my loan" page (/portal/loans/contracts/<number>/): the contract, the principal outstanding to
the fen after a repayment, what is due next and what is overdue, the schedule with each installment's status and
paid parts, the repayments; only the borrower, the spouse and co-borrowers see it."""

import datetime
from decimal import Decimal

from accounts import services as account_services
from loans import services
from tests import factories
from tests.loans.conftest import on, portal_user
from tests.loans.test_money import disbursed, receipt

D = Decimal
day = datetime.date


def test_my_loan_shows_outstanding_principal_paid_and_overdue_installments(staff, household, finance, client):
    contract = disbursed(staff, household, finance)  # 10 February: first due 10 March, second 10 April
    on(day(2026, 4, 9))
    services.repay(actor=finance, contract=contract, line=receipt("3000.00", "R1"))
    borrower = portal_user(household["borrower"].depositor, "wjg")
    client.force_login(borrower)
    url = f"/portal/loans/contracts/{contract.number}/"

    page = client.get(url).content.decode()
    assert '<div class="fs-3 money text-start" id="outstanding">498,451.91</div>' in page  # 500,000 − 1,548.09
    assert '<dd class="col-7 col-md-9 money text-start" id="principal">500,000.00</dd>' in page
    assert '<dd class="col-7 col-md-9" id="rate">2.85%</dd>' in page
    assert '<dd class="col-7 col-md-9" id="term">240 个月</dd>' in page
    assert '<div class="fs-3" id="next-due">2026-04-10</div>' in page
    assert '<div class="fs-3 money text-start" id="next-amount">2,479.95</div>' in page  # 2,735.59 − 255.64
    assert 'id="overdue"' not in page
    assert '<tr data-installment="1" data-state="paid">' in page
    assert (
        '<td class="text-end money">1,548.09</td><td class="text-end money">1,187.50</td>\n'
        '    <td><span class="badge text-bg-success">已还清</span></td></tr>'
    ) in page
    assert '<tr data-installment="2" data-state="due">' in page
    assert '<td class="text-end money">0.00</td><td class="text-end money">255.64</td>' in page
    assert '<tr data-installment="3" data-state="upcoming">' in page
    assert 'data-card-installment="240" data-state="upcoming"' in page  # the card list phones see
    assert '<td class="text-end money">3,000.00</td>\n    <td class="text-end money">1,548.09</td>' in page
    assert '<td class="text-end money">1,443.14</td><td class="text-end money">8.77</td>' in page

    # ten days after the second due date (three days' grace): installment 2 is overdue, with penalty interest
    on(day(2026, 4, 20))
    overdue = services.amount_due(contract=contract)["overdue"]
    assert overdue > D("2479.95")
    page = client.get(url).content.decode()
    assert '<tr data-installment="2" data-state="overdue" class="table-danger">' in page
    assert f"1 期已逾期，含罚息共 {overdue:,} 元。" in page
    assert '<div class="fs-3" id="next-due">2026-05-10</div>' in page

    # the home page and the application link to it
    assert f'href="{url}"' in client.get("/portal/").content.decode()
    assert f'href="{url}"' in client.get(f"/portal/loans/{contract.application.number}/").content.decode()


def test_my_loan_is_for_the_borrowers_only(staff, household, finance, client):
    contract = disbursed(staff, household, finance)
    url = f"/portal/loans/contracts/{contract.number}/"
    client.force_login(portal_user(household["spouse"].depositor, "lh"))  # the spouse signs with the borrower
    assert client.get(url).status_code == 200
    stranger = account_services.open_account(
        actor=staff["clerk"],
        employer=factories.employer(staff["clerk"], name="别家公司"),
        base="8000",
        depositor=factories.person(staff["clerk"], name="赵六"),
    )
    client.force_login(portal_user(stranger.depositor, "zl"))
    assert client.get(url).status_code == 404
    assert client.get("/portal/loans/contracts/" + "9" * 5000 + "/").status_code == 404
    assert f'href="{url}"' not in client.get("/portal/").content.decode()
