"""认房认贷 from the real-estate registry and the checks of the spouse and co-borrowers (DOMAIN.md §4.2, §4.4):
homes counted for the borrower and the spouse without the home being bought, the loan on a home owned, and one
rule per check of each party, each refusal naming the person."""

import datetime
from decimal import Decimal

import pytest
from django.test import override_settings

from accounts import services as account_services
from accounts.models import FundAccount
from core.errors import InvalidInput
from core.models import CaseTransition
from loans import services
from loans.models import LoanApplication, LoanContract, LoanParty
from tests import factories
from tests.loans.conftest import example_data, paid_months, portal_user
from withdrawals.models import PropertyRecord

D = Decimal
day = datetime.date


def record(owner, certificate, address, *, loan="0", cancelled_on=None, name="王建国"):
    return PropertyRecord.objects.create(
        certificate_number=certificate,
        owner_id_number=owner,
        owner_name=name,
        address=address,
        area=D("90.00"),
        registration_date=day(2018, 5, 1),
        price=D("800000.00"),
        loan_amount=D(loan),
        cancelled_on=cancelled_on,
    )


def assessed(staff, household, parties=(), **changes):
    app = services.create_draft(
        actor=staff["officer"], account=household["borrower"], data=example_data(**changes), parties=parties
    )
    return services.assess(actor=staff["officer"], application=app, credit_ok=True)


def failed(app):
    return {c["code"]: c["message"] for c in app.assessment["checks"] if not c["passed"]}


def contract_for(app, **kw):
    values = dict(
        number=f"HT{app.pk:08d}",
        application=app,
        borrower=app.borrower,
        principal=D("300000.00"),
        annual_rate=D("0.031"),
        term_months=120,
        method="equal_installment",
        signed_on=day(2020, 1, 20),
        first_due_date=day(2020, 2, 20),
    )
    values.update(kw)
    return LoanContract.objects.create(**values)


# --- homes owned, from the registry -------------------------------------------------------------------------------


def test_homes_are_counted_for_borrower_and_spouse_without_the_home_bought(staff, household):
    husband = household["borrower"].depositor.id_number
    wife = household["spouse"].depositor.id_number
    record(husband, "示范不动产权第0001号", "示范市东湖路1号101室")
    record(wife, "示范不动产权第0002号", "示范市西湖路2号202室", name="李红")
    record(husband, "示范不动产权第0003号", "示范市南湖路3号", cancelled_on=day(2025, 12, 1))  # sold: not counted
    record(husband, "YS2026-000123", "示范市人民路8号3单元502室")  # the presale contract of the home bought
    record(wife, "示范不动产权第0005号", "示范市 人民路8号 3单元501室", name="李红")  # the home bought, by address
    record(factories.make_id(5), "示范不动产权第0006号", "示范市北湖路6号", name="路人甲")  # someone else's
    app = assessed(staff, household, purchase_certificate_number=" ys2026-000123 ", requested_amount="400000.00")
    assert app.purchase_certificate_number == "ys2026-000123"
    assert app.homes_owned == 2 and app.second_home
    counted = [h["certificate_number"] for h in app.assessment["homes"]]
    assert counted == ["示范不动产权第0001号", "示范不动产权第0002号"]
    assert failed(app) == {"homes": "家庭在本市已有 2 套住房，购买第三套及以上住房不予发放公积金贷款。"}


def test_a_home_cancelled_after_the_application_date_still_counts(staff, household):
    husband = household["borrower"].depositor.id_number
    record(husband, "示范不动产权第0011号", "示范市东湖路1号", cancelled_on=day(2026, 3, 1))
    app = assessed(staff, household)
    assert app.homes_owned == 1


def test_a_second_home_with_a_loan_still_registered_is_refused(staff, household):
    wife = household["spouse"].depositor.id_number
    record(wife, "示范不动产权第0021号", "示范市东湖路1号", loan="400000", name="李红")
    app = assessed(staff, household, requested_amount="400000.00")
    assert (app.homes_owned, app.owned_home_loan_unpaid) == (1, True)
    assert app.assessment["homes"] == [
        {
            "certificate_number": "示范不动产权第0021号",
            "owner_name": "李红",
            "address": "示范市东湖路1号",
            "registration_date": "2018-05-01",
            "loan_amount": "400000.00",
            "loan_unpaid": True,
        }
    ]
    assert failed(app) == {"homes": "家庭已有一套住房且其贷款尚未结清；购买第二套住房须先结清首套住房贷款。"}


def test_a_second_home_whose_first_loan_is_paid_off_passes_with_second_home_terms(staff, household):
    record(household["borrower"].depositor.id_number, "示范不动产权第0031号", "示范市东湖路1号")
    app = assessed(staff, household, requested_amount="400000.00", term_months=240)
    assert (app.homes_owned, app.owned_home_loan_unpaid) == (1, False)
    assert failed(app) == {}
    assert app.assessment["eligible"] is True
    # second home: the 400,000 cap, 70 % loan-to-value and the second-home rate (> 5 years: 3.075 %)
    components = {c["key"]: c["amount"] for c in app.assessment["limit"]["components"]}
    assert components["cap"] == "400000.00" and components["ltv"] == "700000.00"
    assert app.annual_rate == D("0.03075") and app.limit_amount == D("400000.00")


def test_the_centers_own_paid_off_loan_on_the_registered_home_clears_the_registry_loan(staff, household):
    record(household["borrower"].depositor.id_number, "示范不动产权第0041号", "示范市东湖路1号", loan="300000")
    earlier = services.create_draft(
        actor=staff["officer"], account=household["borrower"], data=example_data(term_months=120)
    )
    contract_for(earlier, status=LoanContract.Status.PAID_OFF, collateral_title_number="示范不动产权第0041号")
    app = assessed(staff, household, requested_amount="400000.00", term_months=240)
    assert (app.homes_owned, app.owned_home_loan_unpaid) == (1, False)
    assert "homes" not in failed(app)
    # the same home with the family's fund loan still running is refused (and the outstanding loan too)
    LoanContract.objects.filter(application=earlier).update(status=LoanContract.Status.NORMAL)
    app = services.assess(actor=staff["officer"], application=app)
    assert app.owned_home_loan_unpaid is True
    assert set(failed(app)) == {"homes", "no_outstanding_loan"}


def fake_registry(*, id_numbers, on, exclude_certificate="", exclude_address=""):
    """A registry source for the seam test: one home for anyone, as of any day."""
    return [
        {
            "certificate_number": "外部第1号",
            "owner_id_number": id_numbers[0],
            "owner_name": "外部",
            "address": f"{on:%Y} 号",
            "area": D("50"),
            "registration_date": None,
            "loan_amount": D("0"),
        }
    ]


def test_loans_read_the_registry_through_the_setting(staff, household):
    with override_settings(LOAN_PROPERTY_SOURCE="tests.loans.test_eligibility_registry.fake_registry"):
        app = assessed(staff, household)
    assert app.homes_owned == 1 and app.assessment["homes"][0]["address"] == "2026 号"
    with override_settings(LOAN_PROPERTY_SOURCE=""):
        app = services.assess(actor=staff["officer"], application=app)
    assert app.homes_owned == 0


def test_the_case_page_lists_the_records_counted(staff, household, client):
    record(household["borrower"].depositor.id_number, "示范不动产权第0051号", "示范市东湖路1号")
    app = assessed(staff, household, purchase_certificate_number="YS2026-9")
    client.force_login(staff["reviewer"])
    page = client.get(f"/counter/loans/{app.number}/").content.decode()
    assert '<li data-certificate="示范不动产权第0051号">示范不动产权第0051号 · 王建国 · 示范市东湖路1号' in page
    assert '<dd class="col-sm-8 font-monospace" id="purchase-certificate">YS2026-9</dd>' in page
    assert "依据不动产登记信息" in page


def test_homes_owned_is_no_longer_typed(staff, household, client):
    """A typed figure is ignored: the registry decides."""
    app = assessed(staff, household, homes_owned=3, owned_home_loan_unpaid=True)
    assert (app.homes_owned, app.owned_home_loan_unpaid) == (0, False)
    client.force_login(staff["officer"])
    page = client.get("/counter/loans/new/").content.decode()
    assert 'name="homes_owned"' not in page and 'name="purchase_certificate_number"' in page


# --- the spouse and the co-borrowers -----------------------------------------------------------------------------


@pytest.fixture
def co_borrower(staff):
    """A depositor of this center (a man born 1990-03-07) with deposits paid July–December 2025."""
    clerk = staff["clerk"]
    account = account_services.open_account(
        actor=clerk,
        employer=factories.employer(clerk, name="示范物流有限公司"),
        base="8000",
        depositor=factories.person(clerk, name="赵六", id_number=factories.make_id(31, birth="19900307")),
    )
    paid_months(account, [day(2025, m, 1) for m in range(7, 13)], amount="1000")
    account.refresh_from_db()
    return account


def test_a_co_borrower_of_this_center_passes_every_check(staff, household, co_borrower):
    app = assessed(staff, household, parties=[{"role": "co_borrower", "depositor": co_borrower.depositor}])
    assert failed(app) == {}
    balance = next(c for c in app.assessment["limit"]["components"] if c["key"] == "balance")
    assert balance["amount"] == "840000.00"  # (30,000 + 20,000 + 6,000) × 15


def test_a_co_borrowers_sealed_account_is_refused_by_name(staff, household, co_borrower):
    FundAccount.objects.filter(pk=co_borrower.pk).update(status=FundAccount.Status.SEALED)
    app = assessed(staff, household, parties=[{"role": "co_borrower", "depositor": co_borrower.depositor}])
    assert failed(app) == {"parties_account_normal": "共同借款人赵六的公积金账户须为正常状态，目前为封存。"}


def test_a_co_borrower_without_an_open_account_is_refused(staff, household, co_borrower):
    FundAccount.objects.filter(pk=co_borrower.pk).update(status=FundAccount.Status.CLOSED_WITHDRAWN)
    app = assessed(staff, household, parties=[{"role": "co_borrower", "depositor": co_borrower.depositor}])
    assert failed(app) == {"parties_account_normal": "共同借款人赵六在本中心没有正常使用的公积金账户。"}


def test_a_spouse_without_continuous_deposits_is_refused_by_name(staff, household):
    """The spouse's continuity is hers: only the last three months paid in a row."""
    household["spouse"].remittance_lines.filter(month__lt=day(2025, 10, 1)).update(posted=False)
    app = assessed(staff, household)
    assert failed(app) == {"parties_continuous_deposits": "配偶李红须连续缴存至少 6 个月，目前为 3 个月。"}


def test_a_co_borrower_with_an_outstanding_loan_is_refused(staff, household, co_borrower):
    theirs = services.create_draft(actor=staff["officer"], account=co_borrower, data=example_data(term_months=120))
    contract_for(theirs, borrower=co_borrower.depositor, status=LoanContract.Status.NORMAL)
    app = assessed(staff, household, parties=[{"role": "co_borrower", "depositor": co_borrower.depositor}])
    assert failed(app) == {"parties_no_outstanding_loan": "共同借款人赵六尚有未结清的住房公积金贷款。"}
    LoanContract.objects.filter(application=theirs).update(status=LoanContract.Status.PAID_OFF)
    assert failed(services.assess(actor=staff["officer"], application=app)) == {}


def test_a_co_borrower_of_another_center_needs_the_certified_balance(staff, household):
    outsider = {"role": "co_borrower", "name": "孙七", "id_number": factories.make_id(33, birth="19880808")}
    app = assessed(staff, household, parties=[outsider])
    assert failed(app) == {
        "parties_certified_balance": "共同借款人孙七不在本中心缴存：请提供其缴存地公积金中心出具的余额证明。"
    }
    app = services.update_draft(
        actor=staff["officer"],
        application=app,
        data=example_data(),
        parties=[{**outsider, "other_center_balance": "12000.00"}],
    )
    app = services.assess(actor=staff["officer"], application=app)
    assert failed(app) == {}
    balance = next(c for c in app.assessment["limit"]["components"] if c["key"] == "balance")
    assert balance["amount"] == "930000.00"  # (30,000 + 20,000 + 12,000) × 15


def test_a_co_borrowers_age_limits_the_term_by_their_own_retirement(staff, household):
    """A man born 1966-03-10 retires at 60 years 4 months on 2026-07-10; + 5 years: 2031-07-10, 65 months after
    2026-01-15."""
    older = {
        "role": "co_borrower",
        "name": "周八",
        "id_number": factories.make_id(35, birth="19660310"),
        "other_center_balance": "0",
    }
    app = assessed(staff, household, parties=[older])
    assert failed(app) == {
        "parties_age": "因共同借款人周八的年龄，贷款期限最长 65 个月：贷款须在 2031-07-10 前结清，即其法定退休日 "
        "2026-07-10 后 5 年。"
    }
    assert app.max_term_months == 65  # the longest term shown is the shortest of every person's
    services.update_draft(actor=staff["officer"], application=app, data=example_data(term_months=65), parties=[older])
    app = services.assess(actor=staff["officer"], application=app)
    assert "parties_age" not in failed(app)


def test_a_woman_co_borrower_is_a_worker_unless_recorded_a_cadre(staff, household):
    """Born 1975-06-01: as a worker she retired at 50 years 3 months on 2025-09-01 (55 months left to 2030-09-01);
    as a cadre she retires at 56 years 5 months on 2031-11-01 (129 months to 2036-11-01)."""
    woman = {
        "role": "co_borrower",
        "name": "吴九",
        "id_number": factories.make_id(36, birth="19750601"),  # an even sequence digit: a woman
        "other_center_balance": "10000",
    }
    app = assessed(staff, household, parties=[woman], term_months=120)
    assert failed(app) == {
        "parties_age": "因共同借款人吴九的年龄，贷款期限最长 55 个月：贷款须在 2030-09-01 前结清，即其法定退休日 "
        "2025-09-01 后 5 年。"
    }
    app = services.update_draft(
        actor=staff["officer"],
        application=app,
        data=example_data(term_months=120),
        parties=[{**woman, "female_category": "cadre"}],
    )
    app = services.assess(actor=staff["officer"], application=app)
    assert failed(app) == {} and app.max_term_months == 129
    assert app.parties.get(role="co_borrower").female_category == "cadre"


def test_the_linked_spouses_category_from_the_counter_form(staff, household, client):
    client.force_login(staff["officer"])
    data = {
        **example_data(),
        "account": household["borrower"].number,
        "ownership_share": "1",
        "children": "0",
        "female_category": "",
        "spouse_female_category": "cadre",
    }
    response = client.post("/counter/loans/new/", data)
    assert response.status_code == 302
    spouse = LoanParty.objects.get(role="spouse")
    assert (spouse.depositor_id, spouse.female_category) == (household["spouse"].depositor_id, "cadre")


def test_a_bad_party_category_is_refused_and_writes_nothing(staff, household):
    before = (LoanApplication.objects.count(), LoanParty.objects.count(), CaseTransition.objects.count())
    with pytest.raises(InvalidInput) as exc:
        services.create_draft(
            actor=staff["officer"],
            account=household["borrower"],
            data=example_data(),
            parties=[
                {
                    "role": "co_borrower",
                    "name": "吴九",
                    "id_number": factories.make_id(36, birth="19750601"),
                    "female_category": "boss",
                }
            ],
        )
    assert exc.value.fields == {"parties": ["请选择退休类别（干部或工人）。"]}
    assert (LoanApplication.objects.count(), LoanParty.objects.count(), CaseTransition.objects.count()) == before


def test_the_portal_form_no_longer_asks_for_homes(staff, household, client):
    client.force_login(portal_user(household["borrower"].depositor, "wjg"))
    page = client.get("/portal/loans/apply/").content.decode()
    assert 'name="homes_owned"' not in page and 'name="owned_home_loan_unpaid"' not in page
    assert 'name="purchase_certificate_number"' in page and 'name="commercial_remaining_months"' in page
