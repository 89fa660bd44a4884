import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

from core import numbering, policy, roles
from core.admin import PolicyValueForm
from core.business_date import set_business_date, today
from core.models import AuditEvent, PolicyValue

D = datetime.date


def test_defaults_of_domain_section_13_installed(db):
    assert policy.get("center.code") == "DEMO01"
    assert policy.get("deposits.base_floor") == Decimal("2330")
    assert policy.get("deposits.base_cap") == Decimal("32969")
    assert policy.get("deposits.rounding") == "fen"
    assert policy.get("interest.method") == "A" and policy.get("interest.day_basis") == 360
    assert policy.get("withdrawals.rent.monthly_cap") == Decimal("1800")
    assert policy.get("loans.cap_first_home") == Decimal("600000")
    assert policy.get("loans.balance_multiple") == Decimal("15")
    assert policy.get("overdue.grace_days") == 3
    assert policy.get("judicial.freeze_months") == 12
    assert policy.get("documents.validity_deposit_months") == 3
    # every declared parameter has a row, so administrators see them all
    assert set(PolicyValue.objects.values_list("key", flat=True)) == set(policy.load_all())


def test_rate_tables_by_date(db):
    assert policy.get("interest.rate", on=D(2016, 2, 20)) == Decimal("0.0135")
    assert policy.get("interest.rate", on=D(2016, 2, 21)) == Decimal("0.015")
    assert policy.get("loans.rate.first_gt5", on=D(2024, 5, 17)) == Decimal("0.031")
    assert policy.get("loans.rate.first_gt5", on=D(2024, 5, 18)) == Decimal("0.0285")
    assert policy.get("loans.rate.first_le5", on=D(2026, 1, 1)) == Decimal("0.021")
    assert policy.get("loans.rate.second_gt5", on=D(2026, 1, 1)) == Decimal("0.03075")


def test_new_value_applies_from_its_date_only(db):
    PolicyValue.objects.create(key="deposits.base_floor", effective_from=D(2027, 7, 1), value="2500")
    assert policy.get("deposits.base_floor", on=D(2027, 6, 30)) == Decimal("2330")
    assert policy.get("deposits.base_floor", on=D(2027, 7, 1)) == Decimal("2500")
    snap = policy.snapshot("deposits.", on=D(2027, 7, 2))
    assert snap["deposits.base_floor"] == Decimal("2500") and snap["deposits.base_cap"] == Decimal("32969")


def test_install_defaults_is_idempotent_and_keeps_admin_values(db):
    PolicyValue.objects.filter(key="overdue.grace_days").update(value="5")
    assert policy.install_defaults() == 0
    assert policy.get("overdue.grace_days") == 5


@pytest.mark.parametrize("key,value,error", [
    ("deposits.ratio_max", "1.5", "max"), ("overdue.grace_days", "three", "type"),
    ("interest.method", "C", "choice"), ("deposits.base_floor", "-1", "min"),
])
def test_admin_form_refuses_bad_values(db, key, value, error):
    with pytest.raises(ValidationError) as info:
        policy.parameter(key).parse(value)
    assert info.value.code == error
    form = PolicyValueForm(data={"key": key, "effective_from": "2027-01-01", "value": value, "note": ""})
    assert not form.is_valid() and "value" in form.errors


def test_policy_history_recorded(db):
    row = PolicyValue.objects.get(key="overdue.grace_days")
    before = row.history.count()
    row.value = "4"
    row.save()
    assert row.history.count() == before + 1
    assert row.history.first().value == "4"


def test_business_date_is_separate_from_clock(db, clerk):
    set_business_date(actor=clerk, date=D(2026, 6, 30))
    assert today() == D(2026, 6, 30)
    assert AuditEvent.objects.filter(action="business_date.set").count() == 1


def test_numbers_reserved_in_blocks_never_overlap(db):
    a = numbering.next_numbers(numbering.PERSONAL, 3)
    b = numbering.next_numbers(numbering.PERSONAL, 2)
    assert len(set(a + b)) == 5
    assert a[0] == "1010000000015"  # 1 + branch 01 + 000000001 + MOD 11-2 check character


def test_roles_created_by_migration(db):
    names = set(Group.objects.values_list("name", flat=True))
    assert set(roles.STAFF_ROLES) | {roles.DEPOSITOR, roles.EMPLOYER_AGENT, roles.BANK_CLIENT} <= names
