"""Annual base adjustment (基数调整), DOMAIN.md §1.2.

Each deposit year (July 1 by ``deposits.year_start_month``) the base is reset to the employee's average
monthly wage of the previous year. The employer submits a row per employee (personal account number and that
wage) through a form or an XLSX/CSV upload (read by ``core.tabular`` with :data:`COLUMNS`). Every row is checked;
a wage outside the floor and cap of the new year is raised to the floor or lowered to the cap and reported; an
unknown employee, a value that is not a number or is not positive refuses the whole submission with row,
column and reason. Nothing is stored unless every row is valid.

The new bases take effect on the first day of the deposit year: a submission made before it waits
(:class:`BaseAdjustment` "pending") and the daily job :func:`apply_due_adjustments` writes the bases into the
accounts with one statement when the day comes; one made after it is applied at once. Until the job has
run, and for late lists of earlier months, ``deposits.selectors.bases_in_force`` gives the remittance lists
the base of the month.
"""

import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils.translation import gettext as _

from accounts.calculations import clamp_base
from accounts.models import Employer, FundAccount
from core import audit, bounds, policy, tabular
from core.business_date import today
from core.errors import InvalidInput, StateError
from deposits import rules
from deposits.models import BaseAdjustment, BaseAdjustmentLine
from deposits.services.common import account_change_events, user_or_none

ACCOUNT = tabular.Column("account_number", "个人账号", "Account number", max_length=40)
NAME = tabular.Column("name", "姓名", "Name", required=False, max_length=100)
WAGE = tabular.Column("wage", "上年月平均工资", "Average monthly wage last year", max_length=40)
COLUMNS = [ACCOUNT, NAME, WAGE]
ACCOUNT_COLUMN, NAME_COLUMN, WAGE_COLUMN = ACCOUNT.zh, NAME.zh, WAGE.zh
HEADERS = [c.zh for c in COLUMNS]
# Keys accepted in dict rows: the form's names or the file's column titles.
ACCOUNT_KEYS = ("account_number", "account", ACCOUNT_COLUMN)
NAME_KEYS = ("name", NAME_COLUMN)
WAGE_KEYS = ("wage", "average_wage", WAGE_COLUMN)


class BaseRowsInvalid(tabular.RowsInvalid):
    """Rows refused: ``errors`` lists the ``tabular.RowError``; ``fields["rows"]`` the same as text."""

    def __init__(self, errors):
        errors = sorted(errors, key=lambda e: e.row)
        super().__init__(errors, message=_("%(n)d error(s) in the bases; nothing was changed. %(first)s")
                         % {"n": len(errors), "first": errors[0] if errors else ""},
                         summary=_("%(n)d error(s) in the bases; nothing was changed.") % {"n": len(errors)})


def year_start(on) -> datetime.date:
    """First day of the deposit year that starts in the calendar year of ``on`` (July 1 by default): the
    coming one before July, the current one from July on."""
    return datetime.date(on.year, policy.get("deposits.year_start_month", on=on), 1)


def _current_year_start(on) -> datetime.date:
    start = year_start(on)
    return start if start <= on else datetime.date(on.year - 1, start.month, 1)


def _pick(row, keys):
    for key in keys:
        if key in row and row[key] is not None:
            return str(row[key]).strip()
    return ""


def _wage(text):
    """The wage as a Decimal, None when it is not a number; InvalidInput beyond the bounds (core.bounds)."""
    return bounds.parse_number(text)


def parse_base_rows(*, employer, rows, effective_from, errors=()) -> list[dict]:
    """Check dict rows (``account_number``, ``wage``, optional ``name`` and ``row``) against the employer's
    accounts and the floor and cap in force on ``effective_from``. Returns one dict per row with the
    account, the wage, the base before and the new (clamped) base; raises :class:`BaseRowsInvalid` listing
    every problem, with the file's own ``errors`` if given."""
    p = policy.snapshot("deposits.", on=effective_from)
    floor, cap = p["deposits.base_floor"], p["deposits.base_cap"]
    rows = list(rows)
    numbers = [_pick(r, ACCOUNT_KEYS) for r in rows]
    accounts = {a.number: a for a in FundAccount.objects.select_related("depositor").filter(number__in=numbers)}
    errors, parsed, seen = list(errors), [], set()

    def err(rownum, column, reason):
        errors.append(tabular.RowError(rownum, column, str(reason)))

    for i, (row, number) in enumerate(zip(rows, numbers, strict=True), start=2):
        rownum = int(row.get("row") or i)
        account = accounts.get(number)
        if not number:
            err(rownum, ACCOUNT_COLUMN, _("missing"))
        elif account is None or account.employer_id != employer.pk:
            err(rownum, ACCOUNT_COLUMN, _("%(n)s is not an employee of this employer") % {"n": number})
            account = None
        elif account.is_closed:
            err(rownum, ACCOUNT_COLUMN, _("the account is closed"))
            account = None
        elif account.status != FundAccount.Status.NORMAL:
            err(rownum, ACCOUNT_COLUMN, _("the account is %(s)s; only active employees are adjusted")
                % {"s": account.get_status_display()})
            account = None
        elif number in seen:
            err(rownum, ACCOUNT_COLUMN, _("appears twice in the file"))
            account = None
        seen.add(number)
        name = _pick(row, NAME_KEYS)
        if account is not None and name and name != account.depositor.name:
            err(rownum, NAME_COLUMN, _("does not match the account holder %(n)s") % {"n": account.depositor.name})
        text = _pick(row, WAGE_KEYS)
        try:
            wage = _wage(text) if text else None
        except InvalidInput as exc:
            err(rownum, WAGE_COLUMN, exc.message)
            continue
        if not text:
            err(rownum, WAGE_COLUMN, _("missing"))
        elif wage is None:
            err(rownum, WAGE_COLUMN, _("not a number"))
        elif wage <= 0:
            err(rownum, WAGE_COLUMN, _("must be greater than zero"))
        elif wage != wage.quantize(Decimal("0.01")):
            err(rownum, WAGE_COLUMN, _("at most two decimals"))
        elif account is not None:
            new_base = clamp_base(wage, floor, cap)
            clamped = (BaseAdjustmentLine.Clamp.FLOOR if wage < floor
                       else BaseAdjustmentLine.Clamp.CAP if wage > cap else BaseAdjustmentLine.Clamp.NONE)
            parsed.append({"row": rownum, "account": account, "wage": wage, "old_base": account.base,
                           "new_base": new_base, "clamped": clamped})
    if not rows:
        err(1, ACCOUNT_COLUMN, _("The file has no employee rows."))
    if errors:
        raise BaseRowsInvalid(errors)
    return parsed


def template_xlsx(employer) -> bytes:
    """The upload template: one row per active employee with the number and name; the wage is to be filled in."""
    rows = (FundAccount.objects.filter(employer_id=employer.pk, status=FundAccount.Status.NORMAL)
            .order_by("number").values_list("number", "depositor__name"))
    return tabular.write(({"account_number": number, "name": name, "wage": None} for number, name in rows),
                         COLUMNS, "xlsx", title="基数调整", language="zh")


def _effective_from(effective_from, on):
    start = year_start(on)
    if effective_from is None:
        return start
    effective_from = datetime.date(effective_from.year, effective_from.month, 1)
    if effective_from.month != start.month:
        msg = _("The new bases take effect on the first day of a deposit year (%(m)s 1).") % {
            "m": f"{start.month:02d}"}
        raise InvalidInput(msg, code="not_year_start", fields={"effective_from": [msg]})
    if effective_from < _current_year_start(on):
        msg = _("The bases of an earlier deposit year cannot be adjusted any more.")
        raise InvalidInput(msg, code="year_over", fields={"effective_from": [msg]})
    return effective_from


@transaction.atomic
def submit_base_adjustment(*, actor, employer, rows, effective_from=None, source="form",
                           file_errors=()) -> BaseAdjustment:
    """Store the employer's new bases for a deposit year (default: the year starting July 1 of this calendar
    year). Replaces a submission for the same year that is still waiting. Applied at once when the year has
    begun. ``clamped_lines(adjustment)`` (deposits.selectors) is the report of clamped bases."""
    rules.check_employer_actor(actor, employer)
    employer = Employer.objects.select_for_update().get(pk=employer.pk)
    if employer.status in (Employer.Status.CLOSED, Employer.Status.SEALED):
        raise StateError(_("The employer %(e)s is not active.") % {"e": employer.name}, code="employer_inactive")
    on = today()
    effective_from = _effective_from(effective_from, on)
    parsed = parse_base_rows(employer=employer, rows=rows, effective_from=effective_from, errors=file_errors)
    replaced = BaseAdjustment.objects.filter(employer=employer, effective_from=effective_from,
                                             status=BaseAdjustment.Status.PENDING).update(
        status=BaseAdjustment.Status.SUPERSEDED)
    adjustment = BaseAdjustment.objects.create(
        employer=employer, effective_from=effective_from, source=str(source or "")[:40], line_count=len(parsed),
        clamped_count=sum(1 for p in parsed if p["clamped"]), submitted_by=user_or_none(actor))
    BaseAdjustmentLine.objects.bulk_create([BaseAdjustmentLine(adjustment=adjustment, **p) for p in parsed],
                                           batch_size=2000)
    audit.record(actor=actor, action="base_adjustment.submit", obj=adjustment,
                 after={"effective_from": effective_from, "lines": len(parsed),
                        "clamped": adjustment.clamped_count, "replaced": replaced, "source": adjustment.source})
    if effective_from <= on:
        _apply(BaseAdjustment.objects.filter(pk=adjustment.pk), on=on, actor=actor)
        adjustment.refresh_from_db()
    return adjustment


def submit_base_file(*, actor, employer, filename, data, effective_from=None) -> BaseAdjustment:
    """The same from an uploaded XLSX or CSV file (bytes or a file object) with the columns 个人账号, 姓名
    (optional), 上年月平均工资 or their English headers."""
    table = tabular.read(data, columns=COLUMNS, filename=filename)
    rows = [{"row": r.number, **r} for r in table.rows]
    return submit_base_adjustment(actor=actor, employer=employer, rows=rows, effective_from=effective_from,
                                  source=filename, file_errors=table.errors)


def _apply(due, *, on, actor) -> dict:
    """Write the bases of the ``due`` adjustments into the accounts, set-based: a few statements whatever
    the number of accounts. An account takes the line of the latest due adjustment of its current employer."""
    due = due.select_for_update(of=("self",))
    due_ids = list(due.values_list("pk", flat=True))
    if not due_ids:
        return {"adjustments": 0, "accounts": 0}
    lines = BaseAdjustmentLine.objects.filter(adjustment_id__in=due_ids)
    latest = (lines.filter(account_id=OuterRef("pk"), adjustment__employer_id=OuterRef("employer_id"))
              .order_by("-adjustment__effective_from", "-adjustment_id"))
    targets = (FundAccount.objects.filter(Exists(latest)).exclude(status__in=FundAccount.CLOSED_STATUSES))
    # The base before, as it is now (it may have changed since the submission), for late lists of earlier months.
    lines.update(old_base=Subquery(FundAccount.objects.filter(pk=OuterRef("account_id")).values("base")[:1]))
    changed_rows = list(targets.exclude(base=Subquery(latest.values("new_base")[:1]))
                        .values_list("pk", "status", "employer_id"))
    count = targets.update(base=Subquery(latest.values("new_base")[:1]))
    years = sorted({d.year for d in due.values_list("effective_from", flat=True)})
    account_change_events(changed_rows, reason=_("Annual base adjustment %(y)s") % {
        "y": "/".join(str(y) for y in years)}, actor=actor, on=on)
    BaseAdjustment.objects.filter(pk__in=due_ids).update(status=BaseAdjustment.Status.APPLIED, applied_on=on)
    result = {"adjustments": len(due_ids), "accounts": count, "changed": len(changed_rows)}
    audit.record(actor=actor, action="base_adjustment.apply", object_type="deposits.baseadjustment",
                 object_id=due_ids[0] if len(due_ids) == 1 else "", after={**result, "on": on, "ids": due_ids})
    return result


@transaction.atomic
def apply_due_adjustments(*, on=None, actor) -> dict:
    """Daily job: apply every waiting adjustment whose deposit year has begun. Safe to run twice."""
    on = on or today()
    due = BaseAdjustment.objects.filter(status=BaseAdjustment.Status.PENDING, effective_from__lte=on)
    return _apply(due, on=on, actor=actor)

