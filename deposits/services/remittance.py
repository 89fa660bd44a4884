"""Remittances (汇缴) and supplementary payments (补缴): lists, confirmation, matching the money,
set-based posting, suspense allocation, corrections (错缴更正) and refunds (退缴).

Money enters the center only through bank statement lines: a payment quoting the list's reference
with the exact amount posts the list; anything else is parked in suspense (暂收未分摊) and a clerk
allocates it later.
"""

import datetime
import re
from collections import defaultdict
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts import rules
from accounts.contributions import monthly_parts
from accounts.models import Employer, FundAccount
from core import audit, policy, roles
from core.business_date import today
from core.errors import ApplicationError, Conflict, Forbidden, InvalidInput, StateError
from core.money import ZERO, format_yuan
from core.translatable import StoredText
from deposits import rules as deposit_rules
from deposits import selectors
from deposits.models import RemittanceLine, RemittanceList
from deposits.services import interest, remittance_files
from ledger import services as ledger_services
from ledger.models import Account, BankStatementLine
from ledger.posting import credit, debit, lock_accounts, post

WRITE_ROLES = roles.ACCOUNT_WRITE_ROLES
STATEMENT_ROLES = (*roles.ACCOUNT_WRITE_ROLES, roles.FINANCE)


def month_start(value) -> datetime.date:
    return datetime.date(value.year, value.month, 1)


def add_months(month: datetime.date, n: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + n
    return datetime.date(index // 12, index % 12 + 1, 1)


def check_actor(actor, employer: Employer):
    """Staff with a write role, or an agent of this employer."""
    if roles.is_system(actor) or roles.has_role(actor, *WRITE_ROLES):
        return
    agent = getattr(actor, "employer_agent", None) if roles.has_role(actor, roles.EMPLOYER_AGENT) else None
    if agent is None or agent.employer_id != employer.pk:
        raise Forbidden(_("You may only handle your own employer's remittances."))


def _lock_list(remittance) -> RemittanceList:
    return RemittanceList.objects.select_for_update(of=("self",)).select_related("employer").get(pk=remittance.pk)


def _require_status(remittance, *statuses):
    if remittance.status not in statuses:
        raise StateError(_("The remittance list %(r)s is %(s)s; this action is not possible.")
                         % {"r": remittance.reference, "s": remittance.get_status_display()})


def _line_values(account, month, base, employee_ratio, employer_ratio, rounding):
    """Field values of a line; ``account`` is a FundAccount or its id."""
    employee, employer = monthly_parts(base, employee_ratio, employer_ratio, rounding)
    return dict(account_id=getattr(account, "pk", account), month=month, base=base, employee_ratio=employee_ratio,
                employer_ratio=employer_ratio, employee_amount=employee, employer_amount=employer,
                amount=employee + employer)


def _refresh_totals(remittance):
    lines = list(remittance.lines.values_list("account_id", "employee_amount", "employer_amount"))
    remittance.employee_total = sum((x[1] for x in lines), ZERO)
    remittance.employer_total = sum((x[2] for x in lines), ZERO)
    remittance.total = remittance.employee_total + remittance.employer_total
    remittance.headcount = len({x[0] for x in lines})
    remittance.save(update_fields=["employee_total", "employer_total", "total", "headcount"])


def _reference(employer, kind, month):
    prefix = "HJ" if kind == RemittanceList.Kind.REGULAR else "BJ"
    base = f"{prefix}{employer.account_number}{month:%Y%m}"
    if not RemittanceList.objects.filter(reference=base).exists():
        return base
    n = RemittanceList.objects.filter(reference__startswith=base).count() + 1
    return f"{base}-{n}"


def _paid_months(account_ids, months):
    return set(RemittanceLine.objects.filter(account_id__in=account_ids, month__in=months, posted=True)
               .values_list("account_id", "month"))


@transaction.atomic
def generate_list(*, actor, employer: Employer, month) -> RemittanceList:
    """The list for a month from the employer's active accounts: base × each ratio, rounded per part."""
    check_actor(actor, employer)
    employer = Employer.objects.select_for_update().get(pk=employer.pk)
    month = month_start(month)
    if employer.status == Employer.Status.CLOSED:
        raise StateError(_("The employer is closed."))
    if month > month_start(today()):
        raise InvalidInput(_("A list cannot be made for a future month."), fields={"month": [_("Future month.")]})
    deposit_rules.check_month_not_deferred(employer, month)
    live = employer.remittance_lists.filter(kind=RemittanceList.Kind.REGULAR, month=month,
                                            status__in=["draft", "confirmed", "posted"]).first()
    if live:
        raise Conflict(_("The list for %(m)s already exists: %(r)s (%(s)s).")
                       % {"m": f"{month:%Y-%m}", "r": live.reference, "s": live.get_status_display()},
                       code="list_exists")
    rounding = policy.get("deposits.rounding", on=month)
    remittance = RemittanceList.objects.create(employer=employer, month=month, kind=RemittanceList.Kind.REGULAR,
                                               reference=_reference(employer, "1", month),
                                               created_by=_user(actor))
    ids = employer.accounts.filter(status=FundAccount.Status.NORMAL).values("pk")  # a subquery, not a list of ids
    _insert_lines(remittance, ids, [month], rounding)
    _refresh_totals(remittance)
    audit.record(actor=actor, action="remittance.generate", obj=remittance,
                 after={"month": month, "headcount": remittance.headcount, "total": remittance.total})
    return remittance


def _insert_lines(remittance, account_ids, months, rounding):
    """The lines of ``account_ids`` (a queryset of ids or a list) for ``months`` in one INSERT … SELECT, without
    the account-months already paid: the base of the month (:func:`selectors.bases_in_force`, an annual
    adjustment, else the account's base) times each ratio, each part rounded by the database function of
    :mod:`accounts.contributions`, the one implementation of the rule."""
    bases = selectors.bases_in_force(account_ids, months)  # annual adjustment (DOMAIN.md §1.2)
    keys = sorted(bases)
    if hasattr(account_ids, "query"):
        id_sql, id_params = account_ids.query.sql_with_params()
    else:
        id_sql, id_params = "SELECT unnest(%s::bigint[])", [list(account_ids)]
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO deposits_remittanceline (remittance_id, account_id, month, base, employee_ratio,"
            " employer_ratio, employee_amount, employer_amount, amount, posted)"
            " SELECT %s, a.id, m.month, p.base, a.employee_ratio, a.employer_ratio, p.ee, p.er, p.ee + p.er, false"
            " FROM accounts_fundaccount a CROSS JOIN unnest(%s::date[]) AS m(month)"
            " LEFT JOIN unnest(%s::bigint[], %s::date[], %s::numeric[]) AS b(account_id, month, base)"
            "  ON b.account_id = a.id AND b.month = m.month"
            " CROSS JOIN LATERAL (SELECT COALESCE(b.base, a.base) AS base) AS q"
            " CROSS JOIN LATERAL (SELECT q.base, fund_contribution_part(q.base, a.employee_ratio, %s) AS ee,"
            "                            fund_contribution_part(q.base, a.employer_ratio, %s) AS er) p"
            f" WHERE a.id IN ({id_sql})"
            " AND NOT EXISTS (SELECT 1 FROM deposits_remittanceline x WHERE x.account_id = a.id AND x.month = m.month"
            "                 AND x.posted)"
            " ORDER BY a.id, m.month",
            [remittance.pk, list(months), [k[0] for k in keys], [k[1] for k in keys], [bases[k] for k in keys],
             rounding, rounding, *id_params])


def _user(actor):
    return actor if getattr(actor, "pk", None) else None


def _account_of_employer(employer, number):
    account = FundAccount.objects.select_related("depositor").filter(number=str(number).strip()).first()
    if account is None or account.employer_id != employer.pk:
        raise InvalidInput(_("Account %(n)s is not an employee account of this employer.") % {"n": number},
                           code="unknown_employee", fields={"account": [_("Unknown employee.")]})
    if account.is_closed:
        raise StateError(_("Account %(n)s is closed.") % {"n": number})
    return account


@transaction.atomic
def set_line(*, actor, remittance, account_number, base=None, employee_ratio=None, employer_ratio=None,
             month=None) -> RemittanceLine:
    """Add an employee to a draft list, or correct a line's base or ratios within the policy bounds."""
    remittance = _lock_list(remittance)
    check_actor(actor, remittance.employer)
    _require_status(remittance, RemittanceList.Status.DRAFT)
    account = _account_of_employer(remittance.employer, account_number)
    month = month_start(month or remittance.month)
    if (account.pk, month) in _paid_months([account.pk], [month]):
        raise Conflict(_("%(m)s is already paid for account %(n)s.") % {"m": f"{month:%Y-%m}", "n": account.number},
                       code="month_paid")
    on = remittance.month
    base = rules.check_base(base if base is not None else account.base, on=on)
    employee_ratio = rules.check_ratio(employee_ratio if employee_ratio is not None else account.employee_ratio,
                                       on=on, field="employee_ratio")
    employer_ratio = rules.check_ratio(employer_ratio if employer_ratio is not None else account.employer_ratio,
                                       on=on, field="employer_ratio")
    values = _line_values(account, month, base, employee_ratio, employer_ratio, policy.get("deposits.rounding", on=on))
    line, _created = RemittanceLine.objects.update_or_create(remittance=remittance, account=account, month=month,
                                                             defaults=values)
    _refresh_totals(remittance)
    audit.record(actor=actor, action="remittance.set_line", obj=remittance,
                 after={"account": account.number, "base": base, "amount": line.amount})
    return line


@transaction.atomic
def remove_line(*, actor, remittance, account_number, month=None):
    remittance = _lock_list(remittance)
    check_actor(actor, remittance.employer)
    _require_status(remittance, RemittanceList.Status.DRAFT)
    qs = remittance.lines.filter(account__number=account_number)
    if month:
        qs = qs.filter(month=month_start(month))
    deleted, _unused = qs.delete()
    if not deleted:
        raise InvalidInput(_("Account %(n)s is not on this list.") % {"n": account_number})
    _refresh_totals(remittance)
    audit.record(actor=actor, action="remittance.remove_line", obj=remittance, after={"account": account_number})
    return remittance


@transaction.atomic
def replace_lines(*, actor, remittance, rows) -> RemittanceList:
    """Replace a draft list's lines with validated upload rows (see deposits.uploads)."""
    remittance = _lock_list(remittance)
    check_actor(actor, remittance.employer)
    _require_status(remittance, RemittanceList.Status.DRAFT)
    rounding = policy.get("deposits.rounding", on=remittance.month)
    remittance.lines.all().delete()
    RemittanceLine.objects.bulk_create([
        RemittanceLine(remittance=remittance, **_line_values(r["account"], r.get("month") or remittance.month,
                                                             r["base"], r["employee_ratio"], r["employer_ratio"],
                                                             rounding))
        for r in rows
    ], batch_size=2000)
    _refresh_totals(remittance)
    audit.record(actor=actor, action="remittance.upload", obj=remittance,
                 after={"rows": len(rows), "total": remittance.total})
    return remittance


@transaction.atomic
def confirm_list(*, actor, remittance) -> RemittanceList:
    """Confirm the list: the total becomes the amount due, to be paid quoting the reference."""
    remittance = _lock_list(remittance)
    check_actor(actor, remittance.employer)
    _require_status(remittance, RemittanceList.Status.DRAFT)
    if not remittance.lines.exists():
        raise StateError(_("The list has no employees; nothing to confirm."), code="empty_list")
    remittance.status = RemittanceList.Status.CONFIRMED
    remittance.confirmed_at = timezone.now()
    remittance.confirmed_by = _user(actor)
    remittance.save(update_fields=["status", "confirmed_at", "confirmed_by"])
    audit.record(actor=actor, action="remittance.confirm", obj=remittance, after={"total": remittance.total})
    return remittance


@transaction.atomic
def cancel_list(*, actor, remittance) -> RemittanceList:
    remittance = _lock_list(remittance)
    check_actor(actor, remittance.employer)
    _require_status(remittance, RemittanceList.Status.DRAFT, RemittanceList.Status.CONFIRMED)
    remittance.status = RemittanceList.Status.CANCELLED
    remittance.save(update_fields=["status"])
    audit.record(actor=actor, action="remittance.cancel", obj=remittance)
    return remittance


def _post(remittance, *, source_account_id, actor, memo, value_date):
    """One set-based entry: debit the source (bank or suspense), credit every employee's account, dated the day
    the bank received the money (:func:`deposits.services.interest.booking_date`)."""
    per_account = defaultdict(Decimal)
    for ledger_account_id, amount in remittance.lines.order_by("account_id", "month").values_list(
            "account__ledger_account_id", "amount"):
        per_account[ledger_account_id] += amount
    journal = [debit(source_account_id, remittance.total, remittance.reference)]
    journal += [credit(acc_id, amount, remittance.reference) for acc_id, amount in per_account.items()]
    entry = post(lines=journal, memo=memo, actor=actor, idempotency_key=f"remittance:{remittance.pk}",
                 business_date=interest.booking_date(value_date),
                 business_type="01" if remittance.kind == RemittanceList.Kind.REGULAR else "02",
                 source=f"remittance:{remittance.pk}")
    try:
        with transaction.atomic():
            remittance.lines.update(posted=True)
    except IntegrityError as exc:
        # Another list paying one of these account-months was posted at the same moment (its commit came after
        # our check): the database's unique index refuses the second; the caller's transaction rolls back.
        _check_months_unpaid(remittance)
        raise Conflict(_("A month on this list was paid by another list at the same time; nothing was posted."),
                       code="month_paid") from exc
    remittance.status = RemittanceList.Status.POSTED
    remittance.entry = entry
    remittance.save(update_fields=["status", "entry"])
    _advance_paid_up_to(remittance)
    return entry


def _advance_paid_up_to(remittance):
    """Move paid-up-to months forward (set-based) for the accounts and the employer of a posted list."""
    months = sorted(set(remittance.lines.values_list("month", flat=True)))
    for month in months:
        ids = remittance.lines.filter(month=month).values("account_id")
        FundAccount.objects.filter(pk__in=ids).filter(Q(paid_up_to__isnull=True) | Q(paid_up_to__lt=month)).update(
            paid_up_to=month)
    _refresh_employer_paid_up_to(remittance.employer_id)


def _refresh_employer_paid_up_to(employer_id):
    """The employer's paid-up-to month (缴至年月): the end of the unbroken run of months with a posted monthly
    list, from its first one, so paying a later month never hides an unpaid earlier one. Supplementary
    payments for months after it are counted by arrears detection month by month."""
    months = sorted(set(RemittanceList.objects.filter(employer_id=employer_id, kind=RemittanceList.Kind.REGULAR,
                                                      status=RemittanceList.Status.POSTED)
                        .values_list("month", flat=True)))
    paid_up_to = None
    for month in months:
        if paid_up_to is not None and month != add_months(paid_up_to, 1):
            break
        paid_up_to = month
    Employer.objects.filter(pk=employer_id).update(paid_up_to=paid_up_to)


def _check_months_unpaid(remittance):
    """Refuse a list that covers an account-month another posted line already paid (one join, no id lists)."""
    clash = (RemittanceLine.objects.filter(posted=True).exclude(remittance=remittance)
             .filter(Exists(remittance.lines.filter(account_id=OuterRef("account_id"), month=OuterRef("month"))))
             .values_list("account__number", "month").first())
    if clash:
        number, month = clash
        raise Conflict(_("%(m)s is already paid for account %(n)s.") % {"m": f"{month:%Y-%m}", "n": number},
                       code="month_paid")


@transaction.atomic
def pay_from_statement(*, actor, remittance, line: BankStatementLine) -> RemittanceList:
    """Money arrived on the bank statement for this list: post it."""
    roles.require_role(actor, *STATEMENT_ROLES)
    remittance = _lock_list(remittance)
    if remittance.status == RemittanceList.Status.POSTED and remittance.paid_by_id == line.pk:
        return remittance  # the same payment again: nothing more to post
    _require_status(remittance, RemittanceList.Status.CONFIRMED)
    line = ledger_services.lock_receipt(line, actor=actor)
    if line.amount != remittance.total:
        raise InvalidInput(_("The payment of %(p)s does not equal the amount due %(d)s.")
                           % {"p": format_yuan(line.amount), "d": format_yuan(remittance.total)}, code="amount")
    _check_months_unpaid(remittance)
    entry = _post(remittance, source_account_id=line.bank_account.ledger_account_id, actor=actor,
                  memo=StoredText(gettext_noop("Remittance %(r)s"), r=remittance.reference), value_date=line.value_date)
    ledger_services.mark_booked(line, entry)
    remittance.paid_by = line
    remittance.save(update_fields=["paid_by"])
    audit.record(actor=actor, action="remittance.post", obj=remittance,
                 after={"bank_reference": line.bank_reference, "total": remittance.total})
    return remittance


@transaction.atomic
def allocate_from_suspense(*, actor, remittance, suspense: Account | None = None) -> RemittanceList:
    """Post a confirmed list from money parked in suspense (the employer's, or the general one)."""
    remittance = _lock_list(remittance)
    roles.require_role(actor, *WRITE_ROLES)
    _require_status(remittance, RemittanceList.Status.CONFIRMED)
    suspense = suspense or remittance.employer.suspense_account
    if suspense.role != Account.Role.SUSPENSE:
        raise InvalidInput(_("Money can only be allocated from a suspense account."))
    available = lock_accounts([suspense.pk])[suspense.pk].available
    if available < remittance.total:
        raise StateError(_("Suspense holds %(a)s, less than the %(d)s due.")
                         % {"a": format_yuan(available), "d": format_yuan(remittance.total)},
                         code="insufficient_funds")
    _check_months_unpaid(remittance)
    _post(remittance, source_account_id=suspense.pk, actor=actor,
          memo=StoredText(gettext_noop("Remittance %(r)s allocated from suspense"), r=remittance.reference),
          value_date=_received_by(suspense.pk, remittance.total))
    audit.record(actor=actor, action="remittance.allocate", obj=remittance, after={"suspense": suspense.code})
    return remittance


def _received_by(suspense_id, amount) -> datetime.date:
    """The day the money of ``amount`` taken now from a suspense account had arrived: its credits are used first in,
    first out, so it is the date on which they covered everything taken before plus ``amount``."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT business_date FROM (SELECT business_date, SUM(amount) OVER (ORDER BY business_date, id) AS cum"
            " FROM ledger_journalline WHERE account_id = %s AND side = 'C') AS c"
            " WHERE cum >= (SELECT COALESCE(SUM(amount), 0) FROM ledger_journalline WHERE account_id = %s"
            " AND side = 'D') + %s ORDER BY cum LIMIT 1", [suspense_id, suspense_id, amount])
        row = cur.fetchone()
    return row[0] if row else today()


def match_incoming(*, actor, id_range=None) -> dict:
    """Book every unmatched incoming bank line: a confirmed list whose reference is quoted and whose total
    equals the amount posts; money from a known employer goes to its suspense; the rest to general suspense.
    A line whose list cannot be posted (e.g. a month paid meanwhile) is parked in suspense and reported.
    ``id_range`` (lo, hi): only the lines with those ids (a chunk of a background matching run)."""
    roles.require_role(actor, *STATEMENT_ROLES)
    result = {"posted": 0, "employer_suspense": 0, "general_suspense": 0, "problems": []}
    # Lines of a statement file not yet confirmed, or imported by the actor, wait for someone else.
    lines = ledger_services.receipts_usable_by(actor)
    if id_range is not None:
        lines = lines.filter(pk__gte=id_range[0], pk__lte=id_range[1])
    for line in lines.order_by("pk"):
        remittance = _find_list(line)
        if remittance is not None:
            try:
                with transaction.atomic():
                    pay_from_statement(actor=actor, remittance=remittance, line=line)
                result["posted"] += 1
                continue
            except ApplicationError as exc:
                result["problems"].append(f"{line.bank_reference}: {exc.message}")
        employer = _find_employer(line) or (remittance.employer if remittance else None)
        ledger_services.book_to_suspense(line=line, actor=actor,
                                         suspense=employer.suspense_account if employer else None)
        result["employer_suspense" if employer else "general_suspense"] += 1
    return result


REFERENCE_RE = re.compile(r"(?:HJ|BJ)[0-9X]{6,30}(?:-\d+)?")


def _find_list(line):
    text = f"{line.remark} {line.counterparty_name}".upper()
    for token in REFERENCE_RE.findall(text):
        remittance = RemittanceList.objects.filter(reference=token, status="confirmed").first()
        if remittance and remittance.total == line.amount:
            return remittance
    return None


def _find_employer(line):
    if line.counterparty_name:
        return Employer.objects.filter(name=line.counterparty_name.strip()).exclude(status="04").first()
    return None


@transaction.atomic
def supplementary_list(*, actor, employer, months, account_numbers=None, reason) -> RemittanceList:
    """A supplementary payment (补缴) covering missed months for some or all active employees."""
    check_actor(actor, employer)
    if not reason or not str(reason).strip():
        raise InvalidInput(_("Give the reason for the supplementary payment."), fields={"reason": [_("Required.")]})
    months = sorted({month_start(m) for m in months})
    if not months:
        raise InvalidInput(_("Choose at least one month."), fields={"months": [_("Required.")]})
    if months[-1] > month_start(today()):
        raise InvalidInput(_("A supplementary payment cannot cover a future month."))
    qs = employer.accounts.exclude(status__in=FundAccount.CLOSED_STATUSES)
    qs = qs.filter(number__in=account_numbers) if account_numbers else qs.filter(status=FundAccount.Status.NORMAL)
    accounts = list(qs.order_by("pk"))
    if account_numbers and len(accounts) != len(set(account_numbers)):
        missing = sorted(set(account_numbers) - {a.number for a in accounts})
        raise InvalidInput(_("Not employees of this employer: %(n)s.") % {"n": ", ".join(missing)},
                           code="unknown_employee")
    paid = _paid_months([a.pk for a in accounts], months)
    if paid and account_numbers:
        account_id, month = sorted(paid)[0]
        number = next(a.number for a in accounts if a.pk == account_id)
        raise Conflict(_("%(m)s is already paid for account %(n)s.") % {"m": f"{month:%Y-%m}", "n": number},
                       code="month_paid")
    rounding = policy.get("deposits.rounding", on=months[0])
    remittance = RemittanceList.objects.create(
        employer=employer, month=months[0], kind=RemittanceList.Kind.SUPPLEMENTARY, reason=str(reason).strip(),
        reference=_reference(employer, "2", months[0]), created_by=_user(actor))
    _insert_lines(remittance, [a.pk for a in accounts], months, rounding)
    _refresh_totals(remittance)
    if not remittance.headcount:
        raise Conflict(_("Every chosen month is already paid; there is nothing to pay."), code="month_paid")
    audit.record(actor=actor, action="remittance.supplementary", obj=remittance,
                 after={"months": [f"{m:%Y-%m}" for m in months], "total": remittance.total})
    return remittance


@transaction.atomic
def reverse_list(*, actor, remittance, reason) -> RemittanceList:
    """Correct a wrong remittance (错缴更正): take the credits back from the employees' accounts into the
    employer's suspense, from where a corrected list is allocated or the money refunded (退缴)."""
    roles.require_role(actor, *WRITE_ROLES)
    remittance = _lock_list(remittance)
    _require_status(remittance, RemittanceList.Status.POSTED)
    if not reason or not str(reason).strip():
        raise InvalidInput(_("Give the reason for the correction."), fields={"reason": [_("Required.")]})
    per_account = defaultdict(Decimal)
    for acc_id, amount in remittance.lines.values_list("account__ledger_account_id", "amount"):
        per_account[acc_id] += amount
    journal = [debit(acc_id, amount, remittance.reference) for acc_id, amount in per_account.items()]
    journal.append(credit(remittance.employer.suspense_account_id, remittance.total, remittance.reference))
    # dated like the credit it takes back, so the wrong money earned no interest (within the unsettled years)
    entry = post(lines=journal, memo=StoredText(gettext_noop("Correction of remittance %(r)s: %(why)s"),
                                                 r=remittance.reference, why=reason), actor=actor,
                 business_date=interest.booking_date(remittance.entry.business_date),
                 idempotency_key=f"remittance-reversal:{remittance.pk}", business_type="73",
                 source=f"remittance:{remittance.pk}")
    remittance.lines.update(posted=False)
    remittance.status = RemittanceList.Status.REVERSED
    remittance.reversal_entry = entry
    remittance.save(update_fields=["status", "reversal_entry"])
    _recompute_paid_up_to(remittance)
    audit.record(actor=actor, action="remittance.reverse", obj=remittance, after={"reason": reason})
    return remittance


def _recompute_paid_up_to(remittance):
    ids = list(remittance.lines.values_list("account_id", flat=True).distinct())
    latest = dict(RemittanceLine.objects.filter(account_id__in=ids, posted=True).values("account_id")
                  .annotate(m=Max("month")).values_list("account_id", "m"))
    by_month = defaultdict(list)  # one UPDATE per distinct month, not per account
    for account_id in ids:
        by_month[latest.get(account_id)].append(account_id)
    for month, account_ids in by_month.items():
        FundAccount.objects.filter(pk__in=account_ids).update(paid_up_to=month)
    _refresh_employer_paid_up_to(remittance.employer_id)


@transaction.atomic
def refund_suspense(*, actor, employer, amount, payee_account, payee_name, reason):
    """Refund an overpayment (退缴) from the employer's suspense to its bank account."""
    roles.require_role(actor, *WRITE_ROLES)
    amount = Decimal(str(amount))
    if amount <= 0:
        raise InvalidInput(_("The amount must be greater than zero."), fields={"amount": [_("Must be positive.")]})
    bank = ledger_services.default_bank_account()
    return ledger_services.create_payment(
        from_account=employer.suspense_account, amount=amount, bank_account=bank, payee_name=payee_name,
        payee_account=payee_account, purpose=StoredText(gettext_noop("Refund of overpayment: %(r)s"), r=reason),
        actor=actor,
        business_type="05", source=f"employer:{employer.pk}")



@transaction.atomic
def upload_list(*, actor, remittance, filename, data) -> RemittanceList:
    """Replace a draft list from an uploaded file (bytes or a file object; XLSX or CSV with the template's
    columns); nothing changes unless every row is valid."""
    check_actor(actor, remittance.employer)
    table = remittance_files.read_upload(data, filename=filename)
    rows = remittance_files.validate(employer=remittance.employer, month=remittance.month, table=table)
    return replace_lines(actor=actor, remittance=remittance, rows=rows)


@transaction.atomic
def replace_from_rows(*, actor, remittance, rows) -> RemittanceList:
    """Replace a draft list from dict rows given through the API (keys of ``remittance_files.COLUMNS``; the
    same checks as an upload)."""
    check_actor(actor, remittance.employer)
    rows = remittance_files.validate(employer=remittance.employer, month=remittance.month,
                                     table=remittance_files.rows_from_lines(rows))
    return replace_lines(actor=actor, remittance=remittance, rows=rows)
