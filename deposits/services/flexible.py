"""Flexible workers (灵活就业人员自愿缴存), DOMAIN.md §1.9.

A flexible worker deposits alone: the account has ``kind=flexible`` and no employer, a declared base inside
the floor and cap, one combined ratio of ``deposits.flexible_ratio_min``–``max`` (10–24%) and at least
``deposits.flexible_min_amount`` (¥110) a month. The combined ratio is stored as the account's
``employee_ratio`` with ``employer_ratio = 0``: the person pays both sides, ``monthly_parts`` then gives the
monthly amount as one part rounded once, and every reader of the ratios (lists, certificates, interest) works
unchanged.

One person, one account (DOMAIN.md §1.1): a person with an open account cannot register; a person whose
account is sealed (封存, after leaving an employer) continues in that account, which becomes a flexible one.

Deposits: remittance lists belong to an employer, so a flexible worker's payment is a
:class:`FlexibleDeposit` (one bank statement line, one journal entry: bank → personal account) with a
:class:`FlexibleDepositMonth` per month covered, the counterpart of a posted remittance line (one posted row
per account and month; ``deposits.selectors`` reads both for continuity and gaps).
"""

from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts import rules as account_rules
from accounts import services as account_services
from accounts.contributions import monthly_parts
from accounts.models import AccountEvent, Depositor, FundAccount
from core import audit, numbering, policy, roles
from core.business_date import today
from core.errors import Conflict, Forbidden, InvalidInput, StateError
from core.money import ZERO, format_yuan
from core.translatable import StoredText
from deposits.models import FlexibleDeposit, FlexibleDepositMonth
from deposits.selectors import covered_months
from deposits.services import interest
from deposits.services.common import user_or_none
from deposits.services.remittance import month_start
from ledger import services as ledger_services
from ledger.models import Account, BankStatementLine, JournalLine, Side
from ledger.posting import credit, debit, post

ZERO_RATIO = Decimal("0")
DEPOSIT_ROLES = (*roles.ACCOUNT_WRITE_ROLES, roles.FINANCE)


def _pct(ratio):
    return f"{(Decimal(ratio) * 100).normalize():f}"


def check_terms(*, base, ratio, on=None) -> tuple[Decimal, Decimal, Decimal]:
    """(base, ratio, monthly amount) if the declared base, the combined ratio and the amount are allowed."""
    p = policy.snapshot("deposits.", on=on)
    base = account_rules.check_base(base, on=on)
    try:
        ratio = Decimal(str(ratio))
    except (InvalidOperation, ValueError):
        ratio = None
    if ratio is None or not ratio.is_finite():
        msg = _("The ratio must be a number.")
        raise InvalidInput(msg, fields={"ratio": [msg]})
    lo, hi = p["deposits.flexible_ratio_min"], p["deposits.flexible_ratio_max"]
    if not lo <= ratio <= hi:
        msg = _("A flexible worker's ratio must be between %(lo)s%% and %(hi)s%% of the base; %(r)s%% is not "
                "allowed.") % {"lo": _pct(lo), "hi": _pct(hi), "r": _pct(ratio)}
        raise InvalidInput(msg, code="ratio_out_of_range", fields={"ratio": [msg]})
    if p["deposits.ratio_whole_percent"] and ratio * 100 != (ratio * 100).to_integral_value():
        msg = _("The ratio must be a whole percentage.")
        raise InvalidInput(msg, code="ratio_not_whole", fields={"ratio": [msg]})
    amount = sum(monthly_parts(base, ratio, ZERO_RATIO, p["deposits.rounding"]))
    minimum = p["deposits.flexible_min_amount"]
    if amount < minimum:
        msg = _("The monthly deposit of ¥%(a)s is below the minimum of ¥%(m)s for flexible workers; declare a "
                "higher base or ratio.") % {"a": format_yuan(amount), "m": format_yuan(minimum)}
        raise InvalidInput(msg, code="below_minimum", fields={"ratio": [msg]})
    return base, ratio, amount


def _check_registrant(actor, depositor):
    if roles.is_system(actor) or roles.has_role(actor, *roles.ACCOUNT_WRITE_ROLES):
        return
    own = getattr(actor, "depositor", None) if roles.has_role(actor, roles.DEPOSITOR) else None
    if own is None or depositor is None or own.pk != depositor.pk:
        raise Forbidden(_("You may only register yourself as a flexible worker."))


def _find_or_register(actor, *, name, id_number, phone, marital_status, local_hukou, children):
    if not id_number:
        msg = _("Give the ID number of the person.")
        raise InvalidInput(msg, code="required", fields={"id_number": [msg]})
    id_number = account_services.validated_id(id_number)
    found = Depositor.objects.filter(id_number=id_number).first()
    if found is None:
        return account_services.register_depositor(actor=actor, name=name, id_number=id_number, phone=phone,
                                                   marital_status=marital_status, local_hukou=local_hukou,
                                                   children=children)
    if found.name != (name or "").strip():
        msg = _("This ID number is registered under another name (%(n)s); check the name and the ID number.") % {
            "n": found.name}
        raise InvalidInput(msg, code="name_mismatch", fields={"name": [msg]})
    return found


@transaction.atomic
def register_flexible(*, actor, base, ratio, depositor=None, name="", id_number="", phone="",
                      marital_status=Depositor.Marital.SINGLE, local_hukou=True, children=0) -> FundAccount:
    """Open a flexible worker's account at the counter (a clerk, for a new or known person) or in the
    portal (the depositor for themself). A sealed account of the person becomes the flexible account."""
    if depositor is None and actor is not None and roles.has_role(actor, roles.DEPOSITOR) \
            and not roles.has_role(actor, *roles.ACCOUNT_WRITE_ROLES):
        depositor = getattr(actor, "depositor", None)
    _check_registrant(actor, depositor)
    on = today()
    base, ratio, amount = check_terms(base=base, ratio=ratio, on=on)
    if depositor is None:
        depositor = _find_or_register(actor, name=name, id_number=id_number, phone=phone,
                                      marital_status=marital_status, local_hukou=local_hukou, children=children)
    depositor = Depositor.objects.select_for_update().get(pk=depositor.pk)
    existing = (FundAccount.objects.select_for_update(of=("self",)).filter(depositor=depositor)
                .exclude(status__in=FundAccount.CLOSED_STATUSES).first())
    if existing is not None and existing.status != FundAccount.Status.SEALED:
        msg = _("%(n)s already has the open account %(a)s; one person may have only one account.") % {
            "n": depositor.name, "a": existing.number}
        raise Conflict(msg, code="account_exists", fields={"id_number": [msg]})
    if existing is not None:
        account = existing
        before = {"status": account.status, "kind": account.kind, "employer": account.employer_id,
                  "base": account.base}
        account.kind, account.employer, account.status = FundAccount.Kind.FLEXIBLE, None, FundAccount.Status.NORMAL
        account.base, account.employee_ratio, account.employer_ratio = base, ratio, ZERO_RATIO
        account.sealed_on, account.seal_reason = None, ""
        account.save()
        AccountEvent.objects.create(account=account, business_type=AccountEvent.BusinessType.UNSEAL,
                                    from_status=FundAccount.Status.SEALED, to_status=account.status, employer=None,
                                    business_date=on, reason=_("Continued as a flexible worker"),
                                    actor=user_or_none(actor))
        audit.record(actor=actor, action="flexible.register", obj=account, before=before,
                     after={"kind": account.kind, "base": base, "ratio": ratio, "monthly": amount})
        return account
    (number,) = numbering.next_numbers(numbering.PERSONAL)
    try:
        with transaction.atomic():
            account = FundAccount.objects.create(
                number=number, depositor=depositor, employer=None, kind=FundAccount.Kind.FLEXIBLE, base=base,
                employee_ratio=ratio, employer_ratio=ZERO_RATIO, opened_on=on,
                ledger_account=account_services.open_ledger_account(number, depositor.name, on))
    except IntegrityError as exc:  # a concurrent registration of the same person
        raise Conflict(_("%(n)s already has an open account.") % {"n": depositor.name},
                       code="account_exists") from exc
    AccountEvent.objects.create(account=account, business_type=AccountEvent.BusinessType.OPEN, from_status="",
                                to_status=account.status, employer=None, business_date=on,
                                reason=_("Flexible worker"), actor=user_or_none(actor))
    audit.record(actor=actor, action="flexible.register", obj=account,
                 after={"number": number, "base": base, "ratio": ratio, "monthly": amount})
    return account


def _reference(account, month):
    base = f"LH{account.number}{month:%Y%m}"
    n = FlexibleDeposit.objects.filter(reference__startswith=base).count()
    return base if n == 0 else f"{base}-{n + 1}"


def _source_account(line) -> int:
    """The ledger account the money is taken from: the bank for a line not booked yet, or the suspense account
    a line was parked in by the matching run (暂收未分摊)."""
    if line.direction == BankStatementLine.Direction.CREDIT:
        if line.match_status == BankStatementLine.Match.UNMATCHED:
            return line.bank_account.ledger_account_id
        if line.match_status == BankStatementLine.Match.SUSPENSE and line.entry_id:
            suspense = (JournalLine.objects.filter(entry_id=line.entry_id, side=Side.CREDIT,
                                                   account__role=Account.Role.SUSPENSE)
                        .values_list("account_id", flat=True).first())
            if suspense:
                return suspense
    raise StateError(_("This bank line is already booked or is not money received."), code="line_booked")


@transaction.atomic
def flexible_deposit(*, actor, account, months, statement_line) -> FlexibleDeposit:
    """Book a flexible worker's payment that arrived on the bank statement for ``months``: the amount must
    equal base × ratio (rounded per policy) for each month. Posts bank → personal account (or suspense →
    personal account when the matching run parked the line in suspense) and records the months paid. The
    same bank line again for the same months returns the first deposit."""
    roles.require_role(actor, *DEPOSIT_ROLES)
    account = (FundAccount.objects.select_for_update(of=("self",)).select_related("depositor", "ledger_account")
               .get(pk=account.pk))
    line = (BankStatementLine.objects.select_for_update(of=("self",)).select_related("bank_account")
            .get(pk=statement_line.pk))
    if line.match_status == BankStatementLine.Match.UNMATCHED:  # the statement's rules (confirmed, someone else)
        line = ledger_services.lock_receipt(line, actor=actor)
    months = sorted({month_start(m) for m in months or ()})
    done = FlexibleDeposit.objects.filter(statement_line=line).first()
    if done is not None:
        if done.account_id == account.pk and sorted(done.lines.values_list("month", flat=True)) == months:
            return done
        raise Conflict(_("This bank line already paid the deposit %(r)s.") % {"r": done.reference},
                       code="line_used")
    if account.kind != FundAccount.Kind.FLEXIBLE:
        raise StateError(_("Account %(n)s is not a flexible worker's account; its employer pays with a "
                           "remittance list.") % {"n": account.number}, code="not_flexible")
    if account.status != FundAccount.Status.NORMAL:
        raise StateError(_("Account %(n)s is %(s)s; it takes no deposits.")
                         % {"n": account.number, "s": account.get_status_display()}, code="invalid_state")
    if not months:
        raise InvalidInput(_("Choose at least one month."), fields={"months": [_("Required.")]})
    on = today()
    if months[-1] > month_start(on):
        msg = _("A deposit cannot cover a future month.")
        raise InvalidInput(msg, code="future_month", fields={"months": [msg]})
    if months[0] < month_start(account.opened_on):
        msg = _("A deposit cannot cover a month before the account was opened (%(m)s).") % {
            "m": f"{account.opened_on:%Y-%m}"}
        raise InvalidInput(msg, code="before_opening", fields={"months": [msg]})
    paid = sorted(covered_months(account, months[0], months[-1]) & set(months))
    if paid:
        raise Conflict(_("%(m)s is already paid for account %(n)s.") % {"m": f"{paid[0]:%Y-%m}",
                                                                         "n": account.number}, code="month_paid")
    source_account_id = _source_account(line)
    lines, by_rounding = [], {}
    for month in months:
        rounding = policy.get("deposits.rounding", on=month)
        if rounding not in by_rounding:  # one query per rounding in force, not per month
            by_rounding[rounding] = sum(monthly_parts(account.base, account.employee_ratio, account.employer_ratio,
                                                      rounding))
        amount = by_rounding[rounding]
        lines.append(FlexibleDepositMonth(account=account, month=month, base=account.base,
                                          ratio=account.employee_ratio + account.employer_ratio, amount=amount))
    total = sum((ln.amount for ln in lines), ZERO)
    if line.amount != total:
        raise InvalidInput(_("The payment of %(p)s does not equal the amount due %(d)s.")
                           % {"p": format_yuan(line.amount), "d": format_yuan(total)}, code="amount")
    reference = _reference(account, months[0])
    entry = post(lines=[debit(source_account_id, total, reference),
                        credit(account.ledger_account_id, total, reference)],
                 memo=StoredText(gettext_noop("Flexible worker deposit %(r)s"), r=reference), actor=actor,
                 idempotency_key=f"flexible:{line.pk}", business_type="01", source=f"account:{account.pk}",
                 business_date=interest.booking_date(line.value_date))  # interest from the day the bank got it
    if line.match_status == BankStatementLine.Match.UNMATCHED:
        ledger_services.mark_booked(line, entry)
    deposit = FlexibleDeposit.objects.create(account=account, reference=reference, statement_line=line, entry=entry,
                                             month_from=months[0], month_to=months[-1], months=len(months),
                                             amount=total, created_by=user_or_none(actor))
    for ln in lines:
        ln.deposit = deposit
    FlexibleDepositMonth.objects.bulk_create(lines)
    if account.paid_up_to is None or account.paid_up_to < months[-1]:
        FundAccount.objects.filter(pk=account.pk).update(paid_up_to=months[-1])
    audit.record(actor=actor, action="flexible.deposit", obj=deposit,
                 after={"account": account.number, "months": [f"{m:%Y-%m}" for m in months], "amount": total,
                        "bank_reference": line.bank_reference})
    return deposit

