"""Fraud findings (2026 Art. 41 bans) and the real-estate registry's property records."""

import csv
import datetime
import io

from django.db import transaction
from django.utils.translation import gettext as _

from core import audit, policy, roles
from core.business_date import today
from core.errors import InvalidInput
from core.money import to_decimal
from withdrawals import rules
from withdrawals.models import FraudBan, PropertyRecord, WithdrawalApplication
from withdrawals.services import reject

W = WithdrawalApplication
S = W.State


@transaction.atomic
def record_fraud(*, actor, depositor, reason, application=None) -> list[FraudBan]:
    """A fraud finding (2026 Art. 41): 3-year withdrawal ban and 5-year loan ban from today; an open
    application of the person is rejected."""
    roles.require_role(actor, roles.APPROVER, roles.REVIEWER)
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
        reject(actor=None, application=app, reason=_("Fraud finding: %(r)s") % {"r": reason})
    return bans


def is_banned(depositor, kind, on=None) -> bool:
    on = on or today()
    return FraudBan.objects.filter(depositor=depositor, kind=kind, starts_on__lte=on, ends_on__gte=on).exists()


# --- property records (real-estate registry) --------------------------------------------------------------

PROPERTY_COLUMNS = ["certificate_number", "owner_id_number", "owner_name", "address", "area", "registration_date",
                    "contract_date", "price", "loan_amount", "cancelled_on"]


def _date(text):
    text = (text or "").strip()
    return datetime.date.fromisoformat(text) if text else None


@transaction.atomic
def import_property_records(*, actor, file_bytes: bytes) -> dict:
    """Import the registry's CSV (UTF-8 or GB18030). All rows valid or nothing is imported; a known certificate
    number updates its record, so a re-import is harmless."""
    roles.require_role(actor, roles.SYSADMIN, roles.APPROVER)
    try:
        text = file_bytes.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = file_bytes.decode("gb18030", errors="strict")
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in PROPERTY_COLUMNS[:5] if c not in (reader.fieldnames or [])]
    if missing:
        raise InvalidInput(_("The file lacks the column(s): %(c)s.") % {"c": ", ".join(missing)}, code="columns")
    rows, errors = [], []
    for i, row in enumerate(reader, start=2):
        try:
            rows.append(dict(
                certificate_number=row["certificate_number"].strip(),
                owner_id_number=row["owner_id_number"].strip().upper(), owner_name=row["owner_name"].strip(),
                address=row["address"].strip(), area=to_decimal(row["area"]),
                registration_date=_date(row.get("registration_date")), contract_date=_date(row.get("contract_date")),
                price=to_decimal(row["price"]) if (row.get("price") or "").strip() else None,
                loan_amount=to_decimal(row.get("loan_amount") or "0"), cancelled_on=_date(row.get("cancelled_on"))))
            if not rows[-1]["certificate_number"] or not rows[-1]["owner_id_number"]:
                raise ValueError
        except (ValueError, TypeError, KeyError):
            errors.append(_("row %(r)d: invalid value") % {"r": i})
    if errors:
        raise InvalidInput(errors[0], fields={"rows": errors}, code="bad_file")
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
