"""Receiving a request of a court or another authority (DOMAIN.md §6.2): validated in full before anything is
stored (a refused request writes nothing), kept as received with its SHA-256, idempotent by request number."""

import datetime
import hashlib
import json

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core import audit, bounds, roles, workflow
from core.business_date import today
from core.errors import Conflict, InvalidInput, StateError
from core.identity import validate_resident_id
from judicial.models import Authority, BasisType, Channel, Court, Freeze, JudicialRequest, Measure
from judicial.services import risk
from judicial.services.common import account_of, add_months, default_end, identify, live_freeze
from judicial.services.flow import FLOW

JR = JudicialRequest
TEXT_FIELDS = {  # field: (max length, required for)
    "number": (40, "all"), "person_name": (60, "all"), "id_number": (18, "all"), "judge": (60, "all"),
    "judge_phone": (20, ""), "case_number": (80, "all"), "ruling_number": (80, "deduct"),
    "notice_number": (80, "deduct"), "account_number": (20, ""), "payee_name": (120, "deduct"),
    "payee_account": (40, "deduct"), "payee_bank": (120, ""), "original_number": (40, "renew unfreeze deduct"),
    # the parties as the documents name them, for the sham-lawsuit signals (judicial.services.risk)
    "creditor_name": (120, ""), "creditor_phone": (20, ""), "creditor_address": (200, ""), "lawyer": (120, ""),
    "mediator": (120, ""),
}
RECEIVE_ROLES = (roles.JUDICIAL_OFFICER, roles.COURT_CLIENT)


def canonical(data: dict) -> bytes:
    """The bytes a request's SHA-256 is taken over when no raw body is given: sorted keys, text values."""
    return json.dumps({k: (None if v is None else str(v)) for k, v in sorted(data.items())}, ensure_ascii=False,
                      sort_keys=True).encode()


def _text(data, errors):
    out = {}
    measure = data.get("measure")
    for name, (size, required_for) in TEXT_FIELDS.items():
        value = str(data.get(name) or "").strip()
        if len(value) > size:
            errors[name] = [_("At most %(n)d characters.") % {"n": size}]
        elif not value and (required_for == "all" or (measure and measure in required_for.split())):
            errors[name] = [_("This field is required for this measure.")]
        out[name] = value
    return out


def _date(data, name, errors, *, ahead=1):
    value = data.get(name)
    if value in (None, ""):
        return None
    try:
        value = value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value)[:10])
        return bounds.date(value, ahead=ahead)
    except (ValueError, InvalidInput):
        errors[name] = [_("Enter a valid date.")]
        return None


def _clean(data: dict, court: Court) -> dict:
    """Every field checked; all the problems reported together as one InvalidInput."""
    errors = {}
    measure = data.get("measure")
    if measure not in Measure.values:
        errors["measure"] = [_("Unknown measure.")]
    authority = data.get("authority") or Authority.COURT
    if authority not in Authority.values:
        errors["authority"] = [_("Unknown authority.")]
    clean = _text(data, errors)
    clean.update(measure=measure, authority=authority, id_type=data.get("id_type") or "01")
    if clean["id_type"] == "01" and clean["id_number"] and "id_number" not in errors:
        try:
            clean["id_number"] = validate_resident_id(clean["id_number"])
        except ValidationError as exc:
            errors["id_number"] = [str(m) for m in exc.messages]
    amount = data.get("amount")
    clean["amount"] = None
    if amount not in (None, ""):
        try:
            clean["amount"] = bounds.money(amount)
            if clean["amount"] <= 0:
                raise InvalidInput(_("The amount must be greater than zero."))
        except (InvalidInput, TypeError) as exc:
            errors["amount"] = [getattr(exc, "message", _("The amount must be greater than zero."))]
    elif measure in (Measure.FREEZE, Measure.DEDUCT):
        errors["amount"] = [_("The amount is required for this measure.")]
    clean["basis_type"] = str(data.get("basis_type") or "").strip()
    if clean["basis_type"] and clean["basis_type"] not in BasisType.values:
        errors["basis_type"] = [_("Unknown basis document type.")]
    clean["ruling_date"] = _date(data, "ruling_date", errors)
    clean["enforcement_filed_on"] = _date(data, "enforcement_filed_on", errors)
    if clean["ruling_date"] and clean["enforcement_filed_on"] and clean["enforcement_filed_on"] < clean["ruling_date"]:
        errors["enforcement_filed_on"] = [_("The enforcement application cannot be before the ruling.")]
    clean["start_date"] = _date(data, "start_date", errors)
    clean["end_date"] = _date(data, "end_date", errors, ahead=12 * 10)
    if measure in (Measure.FREEZE, Measure.RENEW) and not errors:
        start = clean["start_date"] or today()
        if measure == Measure.FREEZE:
            clean["start_date"] = start
            clean["end_date"] = clean["end_date"] or default_end(authority, start)
        if clean["end_date"] and clean["end_date"] < start:
            errors["end_date"] = [_("The end date cannot be before the start date.")]
        elif clean["end_date"] and clean["end_date"] > add_months(start, _max_months()):
            errors["end_date"] = [_("A freeze may last at most %(n)d months.") % {"n": _max_months()}]
    if measure == Measure.DEDUCT and clean["payee_account"] and clean["payee_account"] != \
            court.enforcement_account_number.strip():
        errors["payee_account"] = [_("A deduction is paid only to the court's registered enforcement account.")]
    if errors:
        messages = next(iter(errors.values()))
        raise InvalidInput(messages[0], code="invalid_request", fields=errors)
    return clean


def _max_months():
    from core import policy

    return policy.get("judicial.max_freeze_months")


def _resolve(clean, court):
    """The person, the account and (for renew, unfreeze, deduct) the court's own original freeze."""
    person = identify(id_number=clean["id_number"], name=clean["person_name"])
    account = original = None
    measure = clean["measure"]
    if person is None:
        if measure != Measure.QUERY:
            raise InvalidInput(_("No depositor with this ID number is known to the center."), code="unknown_person",
                               fields={"id_number": [_("Unknown ID number.")]})
        return person, account, original
    if measure == Measure.QUERY:
        return person, None, None
    account = account_of(person, clean["account_number"])
    if measure in (Measure.RENEW, Measure.UNFREEZE, Measure.DEDUCT):
        original = live_freeze(court=court, number=clean["original_number"])
        if original.account_id != account.pk:
            raise InvalidInput(_("Freeze %(n)s is not on this person's account.") % {"n": clean["original_number"]},
                               code="freeze_mismatch", fields={"original_number": [_("Another account's freeze.")]})
        if original.state not in Freeze.LIVE_STATES:
            raise StateError(_("Freeze %(n)s is no longer in force (%(s)s).")
                             % {"n": clean["original_number"], "s": original.get_state_display()},
                             code="freeze_ended")
        if measure == Measure.RENEW:
            if original.end_date < today():
                raise StateError(_("Freeze %(n)s expired on %(d)s; a renewal must arrive before it expires.")
                                 % {"n": clean["original_number"], "d": original.end_date}, code="freeze_expired")
            if not clean["end_date"]:
                clean["end_date"] = default_end(clean["authority"], original.end_date + datetime.timedelta(days=1))
            if clean["end_date"] <= original.end_date:
                raise InvalidInput(_("The new end date must be after the current one (%(d)s).")
                                   % {"d": original.end_date}, code="invalid_request",
                                   fields={"end_date": [_("Not after the current end date.")]})
        if measure == Measure.DEDUCT and original.state != Freeze.State.ACTIVE:
            raise StateError(_("Freeze %(n)s holds no money yet (it is waiting); nothing can be deducted.")
                             % {"n": clean["original_number"]}, code="freeze_waiting")
    return person, account, original


@transaction.atomic
def receive_request(*, actor, court: Court, data: dict, channel=Channel.COUNTER, raw: bytes | None = None,
                    extra: dict | None = None):
    """Store a request as received and return it. ``extra``: fields the channel checked itself (the counter's two
    officers), stored with the request. The same court and request number again returns the first
    request (idempotent) when the content is the same, and is a conflict otherwise (a correction is a new
    request with a new number). Anything invalid is refused with every field's problem and nothing stored."""
    roles.require_role(actor, *RECEIVE_ROLES)
    if channel not in Channel.values:
        raise InvalidInput(_("Unknown channel."), code="invalid_request")
    court = Court.objects.get(pk=court.pk)
    if not court.active:
        raise StateError(_("Court %(c)s is not active.") % {"c": court.code}, code="court_inactive")
    digest = hashlib.sha256(raw if raw is not None else canonical(data)).hexdigest()
    number = str(data.get("number") or "").strip()
    first = JR.objects.filter(court=court, number=number).first() if number else None
    if first is not None:
        if first.received_sha256 != digest:
            raise Conflict(_("Request number %(n)s was already used for a different request.") % {"n": number},
                           code="number_used")
        return first
    clean = _clean(data, court)
    person, account, original = _resolve(clean, court)
    try:
        with transaction.atomic():
            req = JR.objects.create(
                court=court, channel=channel, received_sha256=digest, received_on=today(), received_by=actor,
                account=account, original_freeze=original, **clean, **(extra or {}))
    except IntegrityError:  # the same number arrived concurrently: the first one is the answer
        first = JR.objects.get(court=court, number=number)
        if first.received_sha256 != digest:
            raise Conflict(_("Request number %(n)s was already used for a different request.") % {"n": number},
                           code="number_used") from None
        return first
    workflow.start(FLOW, req, state=JR.State.RECEIVED, actor=actor, action="receive")
    risk.assess(req)
    audit.record(actor=actor, action="judicial.receive", obj=req,
                 after={"measure": req.measure, "court": court.code, "number": req.number, "sha256": digest,
                        "person": person.pk if person else None})
    return req

