"""Sham-lawsuit risk of a deduction request (虚假诉讼风险, DOMAIN.md §6.4): the signals, the second-level review and
the letters to the court.

Every deduction request is scored when it is received (:func:`assess`, called by ``intake.receive_request``). The
facts are gathered once into a :class:`Context` (the balance, the withdrawal ground, the repeated actors counted
in the window, the contacts the center holds), and each signal is one :class:`Rule` that reads the context and
the policy snapshot ``ctx.p`` (the ``judicial.risk.`` parameters), like ``loans.rules``. The signals that fire
are stored on the request with their explanation in Chinese; the score is their number, and a request with at
least ``judicial.risk.flag_min_signals`` of them is flagged.

A flagged deduction is not carried out on the checker's word alone: a second-level reviewer — a user with the
approver role (审批员), who is neither the operator nor the checker of the request (the workflow's four-eyes rule:
the review is the case's "review" step between the operator's "accept" and the checker's "approve") — must let
it proceed (:func:`second_review`) after the operator's latest preparation. The reviewer may instead hold it and
ask the court to verify; the center sends a written objection or a request to verify (:func:`record_letter`)
but cannot refuse a valid ruling on its own judgement, so a held request waits for the court's answer and is
then reviewed again (or refused by the checker when the court withdraws it).

The center holds no home address of a depositor (``accounts.Depositor`` has a phone only): the address signal
compares the applicant's address with the address of the debtor's employer (colleagues, DOMAIN.md §6.4
"relationship"), and with a depositor address if one is ever recorded.
"""

import datetime
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from django.db import transaction
from django.db.models import F, Func, Value
from django.utils import translation
from django.utils.translation import gettext as _

from core import audit, policy, roles, workflow
from core.business_date import today
from core.errors import InvalidInput, StateError
from core.money import format_yuan
from judicial.models import BasisType, JudicialRequest, Measure, RiskLetter, RiskReview
from judicial.services.common import add_months
from judicial.services.deductions import withdrawal_condition
from judicial.services.flow import FLOW
from ledger.models import Account

JR = JudicialRequest
FEN = Decimal("0.01")
REVIEW_ROLES = (roles.APPROVER,)
LETTER_ROLES = (roles.APPROVER, roles.JUDICIAL_OFFICER)
SIGNAL_LANGUAGE = "zh-hans"  # the stored explanations are in Chinese whatever the language of the request


# --- normalisation -------------------------------------------------------------------------------------------

def norm_text(value) -> str:
    """Names and addresses compared as the same text: full-width folded (NFKC), no spaces, upper case."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value or "")).upper()


def norm_phone(value) -> str:
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", value or ""))
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    return digits


def _sql_norm(name, pattern, upper=False):
    expr = Func(F(name), Value(pattern), Value(""), Value("g"), function="regexp_replace")
    return Func(expr, function="UPPER") if upper else expr


# --- facts ---------------------------------------------------------------------------------------------------

@dataclass
class Context:
    on: datetime.date
    p: dict  # policy snapshot "judicial.risk." as of ``on``
    amount: Decimal
    balance: Decimal
    basis_type: str = ""
    ruling_date: datetime.date | None = None
    enforcement_date: datetime.date | None = None  # the enforcement application, else the day received
    withdrawal_ground: str = ""
    court_name: str = ""
    creditor_name: str = ""
    lawyer: str = ""
    mediator: str = ""
    creditor_phone: str = ""
    creditor_address: str = ""
    depositor_phone: str = ""
    depositor_address: str = ""
    employer_address: str = ""
    repeats: dict = field(default_factory=dict)  # actor kind -> other cases in the window


def _window_start(on, p):
    return add_months(on, -p["judicial.risk.repeat_months"])


def _other_cases(req, on, p):
    """The other deduction requests received in the window, of other cases."""
    return (JR.objects.filter(measure=Measure.DEDUCT, received_on__gte=_window_start(on, p), received_on__lte=on)
            .exclude(pk=req.pk).exclude(case_number=req.case_number))


def _count_cases(qs) -> int:
    return qs.values("case_number").distinct().count()


def repeats(req, on, p) -> dict:
    """Other cases of the window naming the same applicant, lawyer, mediator or applicant's phone, and other
    uncontested-basis deductions of the same court (only when this one is uncontested too)."""
    others = _other_cases(req, on, p)
    out = {}
    for kind, name in (("applicant", "creditor_name"), ("lawyer", "lawyer"), ("mediator", "mediator")):
        value = norm_text(getattr(req, name))
        out[kind] = _count_cases(others.annotate(_n=_sql_norm(name, r"\s+", upper=True)).filter(_n=value)) \
            if value else 0
    phone = norm_phone(req.creditor_phone)
    out["phone"] = _count_cases(others.annotate(_n=_sql_norm("creditor_phone", r"\D")).filter(_n=phone)) \
        if len(phone) >= 7 else 0
    uncontested = p["judicial.risk.uncontested_basis"]
    out["court"] = _count_cases(others.filter(court_id=req.court_id, basis_type__in=uncontested)) \
        if req.basis_type in uncontested else 0
    return out


def context(req: JudicialRequest, *, on=None) -> Context:
    on = on or req.received_on or today()
    p = policy.snapshot("judicial.risk.", on=on)
    account = req.account
    depositor = account.depositor
    balance = Account.objects.values_list("balance", flat=True).get(pk=account.ledger_account_id)
    return Context(
        on=on, p=p, amount=req.amount, balance=balance, basis_type=req.basis_type, ruling_date=req.ruling_date,
        enforcement_date=req.enforcement_filed_on or req.received_on, withdrawal_ground=withdrawal_condition(
            account, on), court_name=req.court.name, creditor_name=req.creditor_name, lawyer=req.lawyer,
        mediator=req.mediator, creditor_phone=req.creditor_phone, creditor_address=req.creditor_address,
        depositor_phone=depositor.phone, depositor_address=getattr(depositor, "address", "") or "",
        employer_address=account.employer.address if account.employer_id else "", repeats=repeats(req, on, p))


# --- rules ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Signal:
    code: str
    fired: bool
    message: str

    def as_dict(self):
        return {"code": self.code, "message": self.message}


class Rule:
    code = ""

    def check(self, ctx: Context) -> tuple[bool, str]:  # pragma: no cover - every rule overrides it
        raise NotImplementedError


class DebtNearBalance(Rule):
    """The amount requested is within ± the policy share of the balance, or an exact round share of it."""

    code = "debt_near_balance"

    def check(self, ctx):
        if ctx.balance <= 0 or ctx.amount is None:
            return False, _("No balance to compare the debt with")
        tolerance = ctx.p["judicial.risk.balance_tolerance"]
        values = {"a": format_yuan(ctx.amount), "b": format_yuan(ctx.balance)}
        if abs(ctx.amount - ctx.balance) <= ctx.balance * tolerance:
            percent = f"{(tolerance * 100).normalize():f}"
            return True, _("The amount to deduct (%(a)s) is within %(t)s%% of the whole balance (%(b)s): the "
                           "debt looks made to measure for the fund account.") % {**values, "t": percent}
        for share in ctx.p["judicial.risk.round_shares"]:
            try:
                fraction = Fraction(str(share))
            except (ValueError, ZeroDivisionError):
                continue
            exact = (ctx.balance * fraction.numerator / fraction.denominator).quantize(FEN)
            if ctx.amount == exact:
                return True, _("The amount to deduct (%(a)s) is exactly %(s)s of the balance (%(b)s).") % {
                    **values, "s": share}
        return False, _("The amount to deduct (%(a)s) is not close to the balance (%(b)s)") % values


class UncontestedBasis(Rule):
    """The basis is a mediation statement, a judicial confirmation, a payment order (no contested trial)."""

    code = "uncontested_basis"

    def check(self, ctx):
        label = dict(BasisType.choices).get(ctx.basis_type, "")
        if ctx.basis_type and ctx.basis_type in ctx.p["judicial.risk.uncontested_basis"]:
            return True, _("The deduction rests on %(d)s, a fast procedure the debtor did not contest: the center "
                           "reviews every mediation-based deduction (second-level review).") % {"d": label}
        return False, str(label) if label else _("Basis document type not given")


class FastEnforcement(Rule):
    """From the ruling to the enforcement application in fewer than the policy days."""

    code = "fast_enforcement"

    def check(self, ctx):
        if ctx.ruling_date is None or ctx.enforcement_date is None:
            return False, _("Ruling date not given")
        days = (ctx.enforcement_date - ctx.ruling_date).days
        limit = ctx.p["judicial.risk.fast_enforcement_days"]
        if 0 <= days < limit:
            return True, _("Only %(n)d days from the ruling (%(r)s) to enforcement (%(e)s), fewer than %(l)d.") % {
                "n": days, "r": ctx.ruling_date.isoformat(), "e": ctx.enforcement_date.isoformat(), "l": limit}
        return False, _("%(n)d days from the ruling to enforcement") % {"n": days}


class NoWithdrawalCondition(Rule):
    """The person meets no withdrawal condition: still employed and depositing."""

    code = "no_withdrawal_condition"

    def check(self, ctx):
        if not ctx.withdrawal_ground:
            return True, _("The person meets no withdrawal condition (still employed and depositing): the "
                           "deduction would cash out a balance the person could not withdraw.")
        return False, _("Withdrawal condition met: %(g)s") % {"g": ctx.withdrawal_ground}


class Repeated(Rule):
    """The same actor in other cases of the window (DOMAIN.md §6.4 "repeated actors", "broker traces")."""

    kind = ""
    threshold_key = "judicial.risk.repeat_cases"

    def label(self, ctx) -> str:  # pragma: no cover - every subclass overrides it
        raise NotImplementedError

    def check(self, ctx):
        n = ctx.repeats.get(self.kind, 0)
        months = ctx.p["judicial.risk.repeat_months"]
        if n >= ctx.p[self.threshold_key]:
            return True, _("%(who)s also appears in %(n)d other deduction cases of the last %(m)d months.") % {
                "who": self.label(ctx), "n": n, "m": months}
        return False, _("%(who)s: %(n)d other cases in %(m)d months") % {"who": self.label(ctx), "n": n, "m": months}


class RepeatedApplicant(Repeated):
    code, kind = "repeated_applicant", "applicant"

    def label(self, ctx):
        return _("The applicant %(x)s") % {"x": ctx.creditor_name or "-"}


class RepeatedLawyer(Repeated):
    code, kind = "repeated_lawyer", "lawyer"

    def label(self, ctx):
        return _("The lawyer %(x)s") % {"x": ctx.lawyer or "-"}


class RepeatedMediator(Repeated):
    code, kind = "repeated_mediator", "mediator"

    def label(self, ctx):
        return _("The mediator %(x)s") % {"x": ctx.mediator or "-"}


class RepeatedPhone(Repeated):
    code, kind = "repeated_phone", "phone"

    def label(self, ctx):
        return _("The applicant's phone %(x)s") % {"x": ctx.creditor_phone or "-"}


class RepeatedCourt(Repeated):
    """Other uncontested-basis deductions of the same court (counted only when this one is uncontested)."""

    code, kind = "repeated_court", "court"
    threshold_key = "judicial.risk.repeat_court_cases"

    def label(self, ctx):
        return _("The court %(x)s (uncontested bases)") % {"x": ctx.court_name}


class SharedContact(Rule):
    """The applicant shares a phone or an address with the depositor (or the depositor's employer)."""

    code = "shared_contact"

    def check(self, ctx):
        phone = norm_phone(ctx.creditor_phone)
        if phone and phone == norm_phone(ctx.depositor_phone):
            return True, _("The applicant's phone %(p)s is the depositor's own phone on the center's records.") % {
                "p": ctx.creditor_phone}
        address = norm_text(ctx.creditor_address)
        if address and address == norm_text(ctx.depositor_address):
            return True, _("The applicant's address is the depositor's address on the center's records.")
        if address and address == norm_text(ctx.employer_address):
            return True, _("The applicant's address %(a)s is the address of the depositor's employer "
                           "(colleagues?).") % {"a": ctx.creditor_address}
        return False, _("No phone or address shared with the depositor")


RULES = (DebtNearBalance(), UncontestedBasis(), FastEnforcement(), NoWithdrawalCondition(), RepeatedApplicant(),
         RepeatedLawyer(), RepeatedMediator(), RepeatedCourt(), RepeatedPhone(), SharedContact())
SIGNAL_CODES = tuple(r.code for r in RULES)


def evaluate(ctx: Context, language=SIGNAL_LANGUAGE) -> list[Signal]:
    """Every rule on the context, in Chinese (the letters to the court quote them) or in ``language``."""
    with translation.override(language):
        return [Signal(r.code, *r.check(ctx)) for r in RULES]


# --- services ------------------------------------------------------------------------------------------------

def assess(req: JudicialRequest) -> JudicialRequest:
    """Score a deduction request (in the caller's transaction, at intake) and store the signals that fired."""
    if req.measure != Measure.DEDUCT or req.account_id is None:
        return req
    ctx = context(req)
    fired = [s for s in evaluate(ctx) if s.fired]
    req.risk_score = len(fired)
    english = {s.code: s.message for s in evaluate(ctx, language="en")}  # for the staff page in English
    req.risk_signals = [{**s.as_dict(), "message_en": english.get(s.code, s.message)} for s in fired]
    req.risk_flagged = req.risk_score >= ctx.p["judicial.risk.flag_min_signals"]
    req.save(update_fields=["risk_score", "risk_signals", "risk_flagged"])
    audit.record(actor=req.received_by, action="judicial.risk.assess", obj=req,
                 after={"score": req.risk_score, "flagged": req.risk_flagged,
                        "signals": [s.code for s in fired], "balance": ctx.balance})
    return req


def _prepared_at(case):
    last = workflow.history(case).filter(action="prepare").order_by("-id").first()
    return last.at if last else None


def review_in_force(case) -> RiskReview | None:
    """The latest second-level review taken after the operator's latest preparation, or ``None``."""
    prepared = _prepared_at(case)
    qs = RiskReview.objects.filter(request_id=case.pk)
    if prepared is not None:
        qs = qs.filter(at__gte=prepared)
    return qs.order_by("-id").first()


def require_second_review(case):
    """Called by the checker's confirmation, under the request's lock: a flagged deduction needs a second-level
    review letting it proceed first. Raises StateError (nothing is written)."""
    if case.measure != Measure.DEDUCT or not case.risk_flagged:
        return
    review = review_in_force(case)
    if review is None:
        raise StateError(_("This deduction is flagged as a possible sham lawsuit: it needs a second-level review "
                           "(an approver other than the operator and the checker) before it can be confirmed."),
                         code="second_review_required")
    if review.decision != RiskReview.Decision.PROCEED:
        raise StateError(_("The second-level reviewer is holding this deduction until the court answers the "
                           "request to verify."), code="second_review_hold")


@transaction.atomic
def second_review(*, actor, request, decision, comment) -> JudicialRequest:
    """二级审核 of a flagged deduction prepared by the operator: ``proceed`` (the checker may confirm) or
    ``verify`` (held while the court is asked to verify). The reviewer is an approver who took no other step of
    the request (the workflow's four-eyes rule), and must write why."""
    roles.require_role(actor, *REVIEW_ROLES)
    comment = (comment or "").strip()
    if decision not in RiskReview.Decision.values:
        raise InvalidInput(_("Choose a decision."), code="invalid", fields={"decision": [_("Unknown decision.")]})
    if not comment or len(comment) > 500:
        raise InvalidInput(_("Write the review's reasons (at most 500 characters)."), code="invalid",
                           fields={"comment": [_("Required, at most 500 characters.")]})
    if request.measure != Measure.DEDUCT or not request.risk_flagged:
        raise StateError(_("Only a flagged deduction goes to the second-level review."), code="not_flagged")

    def effect(case):
        RiskReview.objects.create(request=case, reviewer=actor, decision=decision, comment=comment,
                                  business_date=today())

    req = workflow.apply(FLOW, request, action="second_review", actor=actor, comment=comment, effect=effect)
    audit.record(actor=actor, action="judicial.risk.review", obj=req, after={"decision": decision})
    return req


def letter_facts(req: JudicialRequest, *, kind, number, sent_on) -> dict:
    """What a letter to the court says (the page prints it; its SHA-256 is kept when it is sent)."""
    return {"kind": kind, "number": number, "sent_on": sent_on.isoformat(), "court": req.court.name,
            "court_code": req.court.code, "case_number": req.case_number, "request_number": req.number,
            "ruling_number": req.ruling_number, "notice_number": req.notice_number, "person_name": req.person_name,
            "amount": str(req.amount), "basis_type": req.basis_type, "creditor_name": req.creditor_name,
            "signals": [s["message"] for s in req.risk_signals]}


def letter_number(kind, sent_on, req) -> str:
    prefix = "HS" if kind == RiskLetter.Kind.VERIFICATION else "YY"
    return f"{prefix}{sent_on:%Y%m%d}-{req.pk:06d}-{RiskLetter.objects.filter(request=req).count() + 1}"


@transaction.atomic
def record_letter(*, actor, request, kind) -> RiskLetter:
    """Record that the written objection or the request to verify about a flagged deduction was sent."""
    roles.require_role(actor, *LETTER_ROLES)
    if kind not in RiskLetter.Kind.values:
        raise InvalidInput(_("Choose the kind of letter."), code="invalid", fields={"kind": [_("Unknown kind.")]})
    req = JR.objects.select_for_update(of=("self",)).select_related("court").get(pk=request.pk)
    if req.measure != Measure.DEDUCT or not req.risk_flagged:
        raise StateError(_("Letters to the court are for flagged deductions."), code="not_flagged")
    on = today()
    number = letter_number(kind, on, req)
    facts = letter_facts(req, kind=kind, number=number, sent_on=on)
    digest = hashlib.sha256(json.dumps(facts, ensure_ascii=False, sort_keys=True).encode()).hexdigest()
    letter = RiskLetter.objects.create(request=req, kind=kind, number=number, sent_on=on, sent_by=actor,
                                       content_sha256=digest)
    audit.record(actor=actor, action="judicial.risk.letter", obj=req, after={"kind": kind, "number": number,
                                                                             "sha256": digest})
    return letter
