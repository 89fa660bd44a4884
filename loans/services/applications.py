"""Loan applications: save a draft, change it while it is a draft, submit or accept it, and assess it (the
eligibility checks of :mod:`loans.rules` and the limit of :func:`loans.calculations.loan_limit`, stored with
their explanation for the reviewer). Every service is atomic, audited and takes an explicit actor."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import Depositor, FundAccount
from core import audit, numbering, policy, roles, workflow
from core.business_date import today
from core.errors import Forbidden, InvalidInput, StateError
from core.identity import resident_id_facts, validate_resident_id
from core.money import ZERO, format_yuan
from deposits.selectors import continuous_months
from loans import calculations as calc
from loans import rules
from loans.models import FemaleCategory, LoanApplication, LoanContract, LoanParty, Method, PropertyKind, Purpose
from loans.services import clocks
from loans.services import documents as loan_documents
from loans.services.flow import FLOW, S

LANGUAGES = ("zh-hans", "en")  # the languages of the assessment's stored texts (settings.LANGUAGES)

A = LoanApplication
# Contracts that count as fund loans the family has had (used) and as not yet paid off (outstanding).
USED_STATUSES = (
    LoanContract.Status.AWAITING_DISBURSEMENT,
    LoanContract.Status.DISBURSING,
    LoanContract.Status.NORMAL,
    LoanContract.Status.OVERDUE,
    LoanContract.Status.PAID_OFF,
    LoanContract.Status.WRITTEN_OFF,
)
OUTSTANDING_STATUSES = (
    LoanContract.Status.AWAITING_DISBURSEMENT,
    LoanContract.Status.DISBURSING,
    LoanContract.Status.NORMAL,
    LoanContract.Status.OVERDUE,
)
ASSESSABLE = (S.DRAFT, S.SUBMITTED, S.ACCEPTED, S.REVIEWED)
MAX_AREA = Decimal("100000")
MAX_PARTIES = 6
TEXT_FIELDS = {
    "property_address": 200,
    "purchase_certificate_number": 60,
    "commercial_bank": 120,
    "commercial_loan_number": 40,
}

EDITABLE_FIELDS = (
    "purpose",
    "property_address",
    "purchase_certificate_number",
    "property_kind",
    "property_price",
    "property_area",
    "green_building",
    "ownership_share",
    "children",
    "monthly_income",
    "other_monthly_debt",
    "requested_amount",
    "term_months",
    "method",
    "commercial_remaining",
    "commercial_remaining_months",
    "commercial_bank",
    "commercial_loan_number",
    "commercial_amount",
    "commercial_rate",
    "commercial_term_months",
    "commercial_method",
    "female_category",
)


# --- input --------------------------------------------------------------------------------------------


def _bad(field, message):
    return InvalidInput(message, fields={field: [message]})


def _choice(data, field, choices, default=None):
    value = data.get(field, default)
    if not isinstance(value, str) or value not in dict(choices):
        raise _bad(field, _("Choose one of the listed values."))
    return value


def _bool(data, field):
    value = data.get(field, False)
    if isinstance(value, str):
        if value.strip().lower() not in {"", "0", "1", "true", "false", "on", "off"}:
            raise _bad(field, _("Choose yes or no."))
        return value.strip().lower() in {"1", "true", "on"}
    if not isinstance(value, bool | int) or value not in (0, 1):
        raise _bad(field, _("Choose yes or no."))
    return bool(value)


def _count(data, field, *, most, default=0):
    value = data.get(field, default)
    if isinstance(value, bool):
        raise _bad(field, _("Give a whole number between 0 and %(m)d.") % {"m": most})
    try:
        number = int(str(value).strip())
    except ValueError:
        raise _bad(field, _("Give a whole number between 0 and %(m)d.") % {"m": most}) from None
    if not 0 <= number <= most:
        raise _bad(field, _("Give a whole number between 0 and %(m)d.") % {"m": most})
    return number


def _text(data, field, *, required=False, missing=None):
    """A stripped text value of at most ``TEXT_FIELDS[field]`` characters."""
    value = data.get(field)
    value = value.strip() if isinstance(value, str) else ("" if value is None else str(value).strip())
    if required and not value:
        raise _bad(field, missing)
    if len(value) > TEXT_FIELDS[field]:
        raise _bad(field, _("At most %(n)d characters.") % {"n": TEXT_FIELDS[field]})
    return value


def _given(data, field) -> bool:
    return data.get(field) not in (None, "")


def _commercial(data, out):
    """The commercial bank loan: the one a conversion (商转公) replaces, or the commercial part of a combined loan
    (组合贷). Each bounded; refused when given for the wrong kind of application."""
    conversion = out["purpose"] == Purpose.CONVERSION
    combined = _given(data, "commercial_amount")
    out |= {
        "commercial_remaining": None,
        "commercial_remaining_months": None,
        "commercial_bank": "",
        "commercial_loan_number": "",
        "commercial_amount": None,
        "commercial_rate": None,
        "commercial_term_months": None,
        "commercial_method": "",
    }
    if conversion:
        if combined:
            raise _bad("commercial_amount", _("A conversion is not a combined loan; leave the commercial part empty."))
        out["commercial_remaining"] = calc.check_amount(data.get("commercial_remaining"), "commercial_remaining")
        if not _given(data, "commercial_remaining_months"):
            raise _bad("commercial_remaining_months", _("This field is required."))
        out["commercial_remaining_months"] = calc.check_months(
            data.get("commercial_remaining_months"), "commercial_remaining_months"
        )
        out["commercial_bank"] = _text(
            data, "commercial_bank", required=True, missing=_("Give the bank of the commercial loan being converted.")
        )
        out["commercial_loan_number"] = _text(
            data, "commercial_loan_number", required=True, missing=_("Give the number of the commercial loan.")
        )
        return out
    for field in ("commercial_remaining", "commercial_remaining_months"):
        if _given(data, field):
            raise _bad(field, _("The commercial principal is given only for a conversion."))
    if not combined:
        for field in ("commercial_rate", "commercial_term_months"):
            if _given(data, field):
                raise _bad(
                    "commercial_amount",
                    _("Give the commercial amount of the combined loan, or leave the commercial part empty."),
                )
        return out
    out["commercial_amount"] = calc.check_amount(data.get("commercial_amount"), "commercial_amount")
    rate = calc.check_rate(data.get("commercial_rate"), "commercial_rate")
    if rate != rate.quantize(Decimal("0.000001")):
        raise _bad("commercial_rate", _("Give the rate with at most six decimal places (0.0395 is 3.95%)."))
    out["commercial_rate"] = rate
    out["commercial_term_months"] = calc.check_months(data.get("commercial_term_months"), "commercial_term_months")
    out["commercial_method"] = _choice(data, "commercial_method", Method.choices, Method.EQUAL_INSTALLMENT)
    out["commercial_bank"] = _text(
        data, "commercial_bank", required=True, missing=_("Give the bank of the commercial part.")
    )
    out["commercial_loan_number"] = _text(data, "commercial_loan_number")
    return out


def clean(data: dict, *, borrower: Depositor) -> dict:
    """The application's fields from ``data`` (a form's or an API's values), each bounded; refuses the first
    bad value with its field and a Chinese message. Nothing is written."""
    out = {}
    out["purpose"] = _choice(data, "purpose", Purpose.choices, Purpose.PURCHASE)
    address = str(data.get("property_address") or "").strip()
    if not address:
        raise _bad("property_address", _("Give the address of the home."))
    if len(address) > TEXT_FIELDS["property_address"]:
        raise _bad("property_address", _("The address may have at most 200 characters."))
    out["property_address"] = address
    out["purchase_certificate_number"] = _text(data, "purchase_certificate_number")
    out["property_kind"] = _choice(data, "property_kind", PropertyKind.choices)
    out["property_price"] = calc.check_amount(data.get("property_price"), "property_price")
    area = calc.check_nonnegative(data.get("property_area"), "property_area")
    if not 0 < area <= MAX_AREA:
        raise _bad("property_area", _("The area must be more than 0 and at most 100,000 m²."))
    out["property_area"] = area
    out["green_building"] = _bool(data, "green_building")
    share = calc.check_nonnegative(data.get("ownership_share", "1"), "ownership_share")
    if not 0 < share <= 1 or share != share.quantize(Decimal("0.0001")):
        raise _bad("ownership_share", _("The ownership share must be more than 0 and at most 1."))
    out["ownership_share"] = share.quantize(Decimal("0.0001"))
    out["children"] = _count(data, "children", most=20, default=borrower.children)
    out["monthly_income"] = calc.check_nonnegative(data.get("monthly_income"), "monthly_income")
    out["other_monthly_debt"] = calc.check_nonnegative(data.get("other_monthly_debt", "0"), "other_monthly_debt")
    out["requested_amount"] = calc.check_amount(data.get("requested_amount"), "requested_amount")
    out["term_months"] = calc.check_months(data.get("term_months"), "term_months")
    out["method"] = _choice(data, "method", Method.choices, Method.EQUAL_INSTALLMENT)
    _commercial(data, out)
    if borrower.gender == Depositor.Gender.FEMALE:
        out["female_category"] = _choice(data, "female_category", FemaleCategory.choices)
    else:
        out["female_category"] = ""
    return out


def _clean_parties(parties, *, borrower: Depositor) -> list[dict]:
    """The spouse and co-borrowers: each a depositor of this center (``depositor``) or a person with a name, a
    valid ID number and, optionally, the balance another center certifies."""
    parties = list(parties or ())
    if len(parties) > MAX_PARTIES:
        raise _bad("parties", _("At most %(n)d spouse and co-borrowers.") % {"n": MAX_PARTIES})
    out, seen = [], {borrower.id_number}
    linked_category = ""
    for party in parties:
        if party.get("linked"):  # the spouse linked at this center, added below: only the retirement category
            linked_category = _party_category(party)
            continue
        role = _choice(party, "role", LoanParty.Role.choices)
        depositor = party.get("depositor")
        if depositor is not None:
            name, id_number, balance = depositor.name, depositor.id_number, None
        else:
            name = str(party.get("name") or "").strip()
            if not name or len(name) > 60:
                raise _bad("parties", _("Give the name of each spouse or co-borrower (at most 60 characters)."))
            id_number = str(party.get("id_number") or "").strip().upper()
            try:
                id_number = validate_resident_id(id_number)
            except ValidationError:
                raise _bad("parties", _("The ID number %(n)s is not valid.") % {"n": id_number[:18]}) from None
            balance = party.get("other_center_balance")
            balance = calc.check_nonnegative(balance, "other_center_balance") if balance not in (None, "") else None
        if id_number in seen:
            raise _bad("parties", _("Each person may be a party of the application once."))
        seen.add(id_number)
        out.append(
            {
                "role": role,
                "depositor": depositor,
                "name": name,
                "id_number": id_number,
                "other_center_balance": balance,
                "female_category": _party_category(party),
            }
        )
    if sum(1 for p in out if p["role"] == LoanParty.Role.SPOUSE) > 1:
        raise _bad("parties", _("An application has at most one spouse."))
    if borrower.spouse_id and not any(p["role"] == LoanParty.Role.SPOUSE for p in out):
        spouse = borrower.spouse
        out.insert(
            0,
            {
                "role": LoanParty.Role.SPOUSE,
                "depositor": spouse,
                "name": spouse.name,
                "id_number": spouse.id_number,
                "other_center_balance": None,
                "female_category": linked_category,
            },
        )
    return out


def _party_category(party) -> str:
    """A woman's retirement category as recorded (blank: a worker, DOMAIN.md §4.4)."""
    value = party.get("female_category") or ""
    if value not in ("", *dict(FemaleCategory.choices)):
        raise _bad("parties", _("Choose the retirement category (cadre or worker)."))
    return value


# --- who may act ---------------------------------------------------------------------------------------------


def _is_borrower(actor, borrower: Depositor) -> bool:
    return actor is not None and borrower.user_id is not None and getattr(actor, "pk", None) == borrower.user_id


def _require_officer_or_borrower(actor, borrower):
    if _is_borrower(actor, borrower) or roles.has_role(actor, roles.LOAN_OFFICER):
        return
    raise Forbidden(_("Only a loan officer or the borrower can do this."), code="wrong_role")


def _number():
    return f"DK{today():%Y%m%d}{numbering.reserve('loan_application'):08d}"


# --- services -------------------------------------------------------------------------------------------------


@transaction.atomic
def create_draft(*, actor, account: FundAccount, data: dict, parties=(), comment="", documents=()) -> LoanApplication:
    """Save a new application as a draft: at the counter by a loan officer, or online by the borrower (the
    account's own depositor), with its scanned ``documents`` ([(document type, upload)]) if any. Refused with a
    Chinese message per field and nothing written when any value or file is bad."""
    account = FundAccount.objects.select_related("depositor", "depositor__spouse").get(pk=account.pk)
    borrower = account.depositor
    _require_officer_or_borrower(actor, borrower)
    fields = clean(data, borrower=borrower)
    cleaned_parties = _clean_parties(parties, borrower=borrower)
    checked = loan_documents.check_documents(documents, on=today())
    online = _is_borrower(actor, borrower)
    app = A.objects.create(
        number=_number(),
        borrower=borrower,
        account=account,
        state=S.DRAFT,
        application_date=today(),
        channel=A.Channel.ONLINE if online else A.Channel.COUNTER,
        created_by=actor,
        **fields,
    )
    LoanParty.objects.bulk_create([LoanParty(application=app, **p) for p in cleaned_parties])
    loan_documents.save_documents(app, checked, actor)
    workflow.start(FLOW, app, state=S.DRAFT, actor=actor, action="create", comment=comment)
    audit.record(
        actor=actor,
        action="loan_application.create",
        obj=app,
        after={"amount": fields["requested_amount"], "term": fields["term_months"], "channel": app.channel},
    )
    return app


@transaction.atomic
def update_draft(*, actor, application: LoanApplication, data: dict, parties=None, documents=()) -> LoanApplication:
    """Change a draft (every field given again), adding any scanned ``documents``. A submitted application changes
    only through the workflow."""
    app = (
        A.objects.select_for_update(of=("self",)).select_related("borrower", "borrower__spouse").get(pk=application.pk)
    )
    _require_officer_or_borrower(actor, app.borrower)
    if app.state != S.DRAFT:
        raise StateError(_("Only a draft can be changed; this application is %(s)s.") % {"s": app.get_state_display()})
    fields = clean(data, borrower=app.borrower)
    checked = loan_documents.check_documents(documents, on=today(), already=app.documents.count())
    before = {name: str(getattr(app, name)) for name in EDITABLE_FIELDS}
    for name, value in fields.items():
        setattr(app, name, value)
    _clear_assessment(app)
    app.save()
    if parties is not None:
        cleaned = _clean_parties(parties, borrower=app.borrower)
        app.parties.all().delete()
        LoanParty.objects.bulk_create([LoanParty(application=app, **p) for p in cleaned])
    loan_documents.save_documents(app, checked, actor)
    after = {name: str(getattr(app, name)) for name in EDITABLE_FIELDS}
    audit.record(
        actor=actor,
        action="loan_application.update",
        obj=app,
        before={k: v for k, v in before.items() if after[k] != v},
        after={k: v for k, v in after.items() if before[k] != v},
    )
    return app


def _clear_assessment(app):
    app.annual_rate = app.limit_amount = app.max_term_months = app.assessed_on = None
    app.limit_binding = ""
    app.assessment = {}
    app.fast_lane = False


def _set_clock(app, on):
    app.accepted_on = on
    app.decision_due = on + datetime.timedelta(days=policy.get("loans.decision_days", on=on))


@transaction.atomic
def submit(*, actor, application: LoanApplication, comment="") -> LoanApplication:
    """The borrower submits the draft online (提交), or a loan officer accepts it (受理, the first of the three
    four-eyes steps; the decision clock starts). Either way the assessment is computed and stored. Refused, with
    nothing written, while a required document is missing (``loans.services.documents``)."""
    app = A.objects.select_related("borrower").get(pk=application.pk)
    action = "submit" if _is_borrower(actor, app.borrower) else "accept"

    def effect(case):
        loan_documents.require_complete(case)
        _assess(case)
        clocks.mark_complete(case)
        if action == "accept":
            _set_clock(case, today())

    return workflow.apply(FLOW, app, action=action, actor=actor, comment=comment, effect=effect)


@transaction.atomic
def accept(*, actor, application: LoanApplication, comment="") -> LoanApplication:
    """A loan officer accepts an application submitted online (受理)."""
    if not roles.has_role(actor, roles.LOAN_OFFICER):
        raise Forbidden(_("Your role does not allow this action."), code="wrong_role")

    def effect(case):
        loan_documents.require_complete(case)
        _assess(case)
        clocks.mark_complete(case)
        _set_clock(case, today())

    return workflow.apply(FLOW, application, action="accept", actor=actor, comment=comment, effect=effect)


@transaction.atomic
def assess(*, actor, application: LoanApplication, credit_ok=None) -> LoanApplication:
    """Compute the eligibility checks and the limit now and store them with their explanation (the reviewer's
    page shows them). A loan officer may record the credit check (``credit_ok``) at the same time."""
    app = A.objects.select_for_update(of=("self",)).select_related("borrower", "account").get(pk=application.pk)
    if not (
        _is_borrower(actor, app.borrower) or roles.has_role(actor, roles.LOAN_OFFICER, roles.REVIEWER, roles.APPROVER)
    ):
        raise Forbidden(_("Your role does not allow this action."), code="wrong_role")
    if app.state not in ASSESSABLE:
        raise StateError(_("A decided application is not assessed again."))
    if credit_ok is not None:
        if not roles.has_role(actor, roles.LOAN_OFFICER, roles.REVIEWER):
            raise Forbidden(_("Only a loan officer or a reviewer records the credit check."), code="wrong_role")
        app.credit_ok = bool(credit_ok)
    before = {"limit": str(app.limit_amount), "eligible": app.assessment.get("eligible")}
    _assess(app)
    app.save()
    audit.record(
        actor=actor,
        action="loan_application.assess",
        obj=app,
        before=before,
        after={
            "limit": str(app.limit_amount),
            "binding": app.limit_binding,
            "eligible": app.assessment["eligible"],
            "credit_ok": app.credit_ok,
        },
    )
    return app


# --- the assessment ------------------------------------------------------------------------------------------


def family_ids(app) -> list[int]:
    """The borrower and the spouse (when a depositor of this center)."""
    ids = [app.borrower_id]
    ids += [d for d in app.parties.filter(role=LoanParty.Role.SPOUSE).values_list("depositor_id", flat=True) if d]
    return ids


def balances(app) -> list[Decimal]:
    """Fund balances of the borrower, the spouse and the co-borrowers: the available balance of each open account
    at this center (the ledger balance less the money held, e.g. frozen by a court: DESIGN.md §5), or the balance
    another center certifies."""
    people = [app.borrower_id] + [d for d in app.parties.values_list("depositor_id", flat=True) if d]
    open_accounts = FundAccount.objects.filter(depositor_id__in=people).exclude(status__in=FundAccount.CLOSED_STATUSES)
    own = {
        a: max(b - h, ZERO)
        for a, b, h in open_accounts.values_list("depositor_id", "ledger_account__balance", "ledger_account__held")
    }
    out = [own.get(app.borrower_id, ZERO)]
    for depositor_id, other in app.parties.values_list("depositor_id", "other_center_balance"):
        out.append(own.get(depositor_id, ZERO) if depositor_id else (other or ZERO))
    return out


def fraud_ban_until(depositor_ids, on):
    """The end of a loan ban after fraud in force for any of the people (``settings.LOAN_BAN_SOURCE``), or None."""
    from django.conf import settings
    from django.utils.module_loading import import_string

    path = getattr(settings, "LOAN_BAN_SOURCE", "")
    return import_string(path)(depositor_ids=depositor_ids, on=on) if path else None


def registry_homes(app, on) -> list[dict]:
    """The homes the borrower and the spouse own in the city by the real-estate registry
    (``settings.LOAN_PROPERTY_SOURCE``), without the home this application is for (its purchase contract or title
    certificate number, or its address)."""
    from django.conf import settings
    from django.utils.module_loading import import_string

    path = getattr(settings, "LOAN_PROPERTY_SOURCE", "")
    if not path:
        return []
    ids = [app.borrower.id_number] + [
        p.id_number for p in app.parties.all() if p.role == LoanParty.Role.SPOUSE and p.id_number
    ]
    return import_string(path)(
        id_numbers=ids,
        on=on,
        exclude_certificate=app.purchase_certificate_number,
        exclude_address=app.property_address,
    )


def home_loans_unpaid(homes, family, outstanding) -> list[bool]:
    """For each home the family owns: is a loan on it still being repaid? Yes while the family owes on a fund loan
    of this center; else when the registry records a loan on it, unless it was this center's fund loan, paid off
    (the contract's mortgaged title is the registry's certificate)."""
    if outstanding:
        return [True] * len(homes)
    paid = set(
        LoanContract.objects.filter(borrower_id__in=family, status=LoanContract.Status.PAID_OFF)
        .exclude(collateral_title_number="")
        .values_list("collateral_title_number", flat=True)
    )
    return [(h["loan_amount"] or ZERO) > 0 and h["certificate_number"] not in paid for h in homes]


def party_facts(app, until) -> list[rules.Party]:
    """The spouse and the co-borrowers as the rules see them: for a depositor of this center, their open account,
    its continuous months and the fund loans they still owe on; for anyone, their birth date and sex (from the
    depositor record or the ID number)."""
    parties = list(app.parties.select_related("depositor"))
    ids = [p.depositor_id for p in parties if p.depositor_id]
    accounts = {}
    for account in (
        FundAccount.objects.filter(depositor_id__in=ids).exclude(status__in=FundAccount.CLOSED_STATUSES).order_by("pk")
    ):
        accounts[account.depositor_id] = account
    contracts = LoanContract.objects.filter(status__in=OUTSTANDING_STATUSES).exclude(application_id=app.pk)
    owing = {}
    for borrower_id, party_depositor in contracts.filter(
        Q(borrower_id__in=ids) | Q(application__parties__depositor_id__in=ids)
    ).values_list("borrower_id", "application__parties__depositor_id"):
        for d in {borrower_id, party_depositor} & set(ids):
            owing[d] = owing.get(d, 0) + 1
    out = []
    for party in parties:
        depositor = party.depositor
        if depositor is not None:
            birth, sex = depositor.birth_date, depositor.gender
        else:
            try:
                birth, sex = resident_id_facts(party.id_number)
            except (ValueError, IndexError):
                birth, sex = None, None
        account = accounts.get(party.depositor_id)
        out.append(
            rules.Party(
                name=party.name,
                role=party.role,
                birth_date=birth,
                sex=sex,
                female_category=party.female_category or calc.WORKER,
                depositor=depositor is not None,
                account_status=account.status if account else None,
                flexible=bool(account and account.kind == FundAccount.Kind.FLEXIBLE),
                continuous_months=continuous_months(account, until) if account else 0,
                outstanding_loans=owing.get(party.depositor_id, 0),
                certified_balance=party.other_center_balance,
            )
        )
    return out


def commercial_schedule(app) -> list:
    """The commercial part of a combined loan (组合贷), amortised by the one schedule function: shown, never stored
    as installments of this center nor posted to its ledger; empty for any other application."""
    if app.commercial_amount is None:
        return []
    return calc.schedule(app.commercial_amount, app.commercial_rate, app.commercial_term_months, app.commercial_method)


def context(app, *, p=None) -> rules.Context:
    """Every fact the eligibility rules need, read once."""
    on = app.application_date
    p = p if p is not None else policy.snapshot("loans.", on=on)
    family = family_ids(app)
    contracts = LoanContract.objects.filter(borrower_id__in=family).exclude(application_id=app.pk)
    # an approved application of the family not yet under contract is a loan on its way: it counts as outstanding
    pending = (
        A.objects.filter(borrower_id__in=family, state=S.APPROVED, contract__isnull=True).exclude(pk=app.pk).count()
    )
    borrower = app.borrower
    until = (on.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    outstanding = contracts.filter(status__in=OUTSTANDING_STATUSES).count() + pending
    homes = registry_homes(app, on)
    unpaid = home_loans_unpaid(homes, family, outstanding)
    return rules.Context(
        on=on,
        p=p,
        borrower=rules.Borrower(borrower.birth_date, borrower.gender, app.female_category or calc.WORKER),
        account_status=app.account.status,
        flexible=app.account.kind == FundAccount.Kind.FLEXIBLE,
        continuous_months=continuous_months(app.account, until),
        term_months=app.term_months,
        outstanding_loans=outstanding,
        loans_used=contracts.filter(status__in=USED_STATUSES).count() + pending,
        homes_owned=len(homes),
        owned_home_loan_unpaid=any(unpaid),
        homes=[{**h, "loan_unpaid": u} for h, u in zip(homes, unpaid, strict=True)],
        fraud_ban_until=fraud_ban_until(family, on),
        credit_ok=app.credit_ok,
        requested_amount=app.requested_amount,
        parties=party_facts(app, until),
        conversion=app.purpose == Purpose.CONVERSION,
        commercial_remaining_months=app.commercial_remaining_months,
    )


def _assess(app):
    """Fill the application's assessment fields (not saved)."""
    on = app.application_date
    p = policy.snapshot("loans.", on=on)
    ctx = context(app, p=p)
    app.homes_owned = ctx.homes_owned  # computed from the registry, shown on the case page
    app.owned_home_loan_unpaid = ctx.owned_home_loan_unpaid
    commercial = commercial_schedule(app)
    commercial_payment = commercial[0].payment if commercial else ZERO  # the first is the highest regular one
    second = app.second_home or ctx.loans_used >= 1
    rate = p[f"loans.rate.{calc.rate_key(app.term_months, second)}"]
    request = (
        calc.LimitRequest(
            balances=tuple(balances(app)),
            monthly_income=app.monthly_income,
            other_monthly_debt=app.other_monthly_debt,
            price=app.property_price,
            second_home=app.second_home,
            loans_used=ctx.loans_used,
            children=app.children,
            green=app.green_building,
            annual_rate=rate,
            months=app.term_months,
            method=app.method,
            ownership_share=app.ownership_share,
            commercial_remaining=app.commercial_remaining,
            commercial_amount=app.commercial_amount,
            commercial_payment=commercial_payment,
        )
    )
    limit = calc.loan_limit(request, p)
    ctx.limit = limit.granted
    outcome = rules.evaluate(ctx)
    # the checks and the limit's explanations in both languages, so the case page reads in the viewer's language
    texts = {}
    for language in LANGUAGES:
        with translation.override(language):
            texts[language] = (rules.evaluate(ctx), calc.loan_limit(request, p))
    app.annual_rate = rate
    app.limit_amount = limit.granted
    app.limit_binding = limit.binding
    app.max_term_months = outcome.term.months
    app.assessed_on = today()
    app.fast_lane = False  # set below, once the assessment is complete (loans.services.clocks.fast_lane)
    app.assessment = {
        **outcome.as_dict(),
        "checks": [
            {**c.as_dict(), **{f"message_{lang}": str(texts[lang][0].checks[i].message) for lang in LANGUAGES}}
            for i, c in enumerate(outcome.checks)
        ],
        "annual_rate": str(rate),
        "limit": {
            "granted": str(limit.granted),
            "binding": limit.binding,
            "uplift": str(limit.uplift),
            "components": [
                {"key": c.key, "label": str(c.label), "amount": str(c.amount), "explanation": str(c.explanation),
                 **{f"label_{lang}": str(texts[lang][1].components[i].label) for lang in LANGUAGES},
                 **{f"explanation_{lang}": str(texts[lang][1].components[i].explanation) for lang in LANGUAGES}}
                for i, c in enumerate(limit.components)
            ],
        },
        "continuous_months": ctx.continuous_months,
        "loans_used": ctx.loans_used,
        "outstanding_loans": ctx.outstanding_loans,
        "homes": [
            {
                "certificate_number": h["certificate_number"],
                "owner_name": h["owner_name"],
                "address": h["address"],
                "registration_date": h["registration_date"].isoformat() if h["registration_date"] else "",
                "loan_amount": str(h["loan_amount"] or ZERO),
                "loan_unpaid": h["loan_unpaid"],
            }
            for h in ctx.homes
        ],
        "commercial": (
            {
                "bank": app.commercial_bank,
                "amount": str(app.commercial_amount),
                "annual_rate": str(app.commercial_rate),
                "months": app.commercial_term_months,
                "method": app.commercial_method,
                "first_payment": str(commercial_payment),
                "total_interest": str(calc.total_interest(commercial)),
                "total_payment": str(calc.total_payment(commercial)),
            }
            if commercial
            else None
        ),
        "text": _("Limit %(l)s (%(b)s binds); longest term %(t)d months.")
        % {"l": format_yuan(limit.granted), "b": str(limit.component(limit.binding).label), "t": outcome.term.months},
    }
    app.fast_lane = clocks.fast_lane(app)
    return app


# --- decisions ---------------------------------------------------------------------------------------------------


@transaction.atomic
def review(*, actor, application: LoanApplication, comment="") -> LoanApplication:
    """审核: a reviewer (not the person who accepted it) confirms the assessment, computed again now."""
    return workflow.apply(FLOW, application, action="review", actor=actor, comment=comment, effect=_assess)


def lock_family(app):
    """Lock the depositor rows of the borrower and the spouse, in id order (no deadlock between two approvals of
    one family), so that two of the family's applications are never approved at once on the same facts."""
    ids = family_ids(app)
    list(Depositor.objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("pk").values_list("pk"))
    return ids


def _approve_effect(case):
    """Approval re-checks eligibility and the limit on current data, under the workflow's row lock and the
    family's lock."""
    lock_family(case)
    _assess(case)
    refusals = [c["message"] for c in case.assessment["checks"] if not c["passed"]]
    if refusals:
        raise InvalidInput(refusals[0], code="ineligible", fields={"__all__": refusals})
    case.decided_on = today()


@transaction.atomic
def approve(*, actor, application: LoanApplication, comment="") -> LoanApplication:
    """审批: an approver (a third person) approves; refused, with nothing written, when a check now fails."""
    return workflow.apply(FLOW, application, action="approve", actor=actor, comment=comment, effect=_approve_effect)


@transaction.atomic
def reject(*, actor, application: LoanApplication, reason: str) -> LoanApplication:
    reason = (reason or "").strip()
    if not reason or len(reason) > 500:
        raise _bad("reason", _("Give the reason for the refusal (at most 500 characters)."))

    def effect(case):
        case.decided_on = today()

    return workflow.apply(FLOW, application, action="reject", actor=actor, comment=reason, effect=effect)
