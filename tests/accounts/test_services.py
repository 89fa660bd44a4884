from decimal import Decimal

import pytest
from django.utils import translation

from accounts import services
from accounts.calculations import clamp_base
from accounts.contributions import monthly_parts
from accounts.models import AccountEvent, Depositor, Employer, FundAccount
from core.actors import system_actor
from core.errors import Conflict, Forbidden, InvalidInput, StateError
from core.identity import is_valid_account_number
from core.models import AuditEvent
from ledger.models import Account
from ledger.posting import credit, debit, post
from tests import factories
from tests.conftest import make_user


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


def test_register_employer_creates_suspense_account_and_number(clerk):
    emp = factories.employer(clerk)
    assert emp.status == Employer.Status.NORMAL
    assert is_valid_account_number(emp.account_number) and emp.account_number.startswith("801")
    assert emp.suspense_account.code == f"201-S-{emp.account_number}"
    assert emp.suspense_account.parent.code == "201"
    assert (emp.employer_ratio, emp.employee_ratio) == (Decimal("0.12"), Decimal("0.12"))  # new-employer default
    assert AuditEvent.objects.filter(action="employer.register", object_id=str(emp.pk)).exists()


def test_register_employer_refuses_bad_uscc_and_duplicates(clerk):
    with pytest.raises(InvalidInput) as info:
        factories.employer(clerk, uscc="91350100M000100Y44")
    assert info.value.fields == {"uscc": ["统一社会信用代码校验位错误，应为 3。"]}
    emp = factories.employer(clerk, uscc="91350100M000100Y43")
    with pytest.raises(Conflict) as info:
        factories.employer(clerk, uscc="91350100m000100y43", name="另一家")
    assert emp.name in info.value.message
    assert Employer.objects.count() == 1
    assert Account.objects.filter(role="suspense").count() == 2  # general + the one employer


@pytest.mark.parametrize("field,value", [("employer_ratio", "0.04"), ("employee_ratio", "0.13"),
                                         ("employer_ratio", "0.075")])
def test_register_employer_refuses_ratio_outside_policy(clerk, field, value):
    with pytest.raises(InvalidInput) as info:
        factories.employer(clerk, **{field: Decimal(value)})
    assert field in info.value.fields
    assert Employer.objects.count() == 0


def test_only_write_roles_may_register(auditor):
    with pytest.raises(Forbidden):
        factories.employer(auditor)


def test_open_account_derives_person_facts_and_number(clerk):
    acc = factories.account(clerk, base="9380.50")
    d = acc.depositor
    assert d.gender == ("M" if int(d.id_number[16]) % 2 else "F") and d.birth_date.isoformat() == "1990-03-07"
    assert is_valid_account_number(acc.number) and acc.number.startswith("101")
    assert acc.ledger_account.code == f"201-P-{acc.number}" and acc.ledger_account.parent.code == "201"
    assert acc.status == FundAccount.Status.NORMAL
    assert list(acc.events.values_list("business_type", "to_status")) == [("03", "01")]
    assert monthly_parts(acc.base, acc.employee_ratio, acc.employer_ratio) == (Decimal("1125.66"),
                                                                              Decimal("1125.66"))


def test_numbers_are_never_reused(clerk):
    a = factories.account(clerk, name="甲")
    services.seal_account(actor=clerk, account=a, reason="离职")
    b = factories.account(clerk, name="乙")
    assert a.number != b.number
    assert int(b.number[3:-1]) == int(a.number[3:-1]) + 1


def test_one_person_one_account(clerk):
    emp1, emp2 = factories.employer(clerk), factories.employer(clerk, name="第二公司")
    person = factories.person(clerk, name="李四")
    first = services.open_account(actor=clerk, employer=emp1, depositor=person, base="8000")
    with pytest.raises(Conflict) as info:
        services.open_account(actor=clerk, employer=emp2, depositor=person, base="8000")
    assert first.number in info.value.message and "只能有一个" in info.value.message
    services.seal_account(actor=clerk, account=first, reason="离职")
    with pytest.raises(Conflict) as info:
        services.open_account(actor=clerk, employer=emp2, depositor=person, base="8000")
    assert first.number in info.value.message and "启封" in info.value.message
    assert FundAccount.objects.count() == 1


def test_duplicate_id_number_refused(clerk):
    person = factories.person(clerk)
    with pytest.raises(Conflict):
        services.register_depositor(actor=clerk, name="重复", id_number=person.id_number.lower())
    assert Depositor.objects.count() == 1


@pytest.mark.parametrize("base", ["2329.99", "32969.01", "0"])
def test_base_outside_floor_and_cap_refused(clerk, base):
    emp = factories.employer(clerk)
    person = factories.person(clerk)
    with pytest.raises(InvalidInput) as info:
        services.open_account(actor=clerk, employer=emp, depositor=person, base=base)
    assert "2,330.00" in info.value.message and "32,969.00" in info.value.message
    assert FundAccount.objects.count() == 0


def test_base_on_floor_and_cap_accepted(clerk):
    emp = factories.employer(clerk)
    assert services.open_account(actor=clerk, employer=emp, depositor=factories.person(clerk, name="甲"),
                                 base="2330").base == Decimal("2330.00")
    assert services.open_account(actor=clerk, employer=emp, depositor=factories.person(clerk, name="乙"),
                                 base="32969").base == Decimal("32969.00")


def test_seal_unseal_into_new_employer_keeps_balance(clerk):
    emp1 = factories.employer(clerk)
    acc = factories.account(clerk, emp1)
    factories.deposit(acc, "5000.00")
    services.seal_account(actor=clerk, account=acc, reason="解除劳动合同")
    acc.refresh_from_db()
    assert acc.status == FundAccount.Status.SEALED and acc.seal_reason == "解除劳动合同"
    with pytest.raises(StateError):
        services.seal_account(actor=clerk, account=acc, reason="again")
    emp2 = factories.employer(clerk, name="新单位")
    services.unseal_account(actor=clerk, account=acc, employer=emp2, base="12000")
    acc.refresh_from_db()
    assert (acc.status, acc.employer_id, acc.base) == ("01", emp2.pk, Decimal("12000.00"))
    assert acc.ledger_account.balance == Decimal("5000.00")
    assert list(acc.events.values_list("business_type", flat=True)) == ["03", "05", "06"]
    with pytest.raises(StateError):
        services.unseal_account(actor=clerk, account=acc, employer=emp2)


def test_unseal_into_same_employer_is_unseal(clerk):
    emp = factories.employer(clerk)
    acc = factories.account(clerk, emp)
    services.seal_account(actor=clerk, account=acc, reason="停薪留职")
    services.unseal_account(actor=clerk, account=acc, employer=emp)
    assert list(acc.events.values_list("business_type", flat=True)) == ["03", "05", "04"]


def test_unseal_into_closed_employer_refused(clerk):
    emp = factories.employer(clerk)
    acc = factories.account(clerk, emp)
    services.seal_account(actor=clerk, account=acc, reason="单位注销")
    services.close_employer(actor=clerk, employer=emp, reason="注销")
    with pytest.raises(StateError):
        services.unseal_account(actor=clerk, account=acc, employer=emp)


def test_transfer_normal_account(clerk):
    acc = factories.account(clerk)
    emp2 = factories.employer(clerk, name="新单位")
    services.transfer_account(actor=clerk, account=acc, employer=emp2)
    acc.refresh_from_db()
    assert acc.employer_id == emp2.pk
    assert acc.events.last().business_type == AccountEvent.BusinessType.INTERNAL_TRANSFER


def test_employer_closure_refused_with_active_employees(clerk):
    emp = factories.employer(clerk)
    acc = factories.account(clerk, emp)
    with pytest.raises(StateError) as info:
        services.close_employer(actor=clerk, employer=emp, reason="注销")
    assert info.value.code == "has_active_employees"
    services.seal_account(actor=clerk, account=acc, reason="单位注销")
    services.close_employer(actor=clerk, employer=emp, reason="注销")
    emp.refresh_from_db()
    assert emp.status == Employer.Status.CLOSED
    assert emp.suspense_account.status == "closed"


def test_employer_closure_refused_with_suspense_money(clerk):
    emp = factories.employer(clerk)
    bank = factories.bank_account()
    entry = post(actor=system_actor(),
                 lines=[debit(bank.ledger_account, "800.00"), credit(emp.suspense_account, "800.00")],
                 memo="unallocated")
    factories.bank_received(bank, entry)
    with pytest.raises(StateError) as info:
        services.close_employer(actor=clerk, employer=emp, reason="注销")
    assert info.value.code == "has_suspense" and "800" in info.value.message
    emp.refresh_from_db()
    assert emp.status == Employer.Status.NORMAL


def test_merge_moves_balance_and_closes_duplicate(clerk):
    emp = factories.employer(clerk)
    person = factories.person(clerk, name="王五", id_number="11010519491231002X")
    main = services.open_account(actor=clerk, employer=emp, depositor=person, base="8000")
    # A legacy duplicate found in migrated data: the same person under the old 15-digit ID number.
    legacy = Depositor.objects.create(name="王五", id_type="99", id_number="110105491231002", gender="F",
                                      birth_date=person.birth_date)
    dup = FundAccount.objects.create(number="101000099990", depositor=legacy, employer=emp, base="8000",
                                     employee_ratio="0.12", employer_ratio="0.12", opened_on=main.opened_on,
                                     status=FundAccount.Status.SEALED,
                                     ledger_account=services.open_ledger_account("101000099990", "王五",
                                                                                  main.opened_on))
    factories.deposit(dup, "321.09")
    factories.deposit(main, "1000.00")
    services.merge_accounts(actor=clerk, source=dup, target=main, reason="重复开户")
    dup.refresh_from_db()
    assert dup.status == FundAccount.Status.CLOSED_MERGED and dup.merged_into_id == main.pk
    assert Account.objects.get(pk=dup.ledger_account_id).balance == 0
    assert Account.objects.get(pk=dup.ledger_account_id).status == "closed"
    assert Account.objects.get(pk=main.ledger_account_id).balance == Decimal("1321.09")


def test_merge_refused_for_different_people(clerk):
    a = factories.account(clerk, name="甲")
    b = factories.account(clerk, name="乙")
    with pytest.raises(InvalidInput):
        services.merge_accounts(actor=clerk, source=a, target=b, reason="x")


def test_close_requires_zero_balance(clerk):
    acc = factories.account(clerk)
    factories.deposit(acc, "10.00")
    with pytest.raises(StateError):
        services.close_account(actor=clerk, account=acc, status="05", reason="退休")
    acc.refresh_from_db()
    assert acc.status == "01"


def test_close_empty_account(clerk):
    acc = factories.account(clerk)
    services.close_account(actor=clerk, account=acc, status="05", reason="退休提取")
    acc.refresh_from_db()
    assert acc.status == "05" and acc.closed_on is not None


def test_spouses_linked_both_ways(clerk):
    a = factories.person(clerk, name="丈夫")
    b = factories.person(clerk, name="妻子", spouse=a)
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.spouse_id == b.pk and b.spouse_id == a.pk
    assert a.marital_status == b.marital_status == "20"
    c = factories.person(clerk, name="第三人")
    with pytest.raises(Conflict):
        services.link_spouses(actor=clerk, a=c, b=a)


def test_shanghai_rounding_example(db):  # the parts are rounded by the database function
    # DOMAIN.md §1.3 with rounding to the yuan
    assert clamp_base("2000.00", 2740, 37731) == Decimal("2740.00")
    assert monthly_parts(Decimal("2740"), Decimal("0.07"), Decimal("0.07"), "yuan") == (Decimal("192.00"),
                                                                                      Decimal("192.00"))
    assert monthly_parts(Decimal("9380.50"), Decimal("0.07"), Decimal("0.07"), "yuan") == (Decimal("657.00"),
                                                                                         Decimal("657.00"))
    assert monthly_parts(clamp_base("45000", 2740, 37731), Decimal("0.07"), Decimal("0.07"), "yuan") == (
        Decimal("2641.00"), Decimal("2641.00"))
    assert monthly_parts(Decimal("36072.25"), Decimal("0.12"), Decimal("0.12")) == (Decimal("4328.67"),
                                                                                  Decimal("4328.67"))


def test_depositor_cannot_use_counter_services(db):
    user = make_user("dep", "depositor")
    with pytest.raises(Forbidden):
        factories.employer(user)
