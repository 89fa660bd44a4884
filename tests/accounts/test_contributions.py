"""Contribution rounding has one implementation, the database function of accounts/sql/contributions.sql: the
installed definition equals the file, DOMAIN.md §1.3's examples hold, and the remittance INSERT … SELECT and the
Python callers both follow the function (replacing it changes both)."""

import datetime
from decimal import Decimal

from django.db import connection

from accounts import contributions
from core import sqlfiles
from core.actors import system_actor
from core.business_date import set_business_date
from deposits.services import remittance
from tests import factories
from tests.ledger.test_sql_files import installed

D = Decimal


def test_the_installed_function_equals_the_file(db):
    definitions = sqlfiles.definitions("accounts")
    assert set(definitions) == {("function", "fund_contribution_part")}
    for (kind, name), definition in definitions.items():
        assert installed(kind, name) == [definition], f"{kind} {name} differs from accounts/sql"


def test_domain_examples(db):
    # DOMAIN.md §1.3: each part rounded separately, to the fen or (Shanghai) to the yuan
    assert contributions.monthly_parts(D("9380.50"), D("0.07"), D("0.07")) == (D("656.64"), D("656.64"))
    assert contributions.monthly_parts(D("9380.50"), D("0.07"), D("0.07"), "yuan") == (D("657.00"), D("657.00"))
    assert contributions.monthly_parts(D("2740"), D("0.07"), D("0.07"), "yuan") == (D("192.00"), D("192.00"))
    assert contributions.monthly_parts(D("36072.25"), D("0.12"), D("0.12")) == (D("4328.67"), D("4328.67"))
    assert contributions.monthly_parts_many(
        [(D("0.50"), D("0.01"), D("0.03")), (D("1000"), D("0.05"), D("0"))], "fen"
    ) == [(D("0.01"), D("0.02")), (D("50.00"), D("0.00"))]
    assert contributions.monthly_parts_many([]) == []


def test_remittance_lines_and_python_callers_share_the_one_function(clerk):
    set_business_date(actor=system_actor(), date=datetime.date(2026, 11, 20))
    employer = factories.employer(clerk, employer_ratio=D("0.07"), employee_ratio=D("0.05"))
    account = factories.account(clerk, employer, name="甲", base="9380.50")
    with connection.cursor() as cur:  # a different rule, in the one place it lives: cut down to the fen
        cur.execute(
            sqlfiles.read("accounts", "contributions.sql").replace(
                "SELECT round(round(p_base * p_ratio,", "SELECT round(trunc(p_base * p_ratio,"
            )
        )
    listed = remittance.generate_list(actor=clerk, employer=employer, month=datetime.date(2026, 11, 1))
    line = listed.lines.get()
    assert (line.employee_amount, line.employer_amount) == (D("469.02"), D("656.63"))  # truncated, not rounded
    assert contributions.monthly_parts(D("9380.50"), D("0.05"), D("0.07")) == (D("469.02"), D("656.63"))
    account.refresh_from_db()
    assert account.monthly_total == D("1125.65")
