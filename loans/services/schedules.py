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

import functools
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from core import audit, roles
from core.errors import Conflict
from loans import calculations as calc
from loans.models import LoanContract, ScheduleInstallment

BATCH = 500
COPY_ROWS = 20_000  # rows per COPY write

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


def copy_text(contract_id: int, schedule: calc.FenSchedule, first_due) -> str:
    """The ``COPY`` text of a schedule's rows (columns :data:`_COLUMNS`, then the three paid amounts at 0).

    Amounts go out as whole fen with an exponent (``123456e-2`` is 1,234.56; PostgreSQL's numeric input reads
    it exactly): formatting an integer costs a fraction of formatting a Decimal, and one f-string per row was
    measured faster than ``%``-formatting or joining ``itertools`` streams."""
    dates = _number_dates(first_due)
    head, tail = f"{contract_id}\t", f"\t{schedule.annual_rate}\t0\t0\t0\n"
    balance, k = schedule.balance, schedule.first_number - 1
    out = []
    append = out.append
    for principal, interest in zip(schedule.principals, schedule.interests, strict=True):
        balance -= principal
        append(f"{head}{dates[k]}{principal}e-2\t{interest}e-2\t{principal + interest}e-2\t{balance}e-2{tail}")
        k += 1
    return "".join(out)


def copy_schedules(schedules) -> int:
    """Insert the rows of ``schedules`` — (contract id, :class:`loans.calculations.FenSchedule`, the due date of
    the contract's installment 1), e.g. a generator — with one ``COPY`` in the caller's transaction, a chunk of
    about :data:`COPY_ROWS` rows per write, so PostgreSQL ingests one chunk while the next is computed.
    Returns the number of rows."""
    buffer, pending, rows = [], 0, 0
    append = buffer.append
    with connection.cursor() as cur, cur.cursor.copy(_copy_sql()) as copy:
        for contract_id, schedule, first_due in schedules:
            append(copy_text(contract_id, schedule, first_due))
            pending += len(schedule.principals)
            if pending >= COPY_ROWS:
                copy.write("".join(buffer))
                buffer.clear()
                rows, pending = rows + pending, 0
        if buffer:
            copy.write("".join(buffer))
    return rows + pending


def write_schedules(contracts) -> dict[int, Stored]:
    """Compute and insert the schedules of ``contracts`` (saved ``LoanContract`` rows, or any objects with
    ``pk``, ``principal``, ``annual_rate``, ``term_months``, ``method`` and ``first_due_date``) in the
    caller's transaction; returns {contract id: :class:`Stored`}. The caller has checked that none of them
    has a schedule yet (the unique constraint on contract and number refuses a second one anyway).

    Each schedule is computed by :func:`loans.calculations.schedule_fen` (the one amortization, in whole fen)
    and its rows are written by :func:`copy_schedules`."""
    stored = {}

    def schedules():
        for contract in contracts:
            schedule = fen_schedule_of(contract)
            stored[contract.pk] = Stored(len(schedule.principals), calc.yuan(sum(schedule.interests)))
            yield contract.pk, schedule, contract.first_due_date

    copy_schedules(schedules())
    return stored


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
    locked = list(LoanContract.objects.filter(pk__in=ids).order_by("pk").select_for_update())
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
    return list(ScheduleInstallment.objects.filter(contract=contract).order_by("number"))
