"""The yearly repricing of existing loans (DOMAIN.md §4.5, 利率调整): a contract of more than one year takes the
rate of the rate table from January 1 of the year after a rate change.

:func:`reprice` (the ``loans.reprice`` task on January 1, the ``reprice_loans`` command) looks at every active
contract (正常 or 逾期) with a term over twelve months that was disbursed before January 1. Its bucket of the rate
table is chosen as the application chose it (:func:`loans.calculations.rate_key` by the ORIGINAL term, second
home or second use of a fund loan as the application's assessment recorded); the rate is the table's rate as it
stood on December 31 of the year before, so a change in force during that year reaches the loan on January 1,
and a change that takes effect on January 1 itself reaches it a year later, as the rule says. When the
contract's rate differs:

* the installments in force that are due AFTER January 1 and not paid at all are superseded (``superseded_on``
  = January 1, kept as history) and their principal is re-amortised over as many months at the new rate by
  :func:`loans.calculations.reprice_rest` (equal installment: a new payment; equal principal: the same
  principal part), written with ``COPY`` as the contract's new plan and its rows up to the horizon
  (:func:`loans.services.schedules.copy_schedules`; the installments beyond the stored rows come from the old
  plan, which is superseded);
* an installment due on or before January 1 keeps its rate: its interest is that of the month before
  January 1. An installment already paid in advance, in full or in part, is left as it is too (its interest was
  charged when it was paid; re-computing it would change money already booked): the re-amortisation starts
  after it. An overdue installment is due before January 1, so it is never touched;
* the contract's ``annual_rate`` becomes the new rate (``simple_history`` keeps the old one, with the run's
  reason).

The outstanding principal does not change (the superseded rows had nothing paid, the new rows repay exactly
their principal), so the ledger and the reconciliation are untouched. Contracts are handled in chunks of
:data:`CHUNK`, each chunk one transaction that locks its contracts in id order: a run that stops resumes where
it stopped, and a second run changes nothing (every contract repriced has the table's rate). One audit event
per run."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from core import audit, policy, roles
from core.errors import InvalidInput
from loans import calculations as calc
from loans.models import LoanContract, ScheduleInstallment, SchedulePlan
from loans.services.schedules import copy_schedules, supersede_plans

C = LoanContract.Status
ACTIVE = (C.NORMAL, C.OVERDUE)
CHUNK = 1000
RATE_PREFIX = "loans.rate."

_SUPERSEDE_SQL = """
UPDATE {table} i SET {superseded} = %s
  FROM unnest(%s::bigint[], %s::int[]) AS t(contract_id, first_number)
 WHERE i.{contract} = t.contract_id AND i.{number} >= t.first_number AND i.{superseded} IS NULL
"""


@dataclass
class Repricing:
    """What one run did."""

    year: int
    contracts: int = 0  # contracts whose rate changed
    installments: int = 0  # installments re-amortised (as many were superseded)
    rate_only: int = 0  # contracts with nothing left to re-amortise (every later installment paid in advance)
    refused: int = 0  # contracts whose rest could not be re-amortised (left unchanged, reported)

    def as_dict(self) -> dict:
        return {
            "year": self.year,
            "contracts": self.contracts,
            "installments": self.installments,
            "rate_only": self.rate_only,
            "refused": self.refused,
        }


def repricing_day(year: int) -> datetime.date:
    return datetime.date(year, 1, 1)


def rate_table(year: int) -> dict:
    """{bucket: rate} of the rate table as it stood on December 31 before January 1 of ``year``."""
    values = policy.snapshot(RATE_PREFIX, on=repricing_day(year) - datetime.timedelta(days=1))
    return {key[len(RATE_PREFIX) :]: value for key, value in values.items()}


def rate_for(contract: LoanContract, table: dict) -> Decimal:
    """The table's rate for the contract, in the bucket the application's assessment used: second home or a
    second use of a fund loan (``loans.services.applications``), term up to five years or longer (the original
    term)."""
    app = contract.application
    loans_used = (app.assessment or {}).get("loans_used") or 0
    second = app.second_home or (isinstance(loans_used, int) and loans_used >= 1)
    return table[calc.rate_key(contract.term_months, second)]


def candidates(year: int):
    """The contracts the run looks at: active, more than one year, disbursed before January 1."""
    return LoanContract.objects.filter(
        status__in=ACTIVE, term_months__gt=12, disbursed_on__lt=repricing_day(year)
    ).order_by("pk")


def reprice(*, year: int, actor, chunk_size: int = CHUNK) -> Repricing:
    """Reprice every contract of :func:`candidates` whose rate differs from :func:`rate_table` of ``year``
    (module docstring), ``chunk_size`` contracts per transaction; one audit event for the run."""
    roles.require_role(actor, roles.LOAN_OFFICER)
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
        raise InvalidInput(_("Give a year between 2000 and 2100."), fields={"year": [_("Not a valid year.")]})
    table = rate_table(year)
    result = Repricing(year)
    ids = list(candidates(year).values_list("pk", flat=True))
    for start in range(0, len(ids), max(int(chunk_size), 1)):
        _reprice_chunk(ids[start : start + chunk_size], year, table, actor, result)
    audit.record(
        actor=actor,
        action="loan_contract.reprice",
        object_type=LoanContract._meta.label_lower,
        after={**result.as_dict(), "rates": {k: str(v) for k, v in sorted(table.items())}},
    )
    return result


def _rest(rows):
    """The installments to re-amortise: the longest run at the end of ``rows`` (the installments in force due
    after January 1, in order) with nothing paid."""
    start = len(rows)
    while start and not rows[start - 1][3] and not rows[start - 1][4]:
        start -= 1
    return rows[start:]


def _add_planned(rows, contracts, on):
    """Append to ``rows`` ({contract id: [(contract id, number, principal, principal paid, interest paid)]}, the
    stored rows in force due after ``on``) the installments each contract's plan has beyond its last stored row
    (nothing paid): the whole rest of the schedule, one query for all the plans."""
    last = dict(
        ScheduleInstallment.objects.filter(contract_id__in=contracts, superseded_on__isnull=True)
        .values("contract_id")
        .annotate(last=Max("number"))
        .values_list("contract_id", "last")
    )
    for plan in SchedulePlan.objects.filter(contract_id__in=contracts, superseded_on__isnull=True):
        contract = contracts[plan.contract_id][0]
        for row in plan.rows_after(last.get(plan.contract_id, 0), contract.first_due_date):
            if row.due_date > on:
                rows.setdefault(plan.contract_id, []).append(
                    (plan.contract_id, row.number, row.principal, row.principal_paid, row.interest_paid)
                )


@transaction.atomic
def _reprice_chunk(ids, year, table, actor, result: Repricing):
    on = repricing_day(year)
    locked = list(candidates(year).filter(pk__in=ids).select_related("application").select_for_update(of=("self",)))
    changing = {c.pk: (c, rate_for(c, table)) for c in locked}
    changing = {pk: (c, rate) for pk, (c, rate) in changing.items() if c.annual_rate != rate}
    if not changing:
        return
    rows = {}
    for row in (
        ScheduleInstallment.objects.filter(contract_id__in=changing, superseded_on__isnull=True, due_date__gt=on)
        .order_by("contract_id", "number")
        .values_list("contract_id", "number", "principal", "principal_paid", "interest_paid")
    ):
        rows.setdefault(row[0], []).append(row)
    _add_planned(rows, changing, on)
    new, firsts, changed = [], [], []
    for pk, (contract, rate) in changing.items():
        rest = _rest(rows.get(pk, []))
        if rest:
            try:
                schedule = calc.reprice_rest(
                    sum((r[2] for r in rest), Decimal(0)),
                    rate,
                    contract.method,
                    months=len(rest),
                    first_number=rest[0][1],
                    principal_part=rest[0][2],
                )
            except InvalidInput:
                result.refused += 1
                continue
            new.append((pk, schedule, contract.first_due_date))
            firsts.append(rest[0][1])
            result.installments += len(rest)
        else:
            result.rate_only += 1
        contract.annual_rate, contract.updated_at = rate, timezone.now()
        changed.append(contract)
    if new:
        meta = ScheduleInstallment._meta
        columns = {name: connection.ops.quote_name(meta.get_field(name).column) for name in ("contract", "number")}
        sql = _SUPERSEDE_SQL.format(
            table=connection.ops.quote_name(meta.db_table),
            superseded=connection.ops.quote_name(meta.get_field("superseded_on").column),
            **columns,
        )
        with connection.cursor() as cur:
            cur.execute(sql, [on, [pk for pk, _s, _d in new], firsts])
        supersede_plans([pk for pk, _s, _d in new], on)
        copy_schedules(new, on=on)
    bulk_update_with_history(
        changed,
        LoanContract,
        ["annual_rate", "updated_at"],
        default_user=actor,
        default_change_reason=f"repricing {year}",
    )
    result.contracts += len(changed)
