"""Contracts' repayment schedules, computed by :func:`loans.calculations.schedule_fen` and written set-based.

:func:`write_schedules` is the one storing path: one contract (signing, :func:`store_schedule`) or many
(a batch job, ``bench/loans.py``); the repricing job writes its re-amortised rows through the same
:func:`copy_schedules`. It computes every installment with the one amortization in ``loans.calculations``
(whole fen on integers; :func:`loans.calculations.schedule` gives the same numbers as Decimals) and streams the
rows to PostgreSQL with ``COPY`` in chunks, never one model instance or one ``INSERT`` per row.

What storing a schedule row costs, and what was kept (each variant measured alone on a copy of the table, 0.5 M
rows at a time on a loaded 2-core machine, so only differences well above the noise of ±30 % count):

* The contract's existence: a row-level foreign key check doubled the ingest time (its trigger runs once per
  row). The same guarantee is now given per statement by ``loans/sql/installment_contract.sql`` (the new rows'
  contracts locked FOR KEY SHARE and checked in one join; an installment never changes contract; a contract
  with installments is never deleted nor renumbered), at about the cost of no check at all.
* The nine CHECK constraints cost perhaps a fifth of the ingest; kept (they are the table's own guarantees).
* The indexes: dropping the foreign key's own index (contract) or the due-date index, or making the due-date
  index partial on unpaid rows (every new row is unpaid, so it indexes them all anyway), made no difference
  above the noise: rows arrive in contract order, so the contract index only ever appends. All kept: the
  contract index serves a contract's whole history (superseded rows, which the partial unique index on
  (contract, number) leaves out) and the delete check, the due-date index the monthly debit run.
* The text: amounts as whole fen with an exponent and the "number, due date" prefix made once per first due
  date, several times cheaper in Python than formatting Decimals and dates; PostgreSQL parses either form at
  the same speed. The chunk size of a ``COPY`` write (5,000 to 100,000 rows) made no difference.
* Two connections at once on disjoint contracts (``bench/loans.py --workers 2``): a fifth faster at 20,000
  loans (53.5 s against 68.0 s on one), as PostgreSQL's ingest of one overlaps the other.

Together, at 20,000 loans (4.2 M rows) on the same loaded machine: 147.2 s before (32.9 s of it the Decimal
arithmetic), 53.5 s now (1.8 s arithmetic, 4.6 s arithmetic and COPY text, the rest PostgreSQL's ingest)."""

import bisect
import datetime
import functools
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from core import audit, policy, roles
from core.business_date import today
from core.errors import Conflict
from loans import calculations as calc
from loans.models import LoanContract, ScheduleInstallment, SchedulePlan

BATCH = 500
COPY_ROWS = 20_000  # rows per COPY write
HORIZON_KEY = "loans.schedule_horizon_months"

_COLUMNS = ("contract", "number", "due_date", "principal", "interest", "payment", "balance", "annual_rate")
# the paid amounts start at zero and the row is not superseded: the database defaults would not apply to
# COPY (Django keeps defaults in Python), so they are written explicitly
_COPY_SQL = None


def _copy_sql():
    global _COPY_SQL
    if _COPY_SQL is None:
        meta = ScheduleInstallment._meta
        columns = [meta.get_field(name).column for name in _COLUMNS]
        columns += [meta.get_field(name).column for name in ("principal_paid", "interest_paid", "penalty_paid")]
        quoted = ", ".join(f'"{c}"' for c in columns)
        _COPY_SQL = f'COPY "{meta.db_table}" ({quoted}) FROM STDIN'
    return _COPY_SQL


_PLAN_COLUMNS = ("contract", "first_number", "balance", "annual_rate", "principals", "interests", "created_on")


def _plan_copy_sql():
    meta = SchedulePlan._meta
    quoted = ", ".join(f'"{meta.get_field(name).column}"' for name in _PLAN_COLUMNS)
    return f'COPY "{meta.db_table}" ({quoted}) FROM STDIN'


class _Terms(NamedTuple):
    pk: int
    principal: Decimal
    annual_rate: Decimal
    term_months: int
    method: str
    first_due_date: datetime.date


@dataclass(frozen=True)
class Stored:
    """What :func:`write_schedules` wrote for one contract."""

    installments: int
    interest: Decimal


def installments_of(contract: LoanContract) -> list:
    """The contract's schedule (:class:`loans.calculations.Installment`), from its terms and first due date."""
    return calc.schedule(
        contract.principal,
        contract.annual_rate,
        contract.term_months,
        contract.method,
        first_due=contract.first_due_date,
    )


def fen_schedule_of(contract) -> calc.FenSchedule:
    """The contract's schedule in whole fen (:func:`loans.calculations.schedule_fen`): what is stored."""
    return calc.schedule_fen(contract.principal, contract.annual_rate, contract.term_months, contract.method)


@functools.lru_cache(maxsize=4096)
def _number_dates(first_due) -> tuple:
    """``"<number>\t<ISO due date>\t"`` of installments 1 … MAX_MONTHS dated from ``first_due``, made once
    per first due date (a batch of contracts shares a few thousand of them)."""
    return tuple(f"{n}\t{d.isoformat()}\t" for n, d in enumerate(calc.due_dates(first_due), start=1))


def copy_text(contract_id: int, schedule: calc.FenSchedule, first_due, count: int | None = None) -> str:
    """The ``COPY`` text of a schedule's rows (columns :data:`_COLUMNS`, then the three paid amounts at 0): its
    first ``count`` installments (default: all).

    Amounts go out as whole fen with an exponent (``123456e-2`` is 1,234.56; PostgreSQL's numeric input reads
    it exactly): formatting an integer costs a fraction of formatting a Decimal, and one f-string per row was
    measured faster than ``%``-formatting or joining ``itertools`` streams."""
    dates = _number_dates(first_due)
    head, tail = f"{contract_id}\t", f"\t{schedule.annual_rate}\t0\t0\t0\n"
    balance, k = schedule.balance, schedule.first_number - 1
    out = []
    append = out.append
    principals, interests = schedule.principals, schedule.interests
    if count is not None:
        principals, interests = principals[:count], interests[:count]
    for principal, interest in zip(principals, interests, strict=True):
        balance -= principal
        append(f"{head}{dates[k]}{principal}e-2\t{interest}e-2\t{principal + interest}e-2\t{balance}e-2{tail}")
        k += 1
    return "".join(out)


def plan_text(contract_id: int, schedule: calc.FenSchedule, on: datetime.date) -> str:
    """The ``COPY`` text of a schedule's :class:`loans.models.SchedulePlan` row (columns :data:`_PLAN_COLUMNS`)."""
    # a list's repr, "[1, 2]", is an array's input once its brackets are braces (spaces are allowed): a third
    # cheaper than joining the numbers one by one
    principals, interests = repr(schedule.principals)[1:-1], repr(schedule.interests)[1:-1]
    return (
        f"{contract_id}\t{schedule.first_number}\t{schedule.balance}e-2\t{schedule.annual_rate}\t"
        f"{{{principals}}}\t{{{interests}}}\t{on.isoformat()}\n"
    )


def horizon(on: datetime.date | None = None) -> datetime.date:
    """The last due date stored as an installment row on ``on`` (default: the business date): ``on`` plus
    ``loans.schedule_horizon_months`` months."""
    on = on or today()
    return calc.due_date(on, policy.get(HORIZON_KEY, on=on) + 1)


def stored_count(schedule: calc.FenSchedule, first_due, until: datetime.date) -> int:
    """How many of ``schedule``'s installments are stored as rows: those due on or before ``until``, and at least
    the first (the rows in force always end where the plan takes over)."""
    due = bisect.bisect_right(calc.due_dates(first_due), until)  # installments 1 … due are due by then
    return min(len(schedule.principals), max(1, due - schedule.first_number + 1))


def copy_schedules(schedules, *, on: datetime.date | None = None) -> int:
    """Store ``schedules`` — (contract id, :class:`loans.calculations.FenSchedule`, the due date of the
    contract's installment 1), e.g. a generator — in the caller's transaction: each as a
    :class:`loans.models.SchedulePlan` in force (the caller has superseded any earlier plan of the contract) and
    its installments due within the :func:`horizon` of ``on`` as rows, both with ``COPY``, a chunk of about
    :data:`COPY_ROWS` rows per write, so PostgreSQL ingests one chunk while the next is computed. Returns the
    number of installment rows."""
    on = on or today()
    until = horizon(on)
    buffer, plans, pending, rows = [], [], 0, 0
    append = buffer.append
    with connection.cursor() as cur:
        with cur.cursor.copy(_copy_sql()) as copy:
            for contract_id, schedule, first_due in schedules:
                count = stored_count(schedule, first_due, until)
                append(copy_text(contract_id, schedule, first_due, count))
                plans.append(plan_text(contract_id, schedule, on))
                pending += count
                if pending >= COPY_ROWS:
                    copy.write("".join(buffer))
                    buffer.clear()
                    rows, pending = rows + pending, 0
            if buffer:
                copy.write("".join(buffer))
        if plans:
            with cur.cursor.copy(_plan_copy_sql()) as copy:
                for start in range(0, len(plans), 1000):
                    copy.write("".join(plans[start : start + 1000]))
    return rows + pending


def supersede_plans(contract_ids, on: datetime.date) -> int:
    """Mark the plans in force of ``contract_ids`` superseded on ``on`` (a new amortisation or a payoff)."""
    return SchedulePlan.objects.filter(contract_id__in=list(contract_ids), superseded_on__isnull=True).update(
        superseded_on=on
    )


def write_schedules(contracts, *, on: datetime.date | None = None) -> dict[int, Stored]:
    """Compute and insert the schedules of ``contracts`` (saved ``LoanContract`` rows, or any objects with
    ``pk``, ``principal``, ``annual_rate``, ``term_months``, ``method`` and ``first_due_date``) in the
    caller's transaction; returns {contract id: :class:`Stored`}. The caller has checked that none of them
    has a schedule yet (the unique constraints on contract and number, and on the plan in force, refuse a
    second one anyway).

    Each schedule is computed by :func:`loans.calculations.schedule_fen` (the one amortization, in whole fen)
    and written by :func:`copy_schedules` (its plan, and its rows up to the horizon)."""
    stored = {}

    def schedules():
        for contract in contracts:
            schedule = fen_schedule_of(contract)
            stored[contract.pk] = Stored(len(schedule.principals), calc.yuan(sum(schedule.interests)))
            yield contract.pk, schedule, contract.first_due_date

    copy_schedules(schedules(), on=on)
    return stored


def replace_rest(contract, installments, *, on: datetime.date) -> int:
    """A re-amortised rest of a contract's schedule (``installments``: :class:`loans.calculations.Installment`
    objects, a prepayment's new installments, in order): the rows in force from the first of them on and the plan
    in force are superseded on ``on`` (kept as history), the new plan and its rows up to the horizon stored.
    Returns the number of rows stored."""
    first = installments[0]
    ScheduleInstallment.objects.filter(
        contract_id=contract.pk, superseded_on__isnull=True, number__gte=first.number
    ).update(superseded_on=on)
    supersede_plans([contract.pk], on)
    rest = calc.FenSchedule(
        balance=calc.fen(first.balance + first.principal),
        annual_rate=first.annual_rate,
        first_number=first.number,
        principals=[calc.fen(i.principal) for i in installments],
        interests=[calc.fen(i.interest) for i in installments],
    )
    return copy_schedules([(contract.pk, rest, contract.first_due_date)], on=on)


def store_planned(rows, through: int) -> int:
    """Store the planned installments among ``rows`` (:meth:`~loans.models.ScheduleInstallmentQuerySet.in_force_of`:
    unsaved, from the plan) up to number ``through``, e.g. before a repayment pays one in advance beyond the
    horizon, so the rows in force stay a run without gaps. Returns how many."""
    planned = [r for r in rows if r.pk is None and r.number <= through]
    if planned:
        ScheduleInstallment.objects.bulk_create(planned, batch_size=BATCH)
        for row in planned:
            row.planned = False
    return len(planned)


# The plans in force whose next installment (after the last row in force) is due by the horizon, among the
# contracts of a chunk (locked by the caller): what extend_schedules stores next.
_TO_EXTEND_SQL = """
SELECT p.contract_id, c.first_due_date, p.first_number, p.balance, p.annual_rate, p.principals, p.interests,
       m.last_number
  FROM loans_scheduleplan p
  JOIN loans_loancontract c ON c.id = p.contract_id
  CROSS JOIN LATERAL (SELECT MAX(i.number) AS last_number FROM loans_scheduleinstallment i
                       WHERE i.contract_id = p.contract_id AND i.superseded_on IS NULL) m
 WHERE p.superseded_on IS NULL AND p.contract_id = ANY(%(ids)s)
   AND m.last_number < p.first_number + cardinality(p.principals) - 1
   AND (c.first_due_date + make_interval(months => m.last_number))::date <= %(until)s
 ORDER BY p.contract_id
"""
_EXTEND_CANDIDATES_SQL = """
SELECT p.contract_id
  FROM loans_scheduleplan p
  JOIN loans_loancontract c ON c.id = p.contract_id
  CROSS JOIN LATERAL (SELECT MAX(i.number) AS last_number FROM loans_scheduleinstallment i
                       WHERE i.contract_id = p.contract_id AND i.superseded_on IS NULL) m
 WHERE p.superseded_on IS NULL
   AND m.last_number < p.first_number + cardinality(p.principals) - 1
   AND (c.first_due_date + make_interval(months => m.last_number))::date <= %(until)s
 ORDER BY p.contract_id
"""


def extend_schedules(*, on: datetime.date | None = None, chunk_size: int = 5000) -> int:
    """Store, from each contract's plan, the installments whose due date has come within the :func:`horizon`
    of ``on`` (default: the business date) as rows: the daily job ``loans.extend_schedules``, also run before a
    debit run. Each chunk of contracts is one transaction that locks them in id order (a prepayment or a
    repricing writing a new plan meanwhile waits, or is waited for, and the plan is read again under the lock).
    Safe to run twice: a second run finds nothing to store. Returns the number of rows stored."""
    on = on or today()
    until = horizon(on)
    with connection.cursor() as cur:
        cur.execute(_EXTEND_CANDIDATES_SQL, {"until": until})
        ids = [row[0] for row in cur.fetchall()]
    stored = 0
    for start in range(0, len(ids), max(int(chunk_size), 1)):
        stored += _extend_chunk(ids[start : start + chunk_size], until)
    return stored


@transaction.atomic
def _extend_chunk(ids, until) -> int:
    list(LoanContract.objects.filter(pk__in=ids).order_by("pk").select_for_update().values_list("pk", flat=True))
    with connection.cursor() as cur:
        cur.execute(_TO_EXTEND_SQL, {"ids": ids, "until": until})
        found = cur.fetchall()
    if not found:
        return 0
    text = []
    for contract_id, first_due, first_number, balance, rate, principals, interests, last in found:
        skip = last + 1 - first_number
        rest = calc.FenSchedule(
            balance=calc.fen(balance) - sum(principals[:skip]),
            annual_rate=rate,
            first_number=last + 1,
            principals=principals[skip:],
            interests=interests[skip:],
        )
        text.append(copy_text(contract_id, rest, first_due, stored_count(rest, first_due, until)))
    data = "".join(text)
    with connection.cursor() as cur, cur.cursor.copy(_copy_sql()) as copy:
        copy.write(data)
    return data.count("\n")


@transaction.atomic
def store_schedules(*, actor, contracts) -> dict[int, Stored]:
    """Generate and store, in one transaction, the schedules of many contracts (``LoanContract`` rows or a
    queryset of them) of which none has a schedule yet: locked in id order, then one check for all, then
    :func:`write_schedules`; one audit event for the batch. Refused with nothing written when any of them
    already has its schedule."""
    roles.require_role(actor, roles.LOAN_OFFICER)
    if isinstance(contracts, QuerySet):
        ids = sorted(contracts.values_list("pk", flat=True))
    else:
        ids = sorted({c.pk for c in contracts})
    if not ids:
        return {}
    # locked, and only the terms a schedule is computed from (not whole model instances: a batch locks thousands)
    locked = [
        _Terms(*row)
        for row in LoanContract.objects.filter(pk__in=ids)
        .order_by("pk")
        .select_for_update()
        .values_list(*_Terms._fields)
    ]
    existing = (
        ScheduleInstallment.objects.filter(contract_id__in=ids).values_list("contract__number", flat=True).first()
    )
    if existing is not None:
        raise Conflict(_("The contract %(n)s already has its schedule.") % {"n": existing}, code="schedule_exists")
    stored = write_schedules(locked)
    audit.record(
        actor=actor,
        action="loan_contract.schedules",
        object_type=LoanContract._meta.label_lower,
        after={
            "contracts": len(stored),
            "first": ids[0],
            "last": ids[-1],
            "installments": sum(s.installments for s in stored.values()),
            "interest": str(sum((s.interest for s in stored.values()), Decimal(0))),
        },
    )
    return stored


@transaction.atomic
def store_schedule(*, actor, contract: LoanContract) -> list[ScheduleInstallment]:
    """Generate and store the schedule of a contract that has none yet (locked, so two callers never both
    write it)."""
    roles.require_role(actor, roles.LOAN_OFFICER)
    contract = LoanContract.objects.select_for_update().get(pk=contract.pk)
    if contract.installments.exists():
        raise Conflict(
            _("The contract %(n)s already has its schedule.") % {"n": contract.number}, code="schedule_exists"
        )
    result = write_schedules([contract])[contract.pk]
    audit.record(
        actor=actor,
        action="loan_contract.schedule",
        obj=contract,
        after={
            "installments": result.installments,
            "principal": str(contract.principal),
            "interest": str(result.interest),
        },
    )
    return ScheduleInstallment.objects.in_force_of(contract.pk)
