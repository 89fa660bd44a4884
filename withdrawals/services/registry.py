"""Fraud findings (2026 Art. 41: bans, and the order to return what was withdrawn) and the real-estate
registry's property records."""

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core import audit, bounds, policy, roles, tabular
from core.actors import system_actor
from core.business_date import today
from core.errors import InvalidInput, StateError
from core.money import format_yuan
from core.translatable import StoredText
from ledger import services as ledger_services
from ledger.posting import credit, debit, post
from withdrawals import rules
from withdrawals.models import ORDERED_REASONS, FraudBan, PropertyRecord, Recovery, WithdrawalApplication
from withdrawals.services.common import _notify
from withdrawals.services.steps import reject

W = WithdrawalApplication
S = W.State


@transaction.atomic
def record_fraud(*, actor, depositor, reason, application=None) -> list[FraudBan]:
    """A fraud finding (2026 Art. 41): 3-year withdrawal ban and 5-year loan ban from today; an open
    application of the person is rejected."""
    roles.require_role(actor, roles.APPROVER, roles.REVIEWER)
    if application is not None and application.depositor_id != depositor.pk:
        raise InvalidInput(_("The application is not the person's."), code="wrong_person")
    if application is not None and application.reason in ORDERED_REASONS:
        raise StateError(_("This withdrawal is a deduction ordered by a court or for an overdue loan, not the "
                           "person's application: no fraud finding is recorded on it."), code="ordered_deduction")
    if not (reason or "").strip():
        raise InvalidInput(_("Give the reason for the fraud finding."), fields={"reason": [_("Required.")]})
    on = today()
    bans = []
    for kind, key in ((FraudBan.Kind.WITHDRAWAL, "withdrawals.fraud_ban_years"),
                      (FraudBan.Kind.LOAN, "withdrawals.fraud_loan_ban_years")):
        years = policy.get(key, on=on)
        until = rules.add_months(on, 12 * years) - datetime.timedelta(days=1)
        bans.append(FraudBan.objects.create(depositor=depositor, kind=kind, starts_on=on, ends_on=until,
                                            reason=reason, application=application, created_by=actor))
    audit.record(actor=actor, action="withdrawal.fraud", obj=depositor, after={"reason": reason},
                 comment=reason)
    for app in W.objects.filter(depositor=depositor, state__in=(S.SUBMITTED, S.ACCEPTED, S.REVIEWED, S.RETURNED)):
        reject(actor=system_actor(), application=app, reason=_("Fraud finding: %(r)s") % {"r": reason})
    if application is not None and application.state in (S.PAID, S.CLOSED):
        _order_return(actor=actor, application=application, reason=reason, on=on)
    return bans


def _order_return(*, actor, application, reason, on):
    """责令退回: the person must return what the fraudulent withdrawal paid out."""
    if application.depositor_id is None or Recovery.objects.filter(application=application).exists():
        return
    due = application.amount_approved or application.amount_requested
    recovery = Recovery.objects.create(application=application, depositor=application.depositor, amount_due=due,
                                       reason=reason, ordered_on=on, created_by=actor)
    audit.record(actor=actor, action="withdrawal.recovery.order", obj=application, after={"amount_due": due})
    _notify(application, StoredText(gettext_noop("Order to return a withdrawal")),
            StoredText(gettext_noop("Withdrawal %(n)s was found to be fraudulent: return %(a)s to the center's "
                                    "account. Withdrawals are banned for 3 years and fund loans for 5 years."),
                       n=application.number, a=format_yuan(due)),
            "recovery")
    return recovery


@transaction.atomic
def apply_recovery_receipt(*, actor, recovery, statement_line) -> Recovery:
    """Money returned by the person has arrived at the center's bank (an incoming, unmatched statement line):
    it goes back into the person's fund account and reduces what is still owed. Nothing more than is owed
    is taken, and a line is used once."""
    roles.require_role(actor, roles.FINANCE)  # booking bank receipts is the finance department's
    recovery = Recovery.objects.select_for_update().select_related("application__account").get(pk=recovery.pk)
    line = ledger_services.lock_receipt(statement_line, actor=actor)
    if recovery.status != Recovery.Status.OPEN:
        raise StateError(_("This recovery has been settled in full."), code="recovered")
    if line.amount > recovery.outstanding:
        raise InvalidInput(_("The receipt of %(a)s is more than the %(o)s still owed.")
                           % {"a": format_yuan(line.amount), "o": format_yuan(recovery.outstanding)},
                           fields={"statement_line": [_("More than is owed.")]}, code="above_outstanding")
    account = recovery.application.account
    if account.is_closed:
        raise StateError(_("The fund account is closed: reopen it before the money can be returned to it."),
                         code="account_closed")
    entry = post(
        lines=[debit(line.bank_account.ledger_account_id, line.amount), credit(account.ledger_account_id, line.amount)],
        memo=StoredText(gettext_noop("Return of fraudulent withdrawal %(n)s (%(r)s)"), n=recovery.application.number,
                        r=line.bank_reference),
        actor=actor, idempotency_key=f"statement:{line.pk}", business_date=line.value_date, business_type="11",
        source=f"recovery:{recovery.pk}")
    ledger_services.mark_booked(line, entry)
    recovery.amount_recovered += line.amount
    if recovery.outstanding == 0:
        recovery.status, recovery.recovered_on = Recovery.Status.RECOVERED, today()
    recovery.save(update_fields=["amount_recovered", "status", "recovered_on"])
    audit.record(actor=actor, action="withdrawal.recovery.receipt", obj=recovery.application,
                 after={"amount": line.amount, "outstanding": recovery.outstanding, "line": line.bank_reference})
    return recovery


def is_banned(depositor, kind, on=None) -> bool:
    on = on or today()
    return FraudBan.objects.filter(depositor=depositor, kind=kind, starts_on__lte=on, ends_on__gte=on).exists()


# --- property records (real-estate registry) --------------------------------------------------------------

# Property records may predate the fund system: their dates are plausible from here to the end of next month.
EARLIEST_PROPERTY_DATE = datetime.date(1949, 10, 1)


def _date(text):
    value = datetime.date.fromisoformat(text.strip())
    latest = bounds.latest_date()
    if not EARLIEST_PROPERTY_DATE <= value <= latest:
        raise tabular.CellError(_("Enter a date between %(a)s and %(b)s.") % {"a": EARLIEST_PROPERTY_DATE, "b": latest})
    return value


def _amount(text):
    """An amount of money (core.bounds: at most two places, at most bounds.MONEY_MAX)."""
    try:
        return bounds.money(text)
    except InvalidInput as exc:
        raise tabular.CellError(exc.message) from exc


def _area(text):
    """A floor area in m² (numeric(10, 2))."""
    try:
        return bounds.decimal(text, places=2, maximum=AREA_MAX)
    except InvalidInput as exc:
        raise tabular.CellError(exc.message) from exc


AREA_MAX = Decimal("99999999.99")


# The registry's file: English field names as headers (as the registry sends them) or the Chinese ones.
PROPERTY_FILE_COLUMNS = [
    tabular.Column("certificate_number", "不动产权证号", "certificate_number", blank=False, max_length=60),
    tabular.Column("owner_id_number", "权利人证件号码", "owner_id_number", str.upper, blank=False, max_length=30),
    tabular.Column("owner_name", "权利人", "owner_name", blank=False, max_length=100),
    tabular.Column("address", "坐落", "address", max_length=300),
    tabular.Column("area", "建筑面积", "area", _area, blank=False, max_length=30),
    tabular.Column("registration_date", "登记日期", "registration_date", _date, required=False, default=None),
    tabular.Column("contract_date", "合同日期", "contract_date", _date, required=False, default=None),
    tabular.Column("price", "成交价格", "price", _amount, required=False, default=None),
    tabular.Column("loan_amount", "贷款金额", "loan_amount", _amount, required=False, default=Decimal("0")),
    tabular.Column("cancelled_on", "注销日期", "cancelled_on", _date, required=False, default=None),
]
PROPERTY_COLUMNS = [c.key for c in PROPERTY_FILE_COLUMNS]


@transaction.atomic
def import_property_records(*, actor, file) -> dict:
    """Import the registry's file (CSV in UTF-8 or GBK/GB18030, or XLSX; bytes or a file object). All rows valid
    or nothing is imported; a known certificate number updates its record, so a re-import is harmless."""
    roles.require_role(actor, roles.SYSADMIN, roles.APPROVER)
    table = tabular.read(file, columns=PROPERTY_FILE_COLUMNS)
    table.raise_errors(code="bad_file")
    rows = [dict(row) for row in table.rows]
    known = {r.certificate_number: r for r in PropertyRecord.objects.filter(
        certificate_number__in=[r["certificate_number"] for r in rows])}
    new, changed = [], []
    for data in rows:
        rec = known.get(data["certificate_number"])
        if rec is None:
            new.append(PropertyRecord(**data))
        else:
            for k, v in data.items():
                setattr(rec, k, v)
            changed.append(rec)
    PropertyRecord.objects.bulk_create(new, batch_size=1000)
    if changed:
        PropertyRecord.objects.bulk_update(changed, PROPERTY_COLUMNS[1:], batch_size=1000)
    audit.record(actor=actor, action="withdrawal.property_import", object_type="withdrawals.propertyrecord",
                 object_id="", after={"new": len(new), "updated": len(changed)})
    return {"new": len(new), "updated": len(changed)}
