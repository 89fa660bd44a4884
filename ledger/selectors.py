"""Reads of the ledger for pages, APIs and jobs."""

from django.db.models import Case, Count, DecimalField, F, Sum, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from core import compiled, roles, visibility
from core.actors import is_system
from core.money import ZERO
from ledger import chart
from ledger.models import Account, BankAccount, BankStatementLine, Hold, JournalLine


def account_by_code(code) -> Account:
    return Account.objects.get(code=code)


def lines_with_running_balance(account: Account, *, viewer, limit=200):
    """The account's latest lines the viewer may see, newest first, each with ``running`` = the account's balance
    after it (an unknown viewer, or someone else's account: none). ``limit=None``: a :class:`RunningBalanceLines`
    for a paged list, which reads only the lines of the page it is cut to."""
    lines = RunningBalanceLines(account, viewer=viewer)
    return lines if limit is None else lines[:limit]


# One statement, so one snapshot: the page's line ids, newest first, each with the balance after it = the cached
# balance, minus the lines posted after the page (an index range of the account's lines, empty on the first page),
# minus the lines of the page above it. Lines are never changed once posted, so the rows read next by id are these.
_PAGE_SQL = """
WITH page AS (
    SELECT id, CASE WHEN side = %(normal)s THEN amount ELSE -amount END AS signed
    FROM ledger_journalline WHERE account_id = %(account)s ORDER BY id DESC LIMIT %(limit)s OFFSET %(offset)s
)
SELECT page.id,
       acc.balance
       - COALESCE((SELECT SUM(CASE WHEN l.side = %(normal)s THEN l.amount ELSE -l.amount END)
                   FROM ledger_journalline l
                   WHERE l.account_id = acc.id AND l.id > (SELECT MAX(id) FROM page)), 0)
       - COALESCE(SUM(page.signed) OVER (ORDER BY page.id DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
FROM page CROSS JOIN ledger_account acc
WHERE acc.id = %(account)s
ORDER BY page.id DESC
"""


def _lines_between(viewer, account_id, first, last):
    return (JournalLine.objects.visible_to(viewer).filter(account=account_id, pk__gte=first, pk__lte=last)
            .select_related("entry").order_by("-id"))


def _line_count(viewer, account_id):
    """How many of the account's lines the viewer may see, as one row (none when there are none)."""
    return (JournalLine.objects.visible_to(viewer).filter(account=account_id).order_by().values("account")
            .annotate(lines=Count("pk")))


class RunningBalanceLines:
    """An account's lines the viewer may see, newest first, as a sequence a paginator (or django-tables2) cuts:
    ``count()`` counts them and a slice reads only its own lines, each with ``running``, the balance after it,
    derived from the cached balance (which the posting service keeps equal to the sum of the lines) instead of a
    window over every line of the account."""

    model = JournalLine

    class query:  # noqa: N801 - django-tables2 reads ``data.query.order_by`` of a queryset-like object
        order_by = ()

    def __init__(self, account: Account, *, viewer):
        self.account = account
        self.viewer = viewer
        self._count = None

    def count(self):
        if self._count is None:
            rows = visibility.own_rows("journal_count", self.viewer, _line_count, (self.account.pk,), as_values=True)
            self._count = rows[0]["lines"] if rows else 0
        return self._count

    def __len__(self):
        return self.count()

    def order_by(self, *fields):
        return self  # the order is fixed: the balance after each line reads in posting order

    def __iter__(self):
        step, offset = 1000, 0
        while chunk := self._page(offset, step):
            yield from chunk
            offset += step

    def __getitem__(self, key):
        if isinstance(key, int):
            rows = self._page(key, 1) if key >= 0 else []
            if not rows:
                raise IndexError(key)
            return rows[0]
        start = key.start or 0
        stop = self.count() if key.stop is None else key.stop
        if key.step not in (None, 1) or start < 0 or stop < 0:
            raise ValueError("Only forward slices of the lines are supported.")
        return self._page(start, stop - start) if stop > start else []

    def _page(self, offset, limit):
        from django.db import connection

        with connection.cursor() as cur:
            cur.execute(_PAGE_SQL, {"normal": "D" if self.account.debit_normal else "C", "account": self.account.pk,
                                    "limit": limit, "offset": offset})
            running = dict(cur.fetchall())
        if not running:
            return []
        # The page's lines are every line of the account between its first and last id (a range of the index).
        rows = visibility.own_rows("journal_page", self.viewer, _lines_between,
                                   (self.account.pk, min(running), max(running)))
        for line in rows:
            line.running = running[line.pk]
        return rows


def active_holds(account: Account, *, viewer):
    return Hold.objects.visible_to(viewer).filter(account=account, status=Hold.Status.ACTIVE).order_by("created_at")


def bank_accounts():
    return BankAccount.objects.select_related("ledger_account").order_by("bank", "number")


def bank_held_balance(bank: BankAccount):
    """What the bank itself holds on ``bank``: its last statement's closing balance (or the opening balance before
    any) plus the lines it reported since (payments it confirmed). The next statement's closing balance is this
    plus its new lines; the reconciliation's bank check starts from the same figure."""
    last = bank.statements.order_by("-id").first()
    held = bank.opening_balance if last is None else last.closing_balance
    since = bank.statement_lines.filter(id__gt=last.last_line_id if last else 0).aggregate(
        net=Coalesce(Sum(Case(When(direction="C", then=F("amount")), default=-F("amount"),
                              output_field=DecimalField(max_digits=18, decimal_places=2))), ZERO))["net"]
    return held + since


def general_suspense() -> Account:
    return Account.objects.get(code=chart.GENERAL_SUSPENSE)


def fund_balance_total():
    return Account.objects.filter(parent__code=chart.HOUSING_FUND).aggregate(
        s=Coalesce(Sum("balance"), ZERO))["s"]


def unmatched_incoming(*, viewer):
    """Money received on the center's bank accounts that is not booked yet (staff, or the system, only)."""
    return BankStatementLine.objects.visible_to(viewer).filter(match_status=BankStatementLine.Match.UNMATCHED,
                                            direction=BankStatementLine.Direction.CREDIT).select_related("bank_account")


def statement_lines(filters=None, *, viewer):
    """Bank statement lines (staff, or the system, only), latest first, filtered by
    ``ledger.filters.StatementLineFilter`` data (``q``, ``bank_account``, ``direction``, ``match_status``,
    ``date_from``, ``date_to``)."""
    from ledger.filters import StatementLineFilter

    qs = BankStatementLine.objects.visible_to(viewer).select_related("bank_account", "entry")
    return StatementLineFilter.apply(filters, qs).order_by("-value_date", "-id")


def statements(*, viewer):
    """Bank statement imports, latest first (finance, auditors and administrators, or the system)."""
    from ledger.models import BankStatement

    if not (is_system(viewer) or roles.has_role(viewer, roles.FINANCE, roles.AUDITOR, roles.SYSADMIN)):
        return BankStatement.objects.none()
    return BankStatement.objects.select_related("bank_account", "imported_by", "confirmed_by").order_by("-id")


def setting_changes(*, viewer):
    """Requested changes of the ledger's settings, latest first (finance, auditors and administrators)."""
    from ledger.models import SettingChange

    if not (is_system(viewer) or roles.has_role(viewer, roles.FINANCE, roles.AUDITOR, roles.SYSADMIN)):
        return SettingChange.objects.none()
    return SettingChange.objects.select_related("account", "bank_account").order_by("-id")


def parse_month(text):
    """(first day of the month, None) for "YYYY-MM", or (None, a message)."""
    import datetime

    from django.utils.translation import gettext as _

    try:
        month = datetime.datetime.strptime(text.strip(), "%Y-%m").date()
    except ValueError:
        return None, _("Enter a month written YYYY-MM.")
    if not 2000 <= month.year <= 2100:
        return None, _("Enter a month written YYYY-MM.")
    return month, None


def last_run_of_month(month, *, viewer):
    """The last stored reconciliation run of ``month`` that carries an ageing (finance, auditors, administrators)."""
    runs = reconciliation_runs(viewer=viewer).filter(business_date__year=month.year,
                                                      business_date__month=month.month, report__has_key="ageing")
    return runs.order_by("-business_date", "-id").first()


def reconciliation_runs(filters=None, *, viewer):
    """Saved three-ledger reconciliations, latest first, filtered by ``ledger.filters.ReconciliationRunFilter``
    data (``ok``, ``date_from``, ``date_to``)."""
    from ledger.filters import ReconciliationRunFilter
    from ledger.models import ReconciliationRun

    if not (is_system(viewer) or roles.has_role(viewer, roles.FINANCE, roles.AUDITOR, roles.SYSADMIN)):
        return ReconciliationRun.objects.none()
    return ReconciliationRunFilter.apply(filters, ReconciliationRun.objects.all()).order_by("-id")


# The records of an ageing, as the reconciliation stores them: "entry #12 <memo>", "statement line <bank ref>",
# "payment <reference>"; shown with the words of the page's language.
AGED_RECORDS = (
    ("entry #", _("Journal entry no. %(ref)s")),
    ("statement line ", _("Bank statement line %(ref)s")),
    ("payment ", _("Payment order %(ref)s")),
)


def ageing_for_page(aged):
    """A stored ageing (``ReconciliationRun.report["ageing"]``) as the pages show it: each kind's buckets in
    their order, each item's record in words and its ledger account's name beside the code (one query)."""
    from ledger.reconciliation import ordered_ageing

    aged = ordered_ageing(aged)
    if not aged or not isinstance(aged.get("items"), list):
        return aged
    items = with_account_names([item for item in aged["items"] if isinstance(item, dict)])
    for item in items:
        record = str(item.get("record") or "")
        for prefix, words in AGED_RECORDS:
            if record.startswith(prefix):
                record = words % {"ref": record[len(prefix):]}
                break
        item["record_words"] = record
    return {**aged, "items": items}


def with_account_names(rows) -> list[dict]:
    """Copies of ``rows`` (dicts naming a ledger account by its code under ``"account"``), each with
    ``account_name`` beside the code ("" for an unknown code): one query for all of them."""
    rows = [dict(row) for row in rows]
    codes = tuple(sorted({str(row.get("account")) for row in rows}))
    names = {found["code"]: found["name"] for found in compiled.values_rows(
        ("account names", len(codes)), lambda *c: Account.objects.filter(code__in=c).values("code", "name"), codes)}
    for row in rows:
        row["account_name"] = names.get(str(row.get("account")), "")
    return rows
