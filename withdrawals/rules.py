"""Eligibility rules per withdrawal reason (DOMAIN.md §3, §13).

One rule class per reason: eligibility (refusals in Chinese through gettext), the maximum amount, the evidence
required, whether it closes the account, intervals and yearly caps. Rules read the policy in force on the
application date (``Context.p``) and are effective-dated themselves: :func:`rule_set` returns the rules in force
on a date (before the 2026 switch the rent ground needs rent above a share of income, and renovation, property
fees and other approved housing consumption do not exist).

A :class:`Context` is built once per check by :func:`build_context` (all the reads), so a rule is plain code.
"""

import datetime
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from accounts.models import FundAccount
from core import compiled, policy
from core.actors import system_actor
from core.money import ZERO, format_yuan, round_money, to_decimal
from withdrawals.models import DocumentType as Doc
from withdrawals.models import Evidence, FraudBan, PropertyRecord, Reason, WithdrawalApplication

# States whose money is spent or committed: they count against caps and intervals.
COUNTING_STATES = ("approved", "paid", "closed")


def normalize_number(value) -> str:
    """A document number as written on it, without spaces and in upper case, so one bill is one number."""
    return "".join(str(value or "").split()).upper()


def add_months(day: datetime.date, n: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + n
    year, month = index // 12, index % 12 + 1
    last = [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28, 31, 30, 31, 30, 31, 31, 30, 31,
            30, 31][month - 1]
    return datetime.date(year, month, min(day.day, last))


def month_start(day):
    return datetime.date(day.year, day.month, 1)


def continuous_months(account, until_month) -> int:
    """From the deposits app (DOMAIN.md §1.6)."""
    from deposits.selectors import continuous_months as deposits_continuous

    return deposits_continuous(account, until_month)


@dataclass
class Context:
    on: datetime.date
    account: FundAccount
    p: dict  # policy snapshot "withdrawals." as of ``on``
    balance: Decimal
    held: Decimal
    facts: dict
    application_id: int | None = None
    property_ids: dict = field(default_factory=dict)  # owner id numbers of applicant (+spouse)
    properties: list = field(default_factory=list)  # PropertyRecords of applicant and spouse, not cancelled
    closing_interest: Decimal = ZERO

    @property
    def depositor(self):
        return self.account.depositor

    @property
    def available(self) -> Decimal:
        return self.balance - self.held

    def fact_money(self, name) -> Decimal | None:
        value = self.facts.get(name)
        if value in (None, ""):
            return None
        try:
            return round_money(to_decimal(value))
        except (ValueError, TypeError, ArithmeticError):
            return None

    def withdrawn(self, reasons, since=None, depositors=None, property_id=None) -> Decimal:
        """Money approved or paid for ``reasons`` (other applications only), optionally since a date."""
        qs = WithdrawalApplication.objects.filter(reason__in=reasons, state__in=COUNTING_STATES)
        qs = qs.filter(depositor_id__in=depositors) if depositors else qs.filter(account_id=self.account.pk)
        if since:
            qs = qs.filter(application_date__gte=since)
        if property_id:
            qs = qs.filter(property_record_id=property_id)
        if self.application_id:
            qs = qs.exclude(pk=self.application_id)
        return qs.aggregate(s=Sum("amount_approved"))["s"] or ZERO

    def household(self):
        return household_ids(self.depositor)

    def property(self):
        """The home the application is about (facts["property"] = certificate number) owned by the household."""
        cert = (self.facts.get("property") or "").strip()
        for rec in self.properties:
            if rec.certificate_number == cert:
                return rec
        return None


@dataclass
class Outcome:
    reason: str
    eligible: bool = True
    refusals: list = field(default_factory=list)
    maximum: Decimal = ZERO
    passed: list = field(default_factory=list)
    evidence: tuple = ()
    closes_account: bool = False
    auto_approvable: bool = False
    property_id: int | None = None
    evidence_ref: tuple | None = None  # (kind, number, amount) of the bill or invoice drawn against

    def refuse(self, message):
        self.eligible = False
        self.refusals.append(str(message))

    def ok(self, message):
        self.passed.append(str(message))

    def as_dict(self):
        return {"reason": self.reason, "eligible": self.eligible, "refusals": self.refusals,
                "maximum": str(self.maximum), "passed": self.passed, "evidence": list(self.evidence),
                "closes_account": self.closes_account, "auto_approvable": self.auto_approvable}


class Rule:
    reason: str = ""
    evidence: tuple = ()
    fields: tuple = ()  # the application form's fact fields this ground reads (the form shows only these)
    closes_account = False
    auto_approvable = False  # may be approved by rule when every data check passes (and the policy lists it)
    # (Evidence kind, fact with its number, fact with its amount): the document money is drawn against; what
    # all applications draw against one document never exceeds its amount.
    drawn_against: tuple | None = None

    def evaluate(self, ctx: Context) -> Outcome:
        out = Outcome(self.reason, evidence=self.evidence, closes_account=self.closes_account,
                      auto_approvable=self.auto_approvable)
        self.common(ctx, out)
        self.check(ctx, out)
        if self.drawn_against and out.eligible and self.draws_against_evidence(ctx):
            self.check_evidence(ctx, out)
        out.maximum = max(min(out.maximum, self.ceiling(ctx)), ZERO) if out.eligible else ZERO
        return out

    def ceiling(self, ctx):
        """Partial withdrawals keep the minimum balance and never touch held money."""
        return ctx.available - ctx.p["withdrawals.min_balance"]

    def common(self, ctx: Context, out: Outcome):
        if ctx.account.is_closed:
            out.refuse(_("The account is closed."))
        bans = next(iter(compiled.objects(("rules: fraud ban",), lambda pk, on: (
            FraudBan.objects.filter(depositor=pk, kind=FraudBan.Kind.WITHDRAWAL, starts_on__lte=on, ends_on__gte=on)
            .order_by("-ends_on")[:1]), (ctx.depositor.pk, ctx.on))), None)
        if bans:
            out.refuse(_("Withdrawals are banned until %(d)s because of an earlier fraudulent withdrawal.")
                       % {"d": bans.ends_on})
        else:
            out.ok(_("No fraud ban"))

    def check(self, ctx: Context, out: Outcome):  # pragma: no cover - every rule overrides it
        raise NotImplementedError

    def met_on_record(self, ctx: Context) -> bool:
        """Whether the center's own records show the person meets this ground on ``ctx.on``, with no application
        and no document from the person (a court deduction's withdrawal condition, DOMAIN.md §6.1). Housing
        consumption and the grounds proved only by a document never are."""
        return False

    def draws_against_evidence(self, ctx: Context) -> bool:
        """Whether this application draws against a document (always, for the grounds that declare one)."""
        return True

    def check_evidence(self, ctx: Context, out: Outcome):
        """The running total of the bill or invoice: its amount less what other applications drew against it."""
        kind, number_fact, amount_fact = self.drawn_against
        number = normalize_number(ctx.facts.get(number_fact))
        amount = ctx.fact_money(amount_fact)
        label = Evidence.Kind(kind).label
        if not number:
            out.refuse(_("Give the number of the %(k)s.") % {"k": label})
            return
        if len(number) > 60:
            out.refuse(_("The %(k)s number is too long.") % {"k": label})
            return
        if amount is None or amount <= 0:
            out.refuse(_("Give the amount on the %(k)s.") % {"k": label})
            return
        rows = compiled.values_rows(("rules: evidence",), lambda k, n: (
            Evidence.objects.filter(kind=k, number=n).order_by("pk").values("pk", "amount")[:1]), (str(kind), number))
        known = (rows[0]["pk"], rows[0]["amount"]) if rows else None
        if known and known[1] != amount:
            out.refuse(_("%(k)s %(n)s is on record for %(a)s; the amount given differs.")
                       % {"k": label, "n": number, "a": format_yuan(known[1])})
            return
        drawn = ZERO
        if known:
            qs = WithdrawalApplication.objects.filter(evidence_id=known[0], state__in=COUNTING_STATES)
            if ctx.application_id:
                qs = qs.exclude(pk=ctx.application_id)
            drawn = qs.aggregate(s=Sum("amount_approved"))["s"] or ZERO
        if drawn >= amount:
            out.refuse(_("%(k)s %(n)s (%(a)s) has already been drawn against in full.")
                       % {"k": label, "n": number, "a": format_yuan(amount)})
            return
        out.evidence_ref = (kind, number, amount)
        out.maximum = min(out.maximum, amount - drawn)
        out.ok(_("%(k)s %(n)s: %(a)s, already drawn %(d)s") % {"k": label, "n": number, "a": format_yuan(amount),
                                                               "d": format_yuan(drawn)})


class ClosingRule(Rule):
    closes_account = True

    def ceiling(self, ctx):
        return ctx.balance + ctx.closing_interest

    def check(self, ctx, out):
        if ctx.held > 0:
            out.refuse(_("Part of the balance is frozen (%(h)s); the account cannot be closed.")
                       % {"h": format_yuan(ctx.held)})
        self.condition(ctx, out)
        out.maximum = ctx.balance + ctx.closing_interest

    def condition(self, ctx, out):
        pass

    def met_on_record(self, ctx):
        """A closing ground is on record once a withdrawal of the person for it was approved (its documents were
        checked then); it does not lapse."""
        return WithdrawalApplication.objects.filter(depositor_id=ctx.account.depositor_id, reason=self.reason,
                                                    state__in=COUNTING_STATES, application_date__lte=ctx.on).exists()

    def condition_met(self, ctx, facts) -> bool:
        """This ground's own condition (:meth:`condition`) on facts taken from the records."""
        out = Outcome(self.reason)
        self.condition(replace(ctx, facts=facts), out)
        return out.eligible


class Rent(Rule):
    reason = Reason.RENT
    fields = ("monthly_rent", "months", "public_rental", "lease_number", "lease_total")
    evidence = (Doc.LEASE,)
    auto_approvable = True
    # Rent without a registered lease is drawn at the standard caps; with one, what every application draws
    # against the lease (the applicant's, the spouse's, a flatmate's) never exceeds the lease's total rent.
    drawn_against = (Evidence.Kind.LEASE, "lease_number", "lease_total")

    def draws_against_evidence(self, ctx):
        return bool(normalize_number(ctx.facts.get("lease_number")))

    def check(self, ctx, out):
        p = ctx.p
        if any(True for _r in ctx.properties):
            out.refuse(_("The real-estate registry shows a home in the city owned by the applicant or the spouse."))
        else:
            out.ok(_("No home in the city (registry checked)"))
        needed = p["withdrawals.rent.min_continuous_months"]
        months = continuous_months(ctx.account, add_months(month_start(ctx.on), -1))
        if months < needed:
            out.refuse(_("Deposits must be continuous for at least %(n)d months before the application; "
                         "there are %(m)d.") % {"n": needed, "m": months})
        else:
            out.ok(_("%(m)d continuous months of deposits") % {"m": months})
        rent = ctx.fact_money("monthly_rent")
        n = int(ctx.facts.get("months") or 1)
        if rent is None or rent <= 0:
            out.refuse(_("Give the monthly rent."))
            return
        if not 1 <= n <= 12:
            out.refuse(_("A rent withdrawal covers 1 to 12 months."))
            return
        monthly_cap = rent_monthly_cap(ctx.p, on=ctx.on, opened_on=ctx.account.opened_on,
                                       children=ctx.depositor.children, monthly_deposit=ctx.account.monthly_total)
        if ctx.facts.get("public_rental"):
            monthly_cap = rent
        per_month = min(rent, monthly_cap)
        yearly_left = rent_yearly_left({ctx.account.pk: monthly_cap}, on=ctx.on,
                                       exclude=ctx.application_id)[ctx.account.pk]
        out.maximum = min(per_month * n, yearly_left)
        out.ok(_("Cap %(c)s a month, %(y)s left of the yearly cap") % {"c": format_yuan(monthly_cap),
                                                                      "y": format_yuan(yearly_left)})


def rent_monthly_cap(p, *, on, opened_on, children, monthly_deposit) -> Decimal:
    """Rent cap per month (DOMAIN.md §13): the policy's yuan per person, or the full monthly deposit for new
    citizens (first deposit within the set years) and families with enough children. ``p``: the policy snapshot."""
    new_citizen = opened_on >= add_months(on, -12 * p["withdrawals.rent.new_citizen_years"])
    if new_citizen or children >= p["withdrawals.rent.multi_child_min"]:
        return max(monthly_deposit, p["withdrawals.rent.monthly_cap"])
    return p["withdrawals.rent.monthly_cap"]


def rent_yearly_left(monthly_caps: dict, *, on, exclude=None) -> dict:
    """What is left of the yearly rent cap (12 × the monthly cap) of each account on ``on``: the cap less every
    rent withdrawal approved, paid or completed in the 12 months before, one-off and standing alike.
    ``monthly_caps``: {fund account id: monthly cap}; one query for any number of accounts. The one place the
    yearly cap is computed: the rent rule and the monthly standing run both use it."""
    used = dict(WithdrawalApplication.objects.filter(
        account_id__in=list(monthly_caps), reason=Reason.RENT, state__in=COUNTING_STATES,
        application_date__gte=add_months(on, -12)).exclude(pk=exclude).values("account_id").annotate(
        s=Sum("amount_approved")).values_list("account_id", "s"))
    return {acc: max(12 * cap - (used.get(acc) or ZERO), ZERO) for acc, cap in monthly_caps.items()}


class RentBefore2026(Rent):
    """Before 2026-09-20: the rent must exceed a share of the family wage income (2019 regulation)."""

    fields = (*Rent.fields, "family_income")

    auto_approvable = False

    def check(self, ctx, out):
        super().check(ctx, out)
        rent, income = ctx.fact_money("monthly_rent"), ctx.fact_money("family_income")
        share = ctx.p["withdrawals.rent.income_share"]
        if income is None or income <= 0:
            out.refuse(_("Give the family's monthly wage income."))
        elif rent is not None and rent <= income * share:
            out.refuse(_("Before 2026-09-20 the rent must exceed %(s)s%% of the family wage income.")
                       % {"s": (share * 100).normalize()})
        else:
            out.ok(_("Rent above the income threshold"))


class Purchase(Rule):
    reason = Reason.PURCHASE
    fields = ("property",)
    evidence = (Doc.PURCHASE_CONTRACT, Doc.INVOICE)

    def check(self, ctx, out):
        rec = ctx.property()
        if rec is None:
            out.refuse(_("The real-estate registry has no home with this contract or certificate number owned by "
                         "the applicant or the spouse."))
            return
        out.property_id = rec.pk
        out.ok(_("Home found in the registry"))
        start = rec.contract_date or rec.registration_date
        window = ctx.p["withdrawals.purchase.window_months"]
        if start is None or add_months(start, window) < ctx.on:
            out.refuse(_("The purchase must be within %(n)d months of the contract or title.") % {"n": window})
        if rec.price is None:
            out.refuse(_("The registry has no price for this home."))
            return
        own_part = rec.price - rec.loan_amount
        used = ctx.withdrawn([Reason.PURCHASE], depositors=ctx.household(), property_id=rec.pk)
        out.maximum = own_part - used
        out.ok(_("Self-paid part %(p)s, already withdrawn %(u)s") % {"p": format_yuan(own_part),
                                                                    "u": format_yuan(used)})


class Build(Rule):
    reason = Reason.BUILD
    fields = ("cost", "invoice_number")
    evidence = (Doc.BUILD_PERMIT, Doc.INVOICE)
    drawn_against = (Evidence.Kind.INVOICE, "invoice_number", "cost")

    def check(self, ctx, out):
        cost = ctx.fact_money("cost")
        if cost is None or cost <= 0:
            out.refuse(_("Give the cost of the building work."))
            return
        out.maximum = cost - ctx.withdrawn([Reason.BUILD], since=add_months(ctx.on, -12))


class LoanRepayment(Rule):
    """Yearly withdrawal ≤ what was repaid in the look-back period. Approved by rule only on repayments the
    center's own loan records show (``withdrawals.selectors.verified_loan_repayments``); a figure the applicant
    typed, or another lender's loan, always goes to a reviewer, who checks it against the statement."""

    reason = Reason.LOAN_REPAYMENT
    fields = ("loan_kind", "repaid")
    evidence = (Doc.LOAN_STATEMENT,)
    auto_approvable = True

    def check(self, ctx, out):
        from withdrawals.selectors import verified_loan_repayments

        out.auto_approvable = False
        since = add_months(ctx.on, -ctx.p["withdrawals.loan_repayment.lookback_months"])
        used = ctx.withdrawn([Reason.LOAN_REPAYMENT], since=since)
        if ctx.facts.get("loan_kind") == "center":
            verified = verified_loan_repayments(viewer=system_actor(), depositor=ctx.depositor, since=since,
                                                until=ctx.on)
            if verified is not None:
                out.auto_approvable = True
                out.maximum = verified - used
                out.ok(_("Repaid %(r)s in the look-back period (the center's loan records)")
                       % {"r": format_yuan(verified)})
                return
        repaid = ctx.fact_money("repaid")
        if repaid is None or repaid <= 0:
            out.refuse(_("Give the principal and interest repaid in the last 12 months."))
            return
        out.maximum = repaid - used
        out.ok(_("Declared repaid %(r)s in the look-back period: a reviewer checks it against the loan statement")
               % {"r": format_yuan(repaid)})


class Renovation(Rule):
    reason = Reason.RENOVATION
    fields = ("property", "invoice", "invoice_number")
    evidence = (Doc.PURCHASE_CONTRACT, Doc.INVOICE)
    drawn_against = (Evidence.Kind.INVOICE, "invoice_number", "invoice")

    def check(self, ctx, out):
        rec = ctx.property()
        if rec is None:
            out.refuse(_("Renovation: the home must be registered to the applicant or the spouse."))
            return
        out.property_id = rec.pk
        years = ctx.p["withdrawals.renovation.interval_years"]
        since = add_months(ctx.on, -12 * years)
        if ctx.withdrawn([Reason.RENOVATION], since=since, depositors=ctx.household(), property_id=rec.pk) > 0:
            out.refuse(_("This home already had a renovation withdrawal in the last %(n)d years.") % {"n": years})
        invoice = ctx.fact_money("invoice")
        if invoice is None or invoice <= 0:
            out.refuse(_("Give the renovation invoice amount."))
            return
        share, cap = ctx.p["withdrawals.renovation.invoice_share"], ctx.p["withdrawals.renovation.cap"]
        out.maximum = min(round_money(invoice * share), cap)
        out.ok(_("Own home; %(s)s of the invoice, at most %(c)s") % {"s": share, "c": format_yuan(cap)})


class PropertyFee(Rule):
    reason = Reason.PROPERTY_FEE
    fields = ("property", "fee")
    evidence = (Doc.INVOICE,)
    auto_approvable = True

    def check(self, ctx, out):
        rec = ctx.property()
        if rec is None:
            out.refuse(_("Property fees: the home must be registered to the applicant or the spouse."))
            return
        out.property_id = rec.pk
        fee = ctx.fact_money("fee")
        if fee is None or fee <= 0:
            out.refuse(_("Give the property fee paid."))
            return
        cap = ctx.p["withdrawals.property_fee.yearly_cap"]
        used = ctx.withdrawn([Reason.PROPERTY_FEE], since=datetime.date(ctx.on.year, 1, 1))
        out.maximum = min(fee, cap - used)
        out.ok(_("Own home; yearly cap %(c)s, used %(u)s") % {"c": format_yuan(cap), "u": format_yuan(used)})


class OtherHousing(Rule):
    reason = Reason.OTHER_HOUSING
    fields = ("cost", "invoice_number")
    evidence = (Doc.APPROVAL, Doc.INVOICE)
    drawn_against = (Evidence.Kind.INVOICE, "invoice_number", "cost")

    def check(self, ctx, out):
        amount = ctx.fact_money("cost")
        if amount is None or amount <= 0:
            out.refuse(_("Give the cost of the housing consumption."))
            return
        out.maximum = amount


class Lift(Rule):
    reason = Reason.LIFT
    fields = ("property", "share_cost", "owner_id_number", "owner_relation")
    evidence = (Doc.LIFT_AGREEMENT, Doc.INVOICE)

    def check(self, ctx, out):
        owner = (ctx.facts.get("owner_id_number") or "").strip().upper()
        cert = (ctx.facts.get("property") or "").strip()
        rec = PropertyRecord.objects.filter(certificate_number=cert, cancelled_on=None).first()
        own = rec is not None and rec.owner_id_number.upper() in ctx.property_ids.values()
        parents = rec is not None and owner and rec.owner_id_number.upper() == owner and ctx.facts.get(
            "owner_relation") in ("parent", "spouse_parent")
        if not (own or parents):
            out.refuse(_("Lift installation: the home must belong to the applicant, the spouse or a parent of "
                         "either spouse, as the registry shows."))
            return
        if parents and Doc.RELATION_PROOF not in out.evidence:
            out.evidence = (*out.evidence, Doc.RELATION_PROOF)
        out.property_id = rec.pk
        share = ctx.fact_money("share_cost")
        if share is None or share <= 0:
            out.refuse(_("Give the household's share of the lift cost."))
            return
        out.maximum = share - ctx.withdrawn([Reason.LIFT], depositors=ctx.household(), property_id=rec.pk)
        out.ok(_("Home found in the registry"))


class Illness(Rule):
    reason = Reason.ILLNESS
    fields = ("medical_cost", "bill_number", "patient")
    evidence = (Doc.MEDICAL,)
    drawn_against = (Evidence.Kind.BILL, "bill_number", "medical_cost")

    def check(self, ctx, out):
        cost = ctx.fact_money("medical_cost")
        if cost is None or cost <= 0:
            out.refuse(_("Give the self-paid medical cost."))
            return
        if ctx.facts.get("patient", "self") not in ("self", "spouse", "child"):
            out.refuse(_("Only the applicant's, the spouse's or a child's medical cost counts."))
        out.maximum = cost


class MinimumLiving(Rule):
    reason = Reason.MIN_LIVING
    evidence = (Doc.MIN_LIVING_CERT,)

    def check(self, ctx, out):
        out.maximum = ctx.available


class Retirement(ClosingRule):
    reason = Reason.RETIREMENT
    fields = ("retired_on",)
    evidence = (Doc.RETIREMENT_CERT,)

    def condition(self, ctx, out):
        retired = ctx.facts.get("retired_on")
        if not retired or datetime.date.fromisoformat(str(retired)) > ctx.on:
            out.refuse(_("Give the retirement date; it must not be in the future."))

    def met_on_record(self, ctx):
        """Also met once the person has reached the statutory retirement age (their birth date and sex)."""
        if super().met_on_record(ctx):
            return True
        reached = statutory_retirement(ctx.depositor)
        return reached is not None and self.condition_met(ctx, {"retired_on": reached.isoformat()})


class Disability(ClosingRule):
    reason = Reason.DISABILITY
    fields = ("employment_ended",)
    evidence = (Doc.DISABILITY_CERT,)

    def condition(self, ctx, out):
        if not ctx.facts.get("employment_ended"):
            out.refuse(_("The employment relationship must have ended."))


class Emigration(ClosingRule):
    reason = Reason.EMIGRATION
    evidence = (Doc.EMIGRATION_PROOF,)


class Death(ClosingRule):
    reason = Reason.DEATH
    fields = ("heirs", "no_heirs")
    evidence = (Doc.DEATH_CERT,)

    def condition(self, ctx, out):
        heirs = ctx.facts.get("heirs") or []
        if ctx.facts.get("no_heirs"):  # the balance goes to value-added income (Regulations Art. 24 para. 3)
            if heirs:
                out.refuse(_("Either list the heirs or state that there is none, not both."))
            out.evidence = (*out.evidence, Doc.NO_HEIR_PROOF)
            return
        total = sum((to_decimal(h.get("share", "0")) for h in heirs), Decimal(0))
        if not heirs or total != 1:
            out.refuse(_("List the heirs or legatees with shares that add up to 1."))


class LeavingJob(ClosingRule):
    reason = Reason.LEAVING_JOB

    def condition(self, ctx, out):
        acc = ctx.account
        months = ctx.p["withdrawals.leaving_job.sealed_months"]
        if acc.status != FundAccount.Status.SEALED or acc.sealed_on is None:
            out.refuse(_("Leaving a job: the account must be sealed."))
        elif add_months(acc.sealed_on, months) > ctx.on:
            out.refuse(_("Leaving a job: the account must have been sealed for at least %(n)d months.")
                       % {"n": months})
        if ctx.depositor.local_hukou:
            out.refuse(_("Leaving a job: only for people whose household registration is outside the city."))
        if FundAccount.objects.filter(depositor=ctx.depositor, status=FundAccount.Status.NORMAL).exclude(
                pk=acc.pk).exists():
            out.refuse(_("Leaving a job: the person deposits again elsewhere."))

    def met_on_record(self, ctx):
        """Its whole condition is the center's own data (sealed long enough, hukou, no new deposits)."""
        return super().met_on_record(ctx) or self.condition_met(ctx, {})


RULES_ALWAYS = [Purchase, Build, LoanRepayment, Lift, Illness, MinimumLiving, Retirement, Disability,
                Emigration, Death, LeavingJob]
RULES_FROM_2026 = [Rent, Renovation, PropertyFee, OtherHousing]
RULES_BEFORE_2026 = [RentBefore2026]


def statutory_retirement(depositor) -> datetime.date | None:
    """The day the person reaches the statutory retirement age, from their birth date and sex
    (``settings.WITHDRAWALS_RETIREMENT_DATE_SOURCE``: the one implementation of the 2025 schedule, in the loans
    calculations, which withdrawals may not import), or ``None`` when it is not configured. A woman's category
    (cadre or worker) is not on record, so the later date (cadre) is taken: no one counts as retired too early."""
    from django.conf import settings
    from django.utils.module_loading import import_string

    path = getattr(settings, "WITHDRAWALS_RETIREMENT_DATE_SOURCE", "")
    if not path or not depositor.birth_date or depositor.gender not in ("M", "F"):
        return None
    return import_string(path)(depositor.birth_date, depositor.gender, "cadre")


def grounds_on_record(*, account, on) -> list[str]:
    """The withdrawal grounds in force on ``on`` that the center's own records show the account's holder meets,
    with no application and no document (:meth:`Rule.met_on_record`): retirement age reached, a closing ground
    (retirement, disability, emigration, death) already established by an approved withdrawal, an account
    sealed long enough after leaving a job. Reasons in the rule set's order."""
    ctx = build_context(account=account, on=on, facts={})
    return [reason for reason, rule in rule_set(on).items() if rule.met_on_record(ctx)]


def switch_date(on=None) -> datetime.date:
    return datetime.date.fromisoformat(policy.get("withdrawals.rules_2026_from", on=on))


def rule_set(on: datetime.date) -> dict:
    """{reason: Rule} in force on ``on``."""
    classes = RULES_ALWAYS + (RULES_FROM_2026 if on >= switch_date(on) else RULES_BEFORE_2026)
    return {cls.reason: cls() for cls in classes}


def rule_for(reason, on) -> Rule | None:
    return rule_set(on).get(reason)


def household_ids(depositor) -> list[int]:
    """The depositor and the spouse (recorded on either side), ordered by id: whose withdrawals count together
    against a household cap, and whose rows :func:`withdrawals.services.common.lock_household` locks."""
    ids = {depositor.pk}
    if depositor.spouse_id:
        ids.add(depositor.spouse_id)
    ids.update(type(depositor).objects.filter(spouse_id=depositor.pk).values_list("pk", flat=True))
    return sorted(ids)


def build_context(*, account: FundAccount, on, facts, application_id=None, closing_interest=ZERO) -> Context:
    from ledger.models import Account

    found = compiled.values_rows(("rules: balance",), lambda pk: (
        Account.objects.filter(pk=pk).values("balance", "held")), (account.ledger_account_id,))
    if not found:
        raise Account.DoesNotExist(f"ledger account {account.ledger_account_id} does not exist")
    acc = found[0]
    depositor = account.depositor
    ids = {"self": depositor.id_number.upper()}
    if depositor.spouse_id:
        spouse = depositor.spouse
    else:  # recorded on the other side only
        spouse = next(iter(compiled.objects(("rules: spouse",), lambda pk: (
            type(depositor).objects.filter(spouse=pk)[:1]), (depositor.pk,))), None)
    if spouse is not None:
        ids["spouse"] = spouse.id_number.upper()
    id_numbers = tuple(ids.values())
    props = compiled.objects(("rules: properties", len(id_numbers)), lambda *n: (
        PropertyRecord.objects.filter(Q(owner_id_number__in=n), cancelled_on=None)), id_numbers)
    return Context(on=on, account=account, p=policy.snapshot("withdrawals.", on=on), balance=acc["balance"],
                   held=acc["held"], facts=facts or {}, application_id=application_id, property_ids=ids,
                   properties=props, closing_interest=closing_interest)


def evaluate(*, reason, account, on, facts, application_id=None, closing_interest=ZERO) -> Outcome:
    rule = rule_for(reason, on)
    if rule is None:
        out = Outcome(reason)
        out.refuse(_("This withdrawal reason is not available on %(d)s.") % {"d": on})
        return out
    ctx = build_context(account=account, on=on, facts=facts, application_id=application_id,
                        closing_interest=closing_interest)
    return rule.evaluate(ctx)
