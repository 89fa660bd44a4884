"""Schedules stored for many contracts at once (loans.services.store_schedules, the path bench/loans.py times):
the same rows, to the fen, as loans.calculations.schedule computes for each contract alone."""

import datetime
from decimal import ROUND_HALF_UP, Decimal, localcontext

import psycopg
import pytest
from django.db import IntegrityError, connection, transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from core import sqlfiles
from core.errors import Conflict, Forbidden, InvalidInput
from core.models import AuditEvent
from loans import calculations as calc
from loans import services
from loans.models import LoanContract, ScheduleInstallment, SchedulePlan
from loans.services import schedules as schedules_module
from loans.services.schedules import copy_text
from tests.loans.test_applications import contract_for, draft

D = Decimal
day = datetime.date

# (principal, rate, months, method, first due): both methods, a zero rate, month ends and a leap February
TERMS = [
    (D("500000.00"), D("0.0285"), 240, "equal_installment", day(2026, 2, 20)),
    (D("300000.00"), D("0.031"), 120, "equal_principal", day(2026, 1, 31)),
    (D("120000.00"), D("0"), 12, "equal_installment", day(2026, 3, 31)),
    (D("80000.01"), D("0.02350000"), 7, "equal_principal", day(2024, 1, 29)),
    (D("999999.99"), D("0.0325"), 360, "equal_principal", day(2026, 8, 30)),
]


def contracts(staff, household, n):
    """``n`` contracts with the terms of :data:`TERMS`, each on its own copy of one draft application."""
    app = draft(staff, household)
    out = []
    for index, (principal, rate, months, method, first_due) in enumerate(TERMS[:n]):
        if index:
            app.pk, app.number = None, f"{app.number[:20]}-{index}"
            app.save()
        out.append(
            contract_for(
                app,
                principal=principal,
                annual_rate=rate,
                term_months=months,
                method=method,
                signed_on=first_due - datetime.timedelta(days=28),
                first_due_date=first_due,
            )
        )
    return out


def stored_rows(contract):
    return [
        (r.number, r.due_date, r.principal, r.interest, r.payment, r.balance, r.annual_rate)
        for r in ScheduleInstallment.objects.in_force_of(contract.pk)
    ]


def computed_rows(contract):
    return [
        (i.number, i.due_date, i.principal, i.interest, i.payment, i.balance, i.annual_rate)
        for i in calc.schedule(
            contract.principal,
            contract.annual_rate,
            contract.term_months,
            contract.method,
            first_due=contract.first_due_date,
        )
    ]


def test_bulk_path_stores_the_rows_the_one_loan_calculation_computes(staff, household):
    signed = contracts(staff, household, len(TERMS))
    stored = services.store_schedules(actor=staff["officer"], contracts=signed)
    assert {cid: s.installments for cid, s in stored.items()} == {
        c.pk: t[2] for c, t in zip(signed, TERMS, strict=True)
    }
    for contract in signed:
        rows = stored_rows(contract)
        assert rows == computed_rows(contract)
        assert sum(r[2] for r in rows) == contract.principal and rows[-1][5] == D("0.00")
        assert stored[contract.pk].interest == sum(r[3] for r in rows)
    # Example A of DOMAIN.md §4.6 to the fen, and the month ends of the second and fourth contracts
    example = stored_rows(signed[0])
    assert [sum(r[k] for r in example) for k in (2, 3, 4)] == [D("500000.00"), D("156542.76"), D("656542.76")]
    assert example[-1][1:6] == (day(2046, 1, 20), D("2730.27"), D("6.48"), D("2736.75"), D("0.00"))
    assert [r[1] for r in stored_rows(signed[1])[:3]] == [day(2026, 1, 31), day(2026, 2, 28), day(2026, 3, 31)]
    assert stored_rows(signed[1])[0][2:4] == (D("2500.00"), D("775.00"))
    assert [r[1] for r in stored_rows(signed[3])[:2]] == [day(2024, 1, 29), day(2024, 2, 29)]
    assert stored_rows(signed[2])[0][2:5] == (D("10000.00"), D("0.00"), D("10000.00"))
    # the paid amounts start at zero and every row is in force
    assert not ScheduleInstallment.objects.exclude(principal_paid=0, interest_paid=0, penalty_paid=0).exists()
    assert not ScheduleInstallment.objects.filter(superseded_on__isnull=False).exists()
    event = AuditEvent.objects.get(action="loan_contract.schedules")
    assert event.after["contracts"] == len(TERMS)
    assert event.after["installments"] == sum(t[2] for t in TERMS)
    assert D(event.after["interest"]) == sum(s.interest for s in stored.values())


def test_one_loan_path_and_bulk_path_agree(staff, household):
    first, second = contracts(staff, household, 2)
    rows = services.store_schedule(actor=staff["officer"], contract=first)
    assert [(r.number, r.principal, r.interest, r.balance) for r in rows] == [
        (n, p, i, b) for n, _d, p, i, _m, b, _r in computed_rows(first)
    ]
    services.store_schedules(actor=staff["officer"], contracts=LoanContract.objects.filter(pk=second.pk))
    assert stored_rows(second) == computed_rows(second)
    assert [len(p.principals) for p in SchedulePlan.objects.order_by("contract_id")] == [240, 120]


def test_bulk_path_refuses_a_contract_with_a_schedule_and_writes_nothing(staff, household):
    first, second, third = contracts(staff, household, 3)
    services.store_schedules(actor=staff["officer"], contracts=[second])
    with pytest.raises(Conflict) as exc:
        services.store_schedules(actor=staff["officer"], contracts=[first, second, third])
    assert exc.value.code == "schedule_exists" and second.number in exc.value.message
    assert list(SchedulePlan.objects.values_list("contract_id", flat=True)) == [second.pk]
    assert not ScheduleInstallment.objects.filter(contract__in=[first, third]).exists()
    with pytest.raises(Forbidden):
        services.store_schedules(actor=staff["clerk"], contracts=[first])
    assert SchedulePlan.objects.count() == 1
    assert services.store_schedules(actor=staff["officer"], contracts=[]) == {}


# --- the one amortization (integers inside) against a straightforward Decimal oracle ---------------------------


def oracle(principal, rate, months, method, first_due):
    """DOMAIN.md §4.6 written out month by month with Decimals, independently of loans.calculations: the level
    payment by the closed formula (or P / n), each month's interest round(B · annual / 12, 2) half-up, the last
    installment repaying what is left; due dates by ``relativedelta`` from the first due date. ``None`` when an
    installment before the last would repay nothing or everything (the amount is too small to amortise)."""
    from dateutil.relativedelta import relativedelta

    cent = D("0.01")
    with localcontext() as ctx:
        ctx.prec = 60
        if method == "equal_principal":
            level = (principal / months).quantize(cent, rounding=ROUND_HALF_UP)
        elif rate == 0:
            level = (principal / months).quantize(cent, rounding=ROUND_HALF_UP)
        else:
            r = rate / 12
            growth = (1 + r) ** months
            level = (principal * r * growth / (growth - 1)).quantize(cent, rounding=ROUND_HALF_UP)
        balance, out = principal, []
        for k in range(1, months + 1):
            interest = (balance * rate / 12).quantize(cent, rounding=ROUND_HALF_UP)
            part = balance if k == months else (level - interest if method == "equal_installment" else level)
            if k < months and not 0 < part < balance:
                return None
            balance -= part
            out.append((k, first_due + relativedelta(months=k - 1), part, interest, part + interest, balance, rate))
    return out


@settings(max_examples=150, deadline=None)
@given(
    principal=st.decimals(min_value=D("1000.00"), max_value=D("3000000.00"), places=2),
    rate=st.decimals(min_value=D("0"), max_value=D("0.08"), places=6),
    months=st.integers(min_value=1, max_value=360),
    method=st.sampled_from(calc.METHODS),
    first_due=st.dates(min_value=day(2000, 1, 1), max_value=day(2060, 12, 31)),
)
def test_schedule_equals_the_decimal_oracle_and_the_copy_text(principal, rate, months, method, first_due):
    expected = oracle(principal, rate, months, method, first_due)
    if expected is None:
        with pytest.raises(InvalidInput):
            calc.schedule(principal, rate, months, method, first_due=first_due)
        return
    computed = calc.schedule(principal, rate, months, method, first_due=first_due)
    assert [
        (i.number, i.due_date, i.principal, i.interest, i.payment, i.balance, i.annual_rate) for i in computed
    ] == expected
    # every amount keeps two places, as the Decimal arithmetic gave them
    assert all(i.principal.as_tuple().exponent == -2 and i.balance.as_tuple().exponent == -2 for i in computed)
    # the rows the bulk path writes are the same numbers
    text = copy_text(7, calc.schedule_fen(principal, rate, months, method), first_due)
    lines = [line.split("\t") for line in text.splitlines()]
    assert [
        (int(n), datetime.date.fromisoformat(d), D(p), D(i), D(m), D(b), D(r)) for _c, n, d, p, i, m, b, r, *_ in lines
    ] == expected
    assert {line[0] for line in lines} == {"7"} and {tuple(line[8:]) for line in lines} == {("0", "0", "0")}


# --- the contract of every installment exists (loans/sql/installment_contract.sql) -------------------------------


def installed(kind, name):
    with connection.cursor() as cur:
        if kind == "function":
            cur.execute(
                "SELECT pg_get_functiondef(p.oid) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
                " WHERE n.nspname = 'public' AND p.proname = %s",
                [name],
            )
        else:
            cur.execute(
                "SELECT pg_get_triggerdef(t.oid) FROM pg_trigger t WHERE t.tgname = %s AND NOT t.tgisinternal", [name]
            )
        return [sqlfiles.normalise(row[0]) for row in cur.fetchall()]


def test_installed_triggers_equal_the_file(db):
    definitions = sqlfiles.definitions("loans")
    assert {name for kind, name in definitions if kind == "trigger"} == {
        "loans_installments_have_contracts",
        "loans_installment_keeps_its_contract",
        "loans_contract_keeps_its_installments",
        "loans_contract_id_keeps_its_installments",
    }
    for (kind, name), definition in definitions.items():
        assert installed(kind, name) == [definition], f"{kind} {name} differs from loans/sql"


def test_an_installment_needs_its_contract_whichever_way_it_is_written(staff, household):
    (contract,) = contracts(staff, household, 1)
    services.store_schedules(actor=staff["officer"], contracts=[contract])
    missing = LoanContract.objects.order_by("-pk").first().pk + 1000
    row = ("1", "2026-02-20", "100.00", "1.00", "101.00", "0.00", "0.03", "0", "0", "0")
    with pytest.raises(psycopg.errors.ForeignKeyViolation, match="does not exist"), transaction.atomic():
        with connection.cursor() as cur, cur.cursor.copy(schedules_module._copy_sql()) as copy:
            copy.write("\t".join((str(missing), *row)) + "\n")
    with pytest.raises(IntegrityError, match="does not exist"), transaction.atomic():
        ScheduleInstallment.objects.bulk_create(
            [
                ScheduleInstallment(
                    contract_id=missing,
                    number=1,
                    due_date=day(2026, 2, 20),
                    principal=D("1"),
                    interest=D("0"),
                    payment=D("1"),
                    balance=D("0"),
                    annual_rate=D("0"),
                )
            ]
        )
    first = ScheduleInstallment.objects.filter(contract=contract).order_by("number").first()
    with pytest.raises(IntegrityError, match="another contract"), transaction.atomic():
        ScheduleInstallment.objects.filter(pk=first.pk).update(contract_id=missing)
    with pytest.raises(IntegrityError, match="has schedule installments"), transaction.atomic():
        with connection.cursor() as cur:
            cur.execute("DELETE FROM loans_loancontract WHERE id = %s", [contract.pk])
    with pytest.raises(IntegrityError, match="has schedule installments"), transaction.atomic():
        with connection.cursor() as cur:
            cur.execute("UPDATE loans_loancontract SET id = %s WHERE id = %s", [missing, contract.pk])
    assert len(ScheduleInstallment.objects.in_force_of(contract.pk)) == 240
    # the paid amounts change as before
    assert ScheduleInstallment.objects.filter(pk=first.pk).update(interest_paid=D("1.00")) == 1
