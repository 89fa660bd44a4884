"""Interest on personal fund accounts (DOMAIN.md §2): the breakdown (selector), the year-end settlement
(结息, business type 09) and the interest posted before a closure (business type 98).

The year-end settlement is a batch run (:mod:`core.batch`, key ``interest:<year>``) over id-range chunks of
the non-closed personal accounts. Each chunk is ONE journal entry posted with
:func:`ledger.posting.post_set`: credit every account of the chunk its interest, debit 501 interest expense
with the total. The chunk's posting and its "done" mark commit together, so a run killed halfway resumes
without crediting any account twice, and a second run for the same year posts nothing.

One computation per method, for the settlement, the interest before a closure and the breakdown pages
(one account is a one-row set):

* Method A (any number of rate changes): in SQL only. :func:`amounts_sql` computes the amount (Σ end-of-day
  balance × rate ÷ day basis, rounded half-up to the fen once) in one aggregate pass over the lines; in the
  settlement it is the statement that feeds the posting. :func:`periods_sql` lists the same days as periods
  (a run of days with one balance and one rate) for the breakdown pages, which show the amount of
  :func:`amounts_sql` (or the amount posted), never a sum of their own.
* Method B (carried-over balance plus current-year products; a withdrawal draws on the current year's
  deposits first, so each account's sub-balances depend on the order of its movements): one aggregated query
  (the net movement of each account per day) and :func:`deposits.calculations.split_interest` in Python, the
  only implementation of method B.

Days are never counted twice: the days before an interest posted before a closure (type 98) are left out of
the year-end settlement and of a later closure, and an account whose year-end interest was already posted
by a closure (a closure after June 30, before the run reached it) is skipped by the run.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import FundAccount
from core import audit, batch, bounds, policy
from core.actors import system_actor
from core.business_date import today
from core.errors import InvalidInput, StateError
from core.models import BatchChunk, BatchRun
from core.translatable import StoredText
from deposits import calculations as calc
from ledger import chart
from ledger.models import Account, JournalEntry, JournalLine, Side
from ledger.posting import credit, debit, lock_accounts, post, post_set

YEAR_END_TYPE = "09"  # 年终结息
CLOSING_TYPE = "98"  # 销户结息
INTEREST_TYPES = (YEAR_END_TYPE, CLOSING_TYPE)
JOB = "deposits.settle_interest"
CLOSED = tuple(str(s) for s in FundAccount.CLOSED_STATUSES)
ONE_DAY = datetime.timedelta(days=1)


def run_key(year: int) -> str:
    return f"interest:{year}"


def chunk_key(year: int, lo: int, hi: int) -> str:
    return f"interest:{year}:{lo}-{hi}"


def closing_key(account_id: int, closing_date: datetime.date) -> str:
    return f"interest-close:{account_id}:{closing_date.isoformat()}"


# --- terms -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Terms:
    """The interest parameters of a period, read once from the policy table."""

    start: datetime.date  # first day counted
    end: datetime.date  # exclusive boundary
    method: str
    basis: int
    rates: tuple  # ((effective_from, Decimal), ...) ascending

    @property
    def settlement_day(self) -> datetime.date:
        return calc.interest_year(self.start)[1]

    def as_params(self) -> dict:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "method": self.method,
                "basis": self.basis, "rates": [[d.isoformat(), str(r)] for d, r in self.rates]}

    @classmethod
    def from_params(cls, params) -> "Terms":
        return cls(start=datetime.date.fromisoformat(params["start"]), end=datetime.date.fromisoformat(params["end"]),
                   method=params["method"], basis=int(params["basis"]),
                   rates=tuple((datetime.date.fromisoformat(d), Decimal(r)) for d, r in params["rates"]))


def interest_terms(start: datetime.date, end: datetime.date) -> Terms:
    """Method and day basis in force on the last day counted; the whole dated rate table."""
    on = max(start, end - ONE_DAY)
    rates = policy.history("interest.rate") or [(policy.DEFAULT_EFFECTIVE_FROM,
                                                  policy.parameter("interest.rate").default)]
    return Terms(start=start, end=end, method=policy.get("interest.method", on=on),
                 basis=int(policy.get("interest.day_basis", on=on)),
                 rates=tuple((d, Decimal(r)) for d, r in rates))


# --- the one computation: SQL for method A, deposits.calculations for method B ------------------------

_SIGNED = "CASE WHEN l.side = 'C' THEN l.amount ELSE -l.amount END"


def _accounts_cte(terms: Terms, accounts_sql: str, accounts_params, *, unsettled_only: bool):
    """(SQL, params) of the CTEs ``acc`` (ledger account id, cached balance, ``since``) and ``mv`` (net movement
    per account and day from the start of the year, the year-end interest line dated at the end).

    ``since`` is the first day still to be counted: the start of the year, or the date of the latest interest
    posted before a closure (type 98) within the period, which covered the days before it; so days are never
    counted twice, whatever happened to the account afterwards. ``unsettled_only`` leaves out the accounts
    that already carry the year-end interest of this year (posted by a closure before the run reached them).
    """
    # The interest entries are few and found through the partial index on their type and date (deposits
    # migration 0005); never one lookup of the entries per account.
    sql = (
        "WITH closings AS (SELECT c.account_id, MAX(c.business_date) AS since"
        "  FROM ledger_journalentry ce JOIN ledger_journalline c ON c.entry_id = ce.id"
        f"  WHERE ce.business_type = '{CLOSING_TYPE}' AND ce.business_date >= %s AND ce.business_date < %s"
        "  GROUP BY c.account_id),"
    )
    params = [terms.start, terms.end]
    settled = ""
    if unsettled_only:  # year-end interest posted to one account by a closure (source account:<id>)
        sql += (
            " settled AS (SELECT y.account_id FROM ledger_journalentry ye JOIN ledger_journalline y"
            f"  ON y.entry_id = ye.id WHERE ye.business_type = '{YEAR_END_TYPE}' AND ye.business_date = %s"
            "  AND ye.source LIKE 'account:%%'),"
        )
        params.append(terms.settlement_day)
        settled = " AND NOT EXISTS (SELECT 1 FROM settled WHERE settled.account_id = a.id)"
    sql += (
        " acc AS (SELECT a.id AS account_id, a.balance, GREATEST(%s::date, COALESCE(cl.since, %s::date)) AS since"
        "  FROM ledger_account a LEFT JOIN closings cl ON cl.account_id = a.id"
        f"  WHERE a.id IN ({accounts_sql}){settled}),"
        " mv AS (SELECT l.account_id, CASE WHEN l.business_date = %s AND EXISTS (SELECT 1 FROM ledger_journalentry e"
        f"   WHERE e.id = l.entry_id AND e.business_type = '{YEAR_END_TYPE}') THEN %s::date ELSE l.business_date END"
        f"   AS day, SUM({_SIGNED}) AS amount"
        "  FROM ledger_journalline l JOIN acc ON acc.account_id = l.account_id WHERE l.business_date >= %s"
        "  GROUP BY 1, 2)"
    )
    params += [terms.start, terms.start, *accounts_params, terms.settlement_day, terms.end, terms.start]
    return sql, params


def periods_sql(terms: Terms, accounts_sql: str, accounts_params, *, unsettled_only=False):
    """(SQL, params): the periods of method A for the pages, rows (ledger account id, first day, exclusive end,
    balance, rate); the amount is :func:`amounts_sql`'s, never summed from these rows.

    A period is a run of days with one end-of-day balance and one rate: it is cut on each day with a movement
    and each day the rate changes. The opening balance at ``since`` is the cached balance minus the movements
    dated from ``since`` on (the cached balance is itself reconciled with the lines every night).
    """
    cte, params = _accounts_cte(terms, accounts_sql, accounts_params, unsettled_only=unsettled_only)
    days = [d for d, _r in terms.rates]
    values = [r for _d, r in terms.rates]
    sql = (
        f"{cte}, opening AS (SELECT acc.account_id, acc.since,"
        "   acc.balance - COALESCE(SUM(mv.amount) FILTER (WHERE mv.day >= acc.since), 0) AS opening"
        "  FROM acc LEFT JOIN mv ON mv.account_id = acc.account_id GROUP BY acc.account_id, acc.since, acc.balance),"
        " steps AS (SELECT account_id, day, SUM(amount) AS amount FROM ("
        "   SELECT account_id, since AS day, 0::numeric AS amount FROM opening"
        "   UNION ALL SELECT mv.account_id, mv.day, mv.amount FROM mv JOIN opening o ON o.account_id = mv.account_id"
        "    WHERE mv.day >= o.since AND mv.day < %s"
        "   UNION ALL SELECT o.account_id, r.day, 0 FROM opening o CROSS JOIN unnest(%s::date[]) AS r(day)"
        "    WHERE r.day > o.since AND r.day < %s) AS s GROUP BY account_id, day),"
        " cut AS (SELECT s.account_id, s.day AS first_day, LEAD(s.day, 1, %s::date) OVER w AS next_day,"
        "   o.opening + SUM(s.amount) OVER w AS balance,"
        "   (SELECT r.rate FROM unnest(%s::date[], %s::numeric[]) AS r(day, rate) WHERE r.day <= s.day"
        "    ORDER BY r.day DESC LIMIT 1) AS rate"
        "  FROM steps s JOIN opening o ON o.account_id = s.account_id WINDOW w AS (PARTITION BY s.account_id"
        "  ORDER BY s.day))"
        " SELECT account_id, first_day, next_day, balance, rate FROM cut WHERE next_day > first_day"
    )
    return sql, [*params, terms.end, days, terms.end, terms.end, days, values]


def amounts_sql(terms: Terms, accounts_sql: str, accounts_params, *, unsettled_only=False):
    """(SQL, params): rows (ledger account id, interest > 0) by method A, the only computation of its amount: the
    year-end settlement, the interest before a closure and the breakdown pages all run it.

    Σ over the days counted of end-of-day balance × rate ÷ day basis, rounded half-up to the fen once, in one
    aggregate pass over the lines: for each rate segment [a, b) of the period, counted from ``since`` on
    (a' = max(a, since), n = days from a' to b), the product-times-rate is rate × (balance × n − Σ amount ×
    min(max(day − a', 0), n)) over the lines from the start of the year, where ``balance`` is the cached
    balance (lines after the period cancel out) and the year-end interest line counts as dated at the end.
    :func:`periods_sql` lists the same days as periods for the pages.
    """
    if terms.method != "A":
        raise ValueError("The SQL computation implements method A")
    cte, params = _accounts_cte(terms, accounts_sql, accounts_params, unsettled_only=unsettled_only)
    day = ("(CASE WHEN l.business_date = %s AND EXISTS (SELECT 1 FROM ledger_journalentry e WHERE e.id = l.entry_id"
           f" AND e.business_type = '{YEAR_END_TYPE}') THEN %s::date ELSE l.business_date END)")
    sums, sum_params, numerator, numerator_params = [], [], [], []
    for k, (a, b, rate) in enumerate(calc.rate_segments(terms.rates, terms.start, terms.end)):
        first = "GREATEST(%s::date, acc.since)"
        days = f"GREATEST(%s::date - {first}, 0)"
        sums.append(f"SUM(({_SIGNED}) * LEAST(GREATEST({day} - {first}, 0), {days})) AS s{k}")
        sum_params += [terms.settlement_day, terms.end, a, b, a]
        numerator.append(f"%s * (x.balance * GREATEST(%s::date - GREATEST(%s::date, x.since), 0)"
                         f" - COALESCE(x.s{k}, 0))")
        numerator_params += [rate, b, a]
    if not numerator:  # an empty period (e.g. a closure on July 1): no day to count
        numerator = ["0"]
    sql = (
        f"{cte} SELECT account_id, amount FROM (SELECT x.account_id,"
        f" ROUND(({' + '.join(numerator)}) / %s, 2) AS amount"
        f" FROM (SELECT acc.account_id, acc.balance, acc.since{''.join(', ' + x for x in sums)}"
        "  FROM acc LEFT JOIN ledger_journalline l ON l.account_id = acc.account_id AND l.business_date >= %s"
        "  GROUP BY acc.account_id, acc.balance, acc.since) AS x) AS s WHERE amount > 0"
    )
    return sql, [*params, *numerator_params, terms.basis, *sum_params, terms.start]


def _movements(terms: Terms, accounts_sql: str, accounts_params, *, unsettled_only=False):
    """Method B's input, one aggregated query: {ledger account id: (opening at the start, since, [(day, net)])}."""
    cte, params = _accounts_cte(terms, accounts_sql, accounts_params, unsettled_only=unsettled_only)
    sql = (f"{cte} SELECT acc.account_id, acc.balance, acc.since, mv.day, mv.amount FROM acc"
           " LEFT JOIN mv ON mv.account_id = acc.account_id ORDER BY acc.account_id, mv.day")
    out = {}
    with connection.cursor() as cur:
        cur.execute(sql, params)
        for acc_id, balance, since, day, amount in cur.fetchall():
            entry = out.setdefault(acc_id, [balance, since, []])
            if day is not None:
                entry[0] -= amount
                if day < terms.end:
                    entry[2].append((day, amount))
    return out


def _split_results(terms: Terms, accounts_sql, accounts_params, *, unsettled_only=False) -> dict:
    """{ledger account id: calc.InterestResult} by method B (:func:`calculations.split_interest`)."""
    return {acc_id: calc.split_interest(opening=opening, movements=moves, start=terms.start, end=terms.end,
                                        rates=terms.rates, basis=terms.basis, count_from=since)
            for acc_id, (opening, since, moves) in _movements(terms, accounts_sql, accounts_params,
                                                              unsettled_only=unsettled_only).items()}


def compute_amounts(terms: Terms, accounts_sql: str, accounts_params, *, unsettled_only=False) -> dict:
    """{ledger account id: interest > 0} of the accounts selected by ``accounts_sql`` (ledger account ids)."""
    if terms.method == "A":
        sql, params = amounts_sql(terms, accounts_sql, accounts_params, unsettled_only=unsettled_only)
        with connection.cursor() as cur:
            cur.execute(sql, params)
            return {acc_id: amount for acc_id, amount in cur.fetchall()}
    results = _split_results(terms, accounts_sql, accounts_params, unsettled_only=unsettled_only)
    return {acc_id: r.interest for acc_id, r in results.items() if r.interest > 0}


CHUNK_ACCOUNTS_SQL = (
    "SELECT f.ledger_account_id FROM accounts_fundaccount f "
    f"WHERE f.id BETWEEN %s AND %s AND f.status NOT IN ({', '.join(repr(s) for s in CLOSED)})"
)
ONE_ACCOUNT_SQL = "SELECT %s::bigint"


def interest_amounts(lo: int, hi: int, terms: Terms) -> dict:
    """{ledger account id: interest > 0} of the chunk lo..hi still to be settled (what its entry credits)."""
    return compute_amounts(terms, CHUNK_ACCOUNTS_SQL, [lo, hi], unsettled_only=True)


def account_interest(ledger_account_id: int, terms: Terms) -> Decimal:
    """The interest of one account over ``terms`` (a one-row set of the same computation)."""
    return compute_amounts(terms, ONE_ACCOUNT_SQL, [ledger_account_id]).get(ledger_account_id, Decimal("0.00"))


def uses_sql(terms: Terms) -> bool:
    """Method A is computed in SQL; method B in Python (see the module's docstring)."""
    return terms.method == "A"


# --- the breakdown of one account (selector) -------------------------------------------------------

@dataclass(frozen=True)
class Breakdown:
    """What a page shows: the periods still counted, the terms and the interest (posted, or accrued)."""

    start: datetime.date  # first day of the interest year
    end: datetime.date  # exclusive boundary
    method: str
    basis: int
    since: datetime.date  # first day of the periods (after an interest posted before a closure)
    periods: tuple
    interest: Decimal
    settled: bool  # the year-end settlement has run for this account: ``interest`` is the amount it posted
    posted: tuple  # ((business date, business type, amount), ...) interest entries of the year on the account
    opening: Decimal  # balance at the start of ``since``
    closing: Decimal  # balance on the last day counted, before interest

    @property
    def last_day(self) -> datetime.date:
        return self.end - ONE_DAY

    @property
    def year(self) -> int:
        return calc.interest_year(self.last_day)[1].year

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def product(self) -> Decimal:
        return sum((p.product for p in self.periods), Decimal(0))


def year_terms(year: int, end: datetime.date | None = None) -> Terms:
    """The terms of the interest year ending in ``year``: those frozen by its settlement run once planned,
    else the policy's (``end``: a boundary before the end of the year, e.g. a closing date)."""
    start, last = calc.interest_year_ending(int(year))
    run = BatchRun.objects.filter(key=run_key(year)).only("params").first()
    if run is not None and (end is None or end == last + ONE_DAY):
        return Terms.from_params(run.params)
    return interest_terms(start, end or last + ONE_DAY)


def settled_for(fund_account_id: int, ledger_account_id: int, year: int) -> bool:
    """Whether the year-end settlement of ``year`` has dealt with this account: its chunk is done, or the
    year-end interest was already posted to it (by a closure before the run)."""
    settlement_day = calc.interest_year_ending(year)[1]
    return (BatchChunk.objects.filter(run__key=run_key(year), lo__lte=fund_account_id, hi__gte=fund_account_id,
                                      status=BatchChunk.Status.DONE).exists()
            or JournalLine.objects.filter(account_id=ledger_account_id, business_date=settlement_day,
                                          entry__business_type=YEAR_END_TYPE).exists())


def _periods(ledger_account_id: int, terms: Terms):
    """{since, periods, opening, closing} of one account: SQL for method A, calculations for method B."""
    if terms.method == "A":
        sql, params = periods_sql(terms, ONE_ACCOUNT_SQL, [ledger_account_id])
        with connection.cursor() as cur:
            cur.execute(sql, params)
            rows = cur.fetchall()
        periods = tuple(calc.Period(first, nxt - ONE_DAY, balance, (nxt - first).days, rate, terms.basis)
                        for _a, first, nxt, balance, rate in rows)
        zero = Decimal("0.00")
        return {"since": periods[0].start if periods else terms.start, "periods": periods,
                "opening": periods[0].balance if periods else zero, "closing": periods[-1].balance if periods else zero}
    result = _split_results(terms, ONE_ACCOUNT_SQL, [ledger_account_id])[ledger_account_id]
    return {"since": result.counted_from, "periods": result.periods, "opening": result.opening,
            "closing": result.closing}


def interest_breakdown(account, year=None, until=None) -> Breakdown:
    """The interest of ``account`` (a FundAccount) for an interest year, with its periods.

    ``year``: the calendar year in which the interest year ends (2026 = 2025-07-01 – 2026-06-30); by default
    the year containing the day before ``until``, or the business date. ``until``: the first day not counted
    (a closing date); by default the end of the year once the business date has reached its settlement day
    (June 30), before that the business date (the interest accrued up to yesterday). Once the settlement has
    dealt with the account, the terms are those it froze and the interest is the amount it posted.
    """
    if year is None:
        year = calc.interest_year((until - ONE_DAY) if until else today())[1].year
    year = int(year)
    start, last = calc.interest_year_ending(year)
    boundary = last + ONE_DAY
    if until is None:  # the whole year from its settlement day on; before that, up to yesterday
        until = boundary if today() >= last else max(start, today())
    if not start <= until <= boundary:
        raise InvalidInput(_("The date %(d)s is outside the interest year %(s)s – %(e)s.")
                           % {"d": until, "s": start, "e": last}, code="outside_year")
    ledger_id = account.ledger_account_id
    settled = until == boundary and settled_for(account.pk, ledger_id, year)
    terms = year_terms(year, None if until == boundary else until)
    posted = tuple(JournalLine.objects.filter(account_id=ledger_id, business_date__gte=start,
                                              business_date__lte=last, entry__business_type__in=INTEREST_TYPES)
                   .order_by("business_date", "pk").values_list("business_date", "entry__business_type", "amount"))
    if settled:
        interest = sum((a for d, t, a in posted if t == YEAR_END_TYPE and d == last), Decimal("0.00"))
    else:
        interest = account_interest(ledger_id, terms)
    return Breakdown(start=start, end=until, method=terms.method, basis=terms.basis, interest=interest,
                     settled=settled, posted=posted, **_periods(ledger_id, terms))


# --- value dates -----------------------------------------------------------------------------------

def booking_date(value_date: datetime.date) -> datetime.date:
    """The business date a receipt is credited with: the day the center's bank received the money (the statement
    line's value date), so it earns interest from that day whatever day it is matched. Never after the business
    date, and never inside an interest year whose settlement run has been planned: those days are paid, so money
    dated earlier is booked on the first day of the following year."""
    value_date = min(value_date, today())
    years = [p.get("year") for p in BatchRun.objects.filter(job=JOB).values_list("params", flat=True)]
    settled = max((int(y) for y in years if y), default=None)
    if settled is not None:
        value_date = max(value_date, calc.interest_year_ending(settled)[1] + ONE_DAY)
    return value_date


# --- the year-end settlement ------------------------------------------------------------------------

@dataclass(frozen=True)
class Settlement:
    run: BatchRun
    already_settled: bool
    resumed: bool
    chunks_run: int
    entries: int
    accounts: int  # accounts credited
    total: Decimal

    @property
    def start(self):
        return datetime.date.fromisoformat(self.run.params["start"])

    @property
    def last_day(self):
        return datetime.date.fromisoformat(self.run.params["end"]) - ONE_DAY


def _interest_memo(terms: Terms):
    return StoredText(gettext_noop("Year-end interest %(start)s – %(end)s"), start=terms.start, end=terms.end - ONE_DAY)


def plan_settlement(*, year: int, actor, chunk_size=10000) -> tuple[BatchRun, bool]:
    """The batch run of the settlement of ``year`` (created once, with its chunks and frozen terms)."""
    year = bounds.year(year)
    existing = BatchRun.objects.filter(key=run_key(year)).first()
    if existing is not None:
        return existing, False
    start, last = calc.interest_year_ending(year)
    if today() < last:
        raise StateError(_("The interest year ending on %(d)s is not over: the business date is %(t)s.")
                         % {"d": last, "t": today()}, code="year_not_over")
    if chunk_size < 1:
        raise InvalidInput(_("The chunk size must be at least 1."), code="bad_chunk_size")
    terms = interest_terms(start, last + ONE_DAY)
    accounts = FundAccount.objects.exclude(status__in=CLOSED)
    ranges = batch.id_ranges(accounts, chunk_size)
    with transaction.atomic():
        run, created = batch.plan(job=JOB, key=run_key(year), ranges=ranges, actor=actor,
                                  total=accounts.count(),
                                  params={"year": year, "chunk_size": chunk_size, **terms.as_params()})
        if created:
            audit.record(actor=actor, action="interest.settlement.plan", obj=run,
                         after={"year": year, "chunks": len(ranges), "accounts": run.total, **terms.as_params()})
    return run, created


def _settle_range(run: BatchRun, lo: int, hi: int) -> int:
    """Post the interest of the accounts with ids lo..hi (one entry); returns the accounts processed."""
    terms = Terms.from_params(run.params)
    year = run.params["year"]
    expense_id = Account.objects.values_list("pk", flat=True).get(code=chart.FUND_INTEREST_EXPENSE)
    memo = _interest_memo(terms)
    common = dict(memo=memo, business_type=YEAR_END_TYPE, idempotency_key=chunk_key(year, lo, hi),
                  business_date=terms.settlement_day, counter_account_id=expense_id, counter_side=Side.DEBIT,
                  actor=run.started_by, source=f"batch:{run.pk}", line_memo=memo)
    if uses_sql(terms):
        sql, params = amounts_sql(terms, CHUNK_ACCOUNTS_SQL, [lo, hi], unsettled_only=True)
        post_set(select_sql=sql, params=params, lock_sql=CHUNK_ACCOUNTS_SQL, lock_params=[lo, hi], **common)
    else:
        with connection.cursor() as cur:
            cur.execute(CHUNK_ACCOUNTS_SQL, [lo, hi])
            ids = [row[0] for row in cur.fetchall()]
        lock_accounts([expense_id, *ids])  # before reading their lines, in primary-key order
        amounts = interest_amounts(lo, hi, terms)
        post_set(rows=sorted(amounts.items()), **common)
    return FundAccount.objects.filter(pk__gte=lo, pk__lte=hi).exclude(status__in=CLOSED).count()


def start_settlement(*, year, actor, chunk_size=10000) -> dict:
    """Record the settlement run of ``year`` and queue its coordinator task; never waits on a task (there is no
    result backend). ``queued`` is False when the broker was unreachable: the run is kept and
    :func:`resume_runs` (a beat job) sends it once the broker is back."""
    run, created = plan_settlement(year=year, actor=actor, chunk_size=chunk_size)
    if run.status == BatchRun.Status.DONE:
        return {"run": run, "created": created, "already_settled": True, "queued": False}
    return {"run": run, "created": created, "already_settled": False, "queued": _queue(run)}


def resume_runs() -> dict:
    """Send the settlement runs whose coordinator never reached the broker, or stalled (:func:`batch.runs_to_queue`).

    In July it also records the settlement of the year that ended on June 30 when nothing has (the yearly beat
    message was lost while the broker was down), so the run is never lost."""
    _plan_missed_year()
    runs = batch.runs_to_queue(JOB)
    return {"runs": len(runs), "queued": sum(_queue(run) for run in runs)}


def _plan_missed_year():
    """In July (business date), plan the settlement of the year ending on June 30 as the system actor if no run of
    it exists; :func:`plan_settlement` is idempotent per year."""
    on = today()
    if on.month == 7 and not BatchRun.objects.filter(key=run_key(on.year)).exists():
        plan_settlement(year=on.year, actor=system_actor())


def _queue(run) -> bool:
    from deposits.tasks import settle_interest  # the coordinator task (tasks sit on top of services)

    return batch.queue(run, settle_interest, year=run.params["year"], chunk_size=run.params.get("chunk_size", 10000),
                       actor_id=run.started_by_id)


def settle_chunk(chunk_id: int) -> int:
    """Settle one chunk (skipped when already done); a failure is recorded on the chunk and re-raised."""
    run = BatchRun.objects.select_related("started_by").get(chunks__pk=chunk_id)
    try:
        items = batch.run_chunk(chunk_id, lambda lo, hi: _settle_range(run, lo, hi))
    except Exception as exc:
        batch.record_failure(chunk_id, exc)
        raise
    _summarise(run.pk)
    return items


def _summarise(run_id: int):
    """Once every chunk is done: mark the run done and store what it posted, for staff pages and reruns."""
    with transaction.atomic():
        run = BatchRun.objects.select_for_update(of=("self",)).select_related("started_by").get(pk=run_id)
        if run.status != BatchRun.Status.DONE:
            if run.chunks.exclude(status=BatchChunk.Status.DONE).exists():
                return run
            run.status, run.finished_at = BatchRun.Status.DONE, timezone.now()  # e.g. a run with no accounts
        if run.result.get("entries") is None:
            totals = (JournalEntry.objects.filter(idempotency_key__startswith=f"{run_key(run.params['year'])}:")
                      .aggregate(entries=Count("pk"), lines=Sum("line_count"), total=Sum("total")))
            entries = totals["entries"] or 0
            run.result = {"entries": entries, "accounts": (totals["lines"] or 0) - entries,
                          "total": str(totals["total"] or Decimal("0.00"))}
            audit.record(actor=run.started_by, action="interest.settlement.done", obj=run, after=run.result)
        run.save(update_fields=["status", "finished_at", "result"])
    return run


def _report(run, *, already_settled, resumed, chunks_run) -> Settlement:
    run = _summarise(run.pk)
    result = run.result or {}
    return Settlement(run=run, already_settled=already_settled, resumed=resumed, chunks_run=chunks_run,
                      entries=result.get("entries", 0), accounts=result.get("accounts", 0),
                      total=Decimal(result.get("total", "0")))


def settle_interest(*, year: int, actor, chunk_size=10000) -> Settlement:
    """Post the year-end interest of ``year`` for every non-closed personal account (run in this process).

    A second call for the same year posts nothing and reports ``already_settled``; a call after a run
    stopped halfway resumes it (finished chunks are skipped).
    """
    run, created = plan_settlement(year=year, actor=actor, chunk_size=chunk_size)
    if run.status == BatchRun.Status.DONE:
        return _report(run, already_settled=True, resumed=False, chunks_run=0)
    pending = batch.pending_chunks(run)
    for chunk_id in pending:
        settle_chunk(chunk_id)
    return _report(run, already_settled=False, resumed=not created, chunks_run=len(pending))


# --- interest before a closure ----------------------------------------------------------------------

def _unsettled_years(account: FundAccount, closing_date: datetime.date) -> list[int]:
    """The finished interest years (ending before the year of ``closing_date``) the settlement has not yet dealt
    with for this account, oldest first; at most back to the year of its first journal line."""
    current = calc.interest_year(closing_date)[1].year
    first = (JournalLine.objects.filter(account_id=account.ledger_account_id).order_by("business_date")
             .values_list("business_date", flat=True).first())
    if first is None:
        return []
    oldest = calc.interest_year(first)[1].year
    years = []
    for year in range(current - 1, oldest - 1, -1):
        if calc.interest_year_ending(year)[1] > today() or settled_for(account.pk, account.ledger_account_id, year):
            break
        years.append(year)
    return years[::-1]


class _Preview(Exception):
    def __init__(self, total):
        self.total = total


def closing_interest_total(account: FundAccount, closing_date: datetime.date) -> Decimal:
    """What :func:`post_closing_interest` would post now, every year included (for the eligibility check of a
    closing withdrawal): it runs the posting in a savepoint that is rolled back, so there is one computation."""
    if account.is_closed:
        return Decimal("0.00")
    try:
        with transaction.atomic():
            entries = post_closure_interest(account=account, closing_date=closing_date, actor=system_actor())
            raise _Preview(sum((e.total for e in entries), Decimal("0.00")))
    except _Preview as preview:
        return preview.total


@transaction.atomic
def post_closing_interest(*, account: FundAccount, closing_date: datetime.date, actor):
    """Post the interest due before a closure on ``closing_date`` (DOMAIN.md §2.4).

    First the year-end interest (type 09, dated June 30) of every finished year the settlement run has not yet
    reached for this account, so a closure between June 30 and the run loses nothing; then the interest from
    July 1 (or the last closing interest) to the day before ``closing_date`` (type 98), on the balance that
    includes the former. The account's ledger row is locked before its lines are read, so a concurrent
    settlement chunk either ran before (and the year is settled) or runs after and skips the account. Call it
    before paying out and closing the account. Returns the type-98 entry, or ``None`` when no interest is due
    for the current year. Idempotent per account and date.
    """
    found = JournalEntry.objects.filter(idempotency_key=closing_key(account.pk, closing_date)).first()
    if found is not None:
        return found
    entries = post_closure_interest(account=account, closing_date=closing_date, actor=actor)
    return next((e for e in entries if e.business_type == CLOSING_TYPE), None)


@transaction.atomic
def post_closure_interest(*, account, closing_date, actor) -> list:
    """:func:`post_closing_interest`, returning every entry it posted (the years caught up, then the current
    part), e.g. for the interest paid out with a closing withdrawal."""
    account = FundAccount.objects.select_related("ledger_account").get(pk=account.pk)
    if account.is_closed:
        raise StateError(_("The account is already closed."), code="account_closed")
    expense_id = Account.objects.values_list("pk", flat=True).get(code=chart.FUND_INTEREST_EXPENSE)
    lock_accounts([expense_id, account.ledger_account_id])  # before reading the lines
    current = calc.interest_year(closing_date)[1].year
    due = [(year, year_terms(year)) for year in _unsettled_years(account, closing_date)]
    due.append((current, year_terms(current, closing_date)))
    entries = []
    for year, terms in due:  # one after the other: a year's interest earns interest in the next
        amount = account_interest(account.ledger_account_id, terms)
        if amount <= 0:
            continue
        lines = [debit(expense_id, amount), credit(account.ledger_account_id, amount)]
        if year != current:  # a whole finished year
            entry = post(lines=lines, memo=_interest_memo(terms), actor=actor, business_type=YEAR_END_TYPE,
                         idempotency_key=f"{run_key(year)}:account:{account.pk}",
                         business_date=terms.settlement_day, source=f"account:{account.pk}")
        else:
            memo = StoredText(gettext_noop("Interest %(start)s – %(end)s before closing"), start=terms.start,
                              end=terms.end - ONE_DAY)
            entry = post(lines=lines, memo=memo, actor=actor, idempotency_key=closing_key(account.pk, closing_date),
                         business_date=closing_date, business_type=CLOSING_TYPE, source=f"account:{account.pk}")
        audit.record(actor=actor, action="interest.closing.post", obj=account,
                     after={"closing_date": closing_date, "year": year, "interest": amount,
                            "type": entry.business_type, "entry": entry.pk})
        entries.append(entry)
    return entries


def breakdown_for_page(account, year_text):
    """The breakdown for a page's ``?year=`` parameter: (result, error message or None). A bad year shows the
    current interest year with the message."""
    try:
        return interest_breakdown(account, year=bounds.year(year_text) if year_text else None), None
    except InvalidInput as exc:
        return interest_breakdown(account), exc.message
