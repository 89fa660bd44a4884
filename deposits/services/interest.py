"""Interest on personal fund accounts (DOMAIN.md §2): the breakdown (selector), the year-end settlement
(结息, business type 09) and the interest posted before a closure (business type 98).

The year-end settlement is a batch run (:mod:`core.batch`, key ``interest:<year>``) over id-range chunks of
the non-closed personal accounts. Each chunk is ONE journal entry posted with
:func:`ledger.posting.post_set`: credit every account of the chunk its interest, debit 501 interest expense
with the total. The chunk's posting and its "done" mark commit together, so a run killed halfway resumes
without crediting any account twice, and a second run for the same year posts nothing.

How a chunk's interest is computed (set-based, never one query per account):

* Method A (any number of rate changes): in SQL, in the statement that feeds the posting.
  With W(t) = Σ of the daily rates from day t to the end of the period, the product-times-rate of an
  account is opening × W(start) + Σ amount × W(date of the line); divided by the day basis and rounded
  half-up to the fen. The opening balance is the cached balance minus the lines dated from the start of
  the year (the cached balance is itself reconciled with the lines every night).
* Method B (carried-over balance plus current-year products; a withdrawal draws on the current year's
  deposits first, so each account's sub-balances depend on the order of its movements): one aggregated query
  per chunk (the net movement of each account per day) and :mod:`deposits.calculations` in Python, the only
  implementation of method B.

:mod:`deposits.calculations` is the reference; the tests compare the SQL with it.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import FundAccount
from core import audit, batch, bounds, policy
from core.business_date import today
from core.errors import InvalidInput, StateError
from core.models import BatchChunk, BatchRun
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


# --- the breakdown of one account (selector) -------------------------------------------------------

def _signed(account: Account):
    """+1 for lines that raise the account's balance on the credit side (liabilities), else −1."""
    return -1 if account.debit_normal else 1


def interest_breakdown(account, year=None, until=None) -> calc.InterestResult:
    """The interest of ``account`` (a FundAccount or its ledger Account) for an interest year, with its periods.

    ``year``: the calendar year in which the interest year ends (2026 = 2025-07-01 – 2026-06-30); by default
    the year containing the day before ``until``, or the business date. ``until``: the first day not counted
    (a closing date); by default the end of the year once the business date has reached its settlement day
    (June 30), before that the business date (the interest accrued up to yesterday). The opening balance is
    the sum of the lines before the year; the movements are the lines of the year by business date, without
    the year-end interest entry itself.
    """
    ledger = account.ledger_account if isinstance(account, FundAccount) else account
    if year is None:
        year = calc.interest_year((until - ONE_DAY) if until else today())[1].year
    start, last = calc.interest_year_ending(int(year))
    boundary = last + ONE_DAY
    if until is None:  # the whole year from its settlement day on; before that, up to yesterday
        until = boundary if today() >= last else max(start, today())
    if not start <= until <= boundary:
        raise InvalidInput(_("The date %(d)s is outside the interest year %(s)s – %(e)s.")
                           % {"d": until, "s": start, "e": last}, code="outside_year")
    terms = interest_terms(start, until)
    sign = _signed(ledger)
    lines = JournalLine.objects.filter(account_id=ledger.pk)
    before = lines.filter(business_date__lt=start).aggregate(
        c=Sum("amount", filter=Q(side=Side.CREDIT)), d=Sum("amount", filter=Q(side=Side.DEBIT)))
    opening = sign * ((before["c"] or Decimal(0)) - (before["d"] or Decimal(0)))
    movements = []
    for day, side, amount, btype in (lines.filter(business_date__gte=start, business_date__lt=until)
                                     .values_list("business_date", "side", "amount", "entry__business_type")
                                     .order_by("business_date", "id")):
        if day == last and btype == YEAR_END_TYPE:
            continue  # the year-end interest itself
        movements.append((day, sign * (amount if side == Side.CREDIT else -amount)))
    return calc.daily_product_interest(opening=opening, movements=movements, start=start, end=until,
                                       rates=terms.rates, method=terms.method, basis=terms.basis)


# --- set-based computation for a chunk of accounts ------------------------------------------------

CHUNK_ACCOUNTS_SQL = (
    "SELECT f.ledger_account_id FROM accounts_fundaccount f "
    f"WHERE f.id BETWEEN %s AND %s AND f.status NOT IN ({', '.join(repr(s) for s in CLOSED)})"
)
_SIGNED = "CASE WHEN l.side = 'C' THEN {a} ELSE -{a} END"
_YEAR_END_LINE = ("l.business_date = %s AND EXISTS (SELECT 1 FROM ledger_journalentry e "
                  f"WHERE e.id = l.entry_id AND e.business_type = '{YEAR_END_TYPE}')")


def interest_select_sql(lo: int, hi: int, terms: Terms):
    """(SQL, params): rows (ledger account id, interest > 0) of the chunk's accounts, method A.

    For each rate segment k = [a_k, b_k) of n_k days at rate r_k, the product-times-rate of the segment is
    r_k × (balance × n_k − Σ amount × min(max(day − a_k, 0), n_k)) over the account's lines from the start
    of the year, where ``balance`` is the cached balance and the year-end interest line counts as dated at
    the end. That equals opening × W(start) + Σ amount × W(day) (:func:`calculations.rate_weight`), with one
    aggregate per rate segment in whole days.
    """
    if terms.method != "A":
        raise ValueError("The SQL computation implements method A")
    day = f"(CASE WHEN {_YEAR_END_LINE} THEN %s::date ELSE l.business_date END)"
    signed = _SIGNED.format(a="l.amount")
    sums, sum_params, numerator, numerator_params = [], [], [], []
    for k, (a, b, rate) in enumerate(calc.rate_segments(terms.rates, terms.start, terms.end)):
        n = (b - a).days
        offset = f"{day} - %s::date" if k == 0 else f"GREATEST({day} - %s::date, 0)"  # lines start at a_0
        sums.append(f"SUM(({signed}) * LEAST({offset}, %s)) AS s{k}")
        sum_params += [terms.settlement_day, terms.end, a, n]
        numerator.append(f"%s * (x.balance * %s - COALESCE(x.s{k}, 0))")
        numerator_params += [rate, n]
    sql = (
        f"SELECT account_id, amount FROM (SELECT x.account_id, ROUND(({' + '.join(numerator)}) / %s, 2) AS amount"
        f" FROM (SELECT a.id AS account_id, a.balance, {', '.join(sums)}"
        "  FROM accounts_fundaccount f JOIN ledger_account a ON a.id = f.ledger_account_id"
        "  LEFT JOIN ledger_journalline l ON l.account_id = a.id AND l.business_date >= %s"
        f"  WHERE f.id BETWEEN %s AND %s AND f.status NOT IN ({', '.join(['%s'] * len(CLOSED))})"
        "  GROUP BY a.id, a.balance) AS x) AS s WHERE amount > 0"
    )
    return sql, [*numerator_params, terms.basis, *sum_params, terms.start, lo, hi, *CLOSED]


def _chunk_movements(lo: int, hi: int, terms: Terms):
    """One aggregated query: {ledger account id: (cached balance, [(day, net amount, is year-end interest)])}."""
    sql = (
        "SELECT a.id, a.balance, m.business_date, m.excluded, SUM(m.signed)"
        " FROM accounts_fundaccount f JOIN ledger_account a ON a.id = f.ledger_account_id"
        " LEFT JOIN (SELECT l.account_id, l.business_date,"
        f"  {_YEAR_END_LINE} AS excluded, {_SIGNED.format(a='l.amount')} AS signed"
        "  FROM ledger_journalline l WHERE l.business_date >= %s) AS m ON m.account_id = a.id"
        f" WHERE f.id BETWEEN %s AND %s AND f.status NOT IN ({', '.join(['%s'] * len(CLOSED))})"
        " GROUP BY a.id, a.balance, m.business_date, m.excluded ORDER BY a.id, m.business_date"
    )
    out = {}
    with connection.cursor() as cur:
        cur.execute(sql, [terms.settlement_day, terms.start, lo, hi, *CLOSED])
        for acc_id, balance, day, excluded, total in cur.fetchall():
            entry = out.setdefault(acc_id, (balance, []))
            if day is not None:
                entry[1].append((day, total, excluded))
    return out


def interest_amounts_python(lo: int, hi: int, terms: Terms) -> dict:
    """{ledger account id: interest} of the chunk by :mod:`deposits.calculations` (all accounts, even 0)."""
    result = {}
    for acc_id, (balance, days) in _chunk_movements(lo, hi, terms).items():
        opening = balance - sum((amount for _d, amount, _x in days), Decimal(0))
        movements = [(d, amount) for d, amount, excluded in days if d < terms.end and not excluded]
        result[acc_id] = calc.daily_product_interest(
            opening=opening, movements=movements, start=terms.start, end=terms.end, rates=terms.rates,
            method=terms.method, basis=terms.basis).interest
    return result


def interest_amounts_sql(lo: int, hi: int, terms: Terms) -> dict:
    """{ledger account id: interest} of the chunk's accounts with interest > 0, computed in SQL."""
    sql, params = interest_select_sql(lo, hi, terms)
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return {acc_id: amount for acc_id, amount in cur.fetchall()}


def uses_sql(terms: Terms) -> bool:
    """Method A is computed in SQL; method B in Python (see the module's docstring)."""
    return terms.method == "A"


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
    return _("Year-end interest %(start)s – %(end)s") % {"start": terms.start, "end": terms.end - ONE_DAY}


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
        sql, params = interest_select_sql(lo, hi, terms)
        post_set(select_sql=sql, params=params, lock_sql=CHUNK_ACCOUNTS_SQL, lock_params=[lo, hi], **common)
    else:
        with connection.cursor() as cur:
            cur.execute(CHUNK_ACCOUNTS_SQL, [lo, hi])
            ids = [row[0] for row in cur.fetchall()]
        lock_accounts([expense_id, *ids])  # before reading their lines, in primary-key order
        amounts = interest_amounts_python(lo, hi, terms)
        post_set(rows=[(acc, amount) for acc, amount in sorted(amounts.items()) if amount > 0], **common)
    return FundAccount.objects.filter(pk__gte=lo, pk__lte=hi).exclude(status__in=CLOSED).count()


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

@transaction.atomic
def post_closing_interest(*, account: FundAccount, closing_date: datetime.date, actor):
    """Post the interest from July 1 to the day before ``closing_date`` (DOMAIN.md §2.4, business type 98).

    Call it before paying out and closing the account. Returns the entry, or ``None`` when no interest is
    due (e.g. a closure on July 1, the day after the year-end settlement). Idempotent per account and date.
    """
    account = FundAccount.objects.select_related("ledger_account").get(pk=account.pk)
    key = closing_key(account.pk, closing_date)
    found = JournalEntry.objects.filter(idempotency_key=key).first()
    if found is not None:
        return found
    if account.is_closed:
        raise StateError(_("The account is already closed."), code="account_closed")
    expense_id = Account.objects.values_list("pk", flat=True).get(code=chart.FUND_INTEREST_EXPENSE)
    lock_accounts([expense_id, account.ledger_account_id])  # before reading the lines
    year = calc.interest_year(closing_date)[1].year
    result = interest_breakdown(account, year=year, until=closing_date)
    if result.interest <= 0:
        return None
    memo = _("Interest %(start)s – %(end)s before closing") % {"start": result.start, "end": result.last_day}
    entry = post(lines=[debit(expense_id, result.interest), credit(account.ledger_account_id, result.interest)],
                 memo=memo, actor=actor, idempotency_key=key, business_date=closing_date,
                 business_type=CLOSING_TYPE, source=f"account:{account.pk}")
    audit.record(actor=actor, action="interest.closing.post", obj=account,
                 after={"closing_date": closing_date, "interest": result.interest, "product": result.product,
                        "entry": entry.pk})
    return entry


def breakdown_for_page(account, year_text):
    """The breakdown for a page's ``?year=`` parameter: (result, error message or None). A bad year shows the
    current interest year with the message."""
    try:
        return interest_breakdown(account, year=int(year_text) if year_text else None), None
    except ValueError:
        return interest_breakdown(account), _("Choose a valid year.")
    except InvalidInput as exc:
        return interest_breakdown(account), exc.message
