"""Loan eligibility as data (DOMAIN.md §4.2, §4.4, §13): one rule per check, each with its refusal in Chinese.

A :class:`Context` holds every fact the checks need, gathered once before the check (the borrower's account, its
continuous deposit months, the family's fund loans, the homes it owns, fraud bans, the officer's credit check),
so each rule is plain code that reads the context and the policy snapshot ``ctx.p`` (the ``loans.`` parameters in
force on the application date). :func:`evaluate` runs every rule of :data:`RULES` and returns an
:class:`Outcome` listing each check, passed or refused, with its message: the reviewer's page shows it whole.

Facts owned by other apps arrive as data. The real-estate registry extract (``PropertyRecord``) and fraud bans
(``FraudBan``) are tables of the withdrawals app, which loans may not import (the two sit side by side in the
layers): the caller passes the number of homes the family owns (computed from the registry through
``settings.LOAN_PROPERTY_SOURCE``, without the home being bought), whether a loan on a home it owns is still
unpaid, and the end of any loan fraud ban. The family's fund loans (outstanding and used) come from the loans
tables.

The spouse and the co-borrowers (:class:`Party`) are checked each like the borrower where it applies: a depositor
of this center needs a normal account, the policy months of continuous deposits and no outstanding fund loan;
everyone's age at maturity is bounded by their own statutory retirement date; a person depositing elsewhere needs
the balance their center certifies. Each refusal names the person.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from accounts.models import FundAccount
from core.money import format_yuan
from loans import calculations as calc


@dataclass(frozen=True)
class Borrower:
    birth_date: datetime.date
    sex: str  # "M" / "F" (accounts.models.Depositor.Gender)
    female_category: str = calc.WORKER  # women: "cadre" (55 → 58) or "worker" (50 → 55)


@dataclass(frozen=True)
class Party:
    """The spouse or a co-borrower as the checks see them."""

    name: str
    role: str  # loans.models.LoanParty.Role: "spouse" / "co_borrower"
    birth_date: datetime.date | None  # from the Depositor, or from the resident ID number
    sex: str | None
    female_category: str = calc.WORKER
    depositor: bool = False  # a depositor of this center
    account_status: str | None = None  # their open fund account here (None: none open)
    flexible: bool = False
    continuous_months: int = 0
    outstanding_loans: int = 0  # fund loans of this center they owe on (borrower or party), not paid off
    certified_balance: Decimal | None = None  # a person depositing elsewhere: the balance their center certifies

    @property
    def who(self) -> str:
        role = {"spouse": _("Spouse"), "co_borrower": _("Co-borrower")}.get(self.role, self.role)
        return _("%(role)s %(name)s") % {"role": role, "name": self.name}


@dataclass
class Context:
    on: datetime.date  # the application date
    p: dict  # policy snapshot "loans." as of ``on``
    borrower: Borrower
    account_status: str  # the borrower's fund account (accounts.FundAccount.Status)
    flexible: bool  # a flexible worker (灵活就业人员) account
    continuous_months: int  # consecutive months deposited up to the month before the application
    term_months: int  # the requested term
    outstanding_loans: int = 0  # fund loans of the borrower or the spouse not paid off
    loans_used: int = 0  # fund loans the family has had, paid off or not
    homes_owned: int = 0  # homes of the borrower and the spouse in the city (registry), before this purchase
    owned_home_loan_unpaid: bool = False  # a loan on the home the family owns is still being repaid
    homes: list = field(default_factory=list)  # the registry's records counted in homes_owned (for the page)
    fraud_ban_until: datetime.date | None = None  # the end of a loan ban after fraud, if any
    credit_ok: bool | None = None  # the officer's check of the credit report (None: not recorded yet)
    requested_amount: Decimal | None = None
    limit: Decimal | None = None  # the granted limit of calculations.loan_limit, when computed
    parties: list = field(default_factory=list)  # Party: the spouse and the co-borrowers
    conversion: bool = False  # 商转公
    commercial_remaining_months: int | None = None  # 商转公: months left on the commercial loan


@dataclass(frozen=True)
class Check:
    code: str
    passed: bool
    message: str

    def as_dict(self):
        return {"code": self.code, "passed": self.passed, "message": self.message}


@dataclass
class Outcome:
    checks: list = field(default_factory=list)
    term: calc.TermLimit | None = None

    @property
    def eligible(self) -> bool:
        return all(c.passed for c in self.checks)

    @property
    def refusals(self) -> list:
        return [c.message for c in self.checks if not c.passed]

    @property
    def passed(self) -> list:
        return [c.message for c in self.checks if c.passed]

    def check(self, code) -> Check:
        return next(c for c in self.checks if c.code == code)

    def as_dict(self):
        return {
            "eligible": self.eligible,
            "checks": [c.as_dict() for c in self.checks],
            "max_term_months": self.term.months if self.term else None,
        }


class Rule:
    code = ""

    def check(self, ctx: Context) -> tuple[bool, str]:  # pragma: no cover - every rule overrides it
        raise NotImplementedError


class AccountNormal(Rule):
    """The borrower's account is in 正常 status at application."""

    code = "account_normal"

    def check(self, ctx):
        if ctx.account_status != FundAccount.Status.NORMAL:
            label = dict(FundAccount.Status.choices).get(ctx.account_status, ctx.account_status)
            return False, _("The borrower's fund account must be normal; it is %(s)s.") % {"s": label}
        return True, _("Fund account normal")


class ContinuousDeposits(Rule):
    """Continuous deposits for the policy months (flexible workers their own figure)."""

    code = "continuous_deposits"

    def check(self, ctx):
        key = "loans.flexible_min_continuous_months" if ctx.flexible else "loans.min_continuous_months"
        needed = ctx.p[key]
        if ctx.continuous_months < needed:
            return False, _(
                "Deposits must be continuous for at least %(n)d months before the application; there are %(m)d."
            ) % {"n": needed, "m": ctx.continuous_months}
        return True, _("%(m)d continuous months of deposits") % {"m": ctx.continuous_months}


class NoOutstandingLoan(Rule):
    """No unpaid fund loan of the borrower or the spouse."""

    code = "no_outstanding_loan"

    def check(self, ctx):
        if ctx.outstanding_loans > 0:
            return False, _("The borrower or the spouse still has a housing fund loan that is not paid off.")
        return True, _("No outstanding fund loan")


class LoansUsed(Rule):
    """Fewer fund loans used by the family than the policy maximum."""

    code = "loans_used"

    def check(self, ctx):
        most = ctx.p["loans.max_loans_used"]
        if ctx.loans_used >= most:
            return False, _("The family has already used %(n)d housing fund loans; at most %(m)d are allowed.") % {
                "n": ctx.loans_used,
                "m": most,
            }
        return True, _("%(n)d fund loans used before") % {"n": ctx.loans_used}


class Homes(Rule):
    """认房: no fund loan for a third home; a second home only when the loan on the first is paid off."""

    code = "homes"

    def check(self, ctx):
        if ctx.homes_owned >= 2:
            return False, _(
                "The family already owns %(n)d homes in the city; there is no fund loan for a third home."
            ) % {"n": ctx.homes_owned}
        if ctx.homes_owned == 1 and ctx.owned_home_loan_unpaid:
            return False, _(
                "The family owns a home whose loan is not paid off; a second home needs the first loan repaid."
            )
        if ctx.homes_owned == 1:
            return True, _("Second home, the loan on the first is paid off")
        return True, _("First home")


class NoFraudBan(Rule):
    code = "fraud_ban"

    def check(self, ctx):
        if ctx.fraud_ban_until is not None and ctx.fraud_ban_until >= ctx.on:
            return False, _("Loans are banned until %(d)s because of an earlier fraud.") % {
                "d": ctx.fraud_ban_until.isoformat()
            }
        return True, _("No fraud ban")


class AgeAndTerm(Rule):
    """Term at most the policy years and maturity at most the policy years after the borrower's own statutory
    retirement date (DOMAIN.md §4.4)."""

    code = "age_term"

    def check(self, ctx):
        term = max_term(ctx)
        if term.months <= 0:
            return False, _(
                "The borrower reaches the latest maturity (%(d)s: retirement on %(r)s plus %(y)d years) "
                "within a month; no term is possible."
            ) % {
                "d": term.latest_maturity.isoformat(),
                "r": term.retirement.isoformat(),
                "y": ctx.p["loans.retirement_extra_years"],
            }
        if not 1 <= ctx.term_months <= term.months:
            if term.binding == "policy":
                return False, _("The term may be at most %(n)d months (%(y)d years).") % {
                    "n": term.months,
                    "y": ctx.p["loans.max_term_years"],
                }
            return False, _(
                "The term may be at most %(n)d months: the loan must end by %(d)s, %(y)d years after the "
                "borrower's statutory retirement on %(r)s."
            ) % {
                "n": term.months,
                "d": term.latest_maturity.isoformat(),
                "y": ctx.p["loans.retirement_extra_years"],
                "r": term.retirement.isoformat(),
            }
        return True, _("Term %(t)d months, at most %(n)d") % {"t": ctx.term_months, "n": term.months}


class Credit(Rule):
    """The officer has checked the credit report (PBoC) and found it good."""

    code = "credit"

    def check(self, ctx):
        if ctx.credit_ok is None:
            return False, _("The credit report has not been checked yet.")
        if not ctx.credit_ok:
            return False, _("The credit report shows a record that rules out a loan.")
        return True, _("Credit report checked")


class WithinLimit(Rule):
    """The requested amount is positive and at most the computed limit (checked once the limit is known)."""

    code = "within_limit"

    def check(self, ctx):
        if ctx.requested_amount is None or ctx.limit is None:
            return True, _("Amount checked against the limit when it is computed")
        if ctx.requested_amount <= 0:
            return False, _("The requested amount must be greater than zero.")
        if ctx.requested_amount > ctx.limit:
            return False, _("The requested amount %(a)s is above the limit of %(l)s.") % {
                "a": format_yuan(ctx.requested_amount),
                "l": format_yuan(ctx.limit),
            }
        return True, _("Requested %(a)s within the limit of %(l)s") % {
            "a": format_yuan(ctx.requested_amount),
            "l": format_yuan(ctx.limit),
        }


class ConversionTerm(Rule):
    """商转公: the fund loan ends no later than the commercial loan it replaces (DOMAIN.md §4.8)."""

    code = "conversion_term"

    def check(self, ctx):
        if not ctx.conversion:
            return True, _("Not a commercial-to-fund conversion")
        left = ctx.commercial_remaining_months
        if not left or left < 1:
            return False, _("Give the months remaining on the commercial loan being converted.")
        if ctx.term_months > left:
            return False, _(
                "A conversion may not be longer than the commercial loan: %(t)d months asked, %(m)d months remain."
            ) % {"t": ctx.term_months, "m": left}
        return True, _("Term %(t)d months within the %(m)d months left on the commercial loan") % {
            "t": ctx.term_months,
            "m": left,
        }


def _join(messages) -> str:
    return " ".join(str(m) for m in messages)


class PartyAccountNormal(Rule):
    """Each spouse or co-borrower depositing with this center has a normal account."""

    code = "parties_account_normal"

    def check(self, ctx):
        bad = []
        for p in ctx.parties:
            if not p.depositor or p.account_status == FundAccount.Status.NORMAL:
                continue
            if p.account_status is None:
                bad.append(_("%(who)s has no open fund account at this center.") % {"who": p.who})
            else:
                label = dict(FundAccount.Status.choices).get(p.account_status, p.account_status)
                bad.append(_("The fund account of %(who)s must be normal; it is %(s)s.") % {"who": p.who, "s": label})
        if bad:
            return False, _join(bad)
        return True, _("Fund accounts of the spouse and co-borrowers normal")


class PartyContinuousDeposits(Rule):
    """Each spouse or co-borrower depositing with this center has the policy months of continuous deposits."""

    code = "parties_continuous_deposits"

    def check(self, ctx):
        bad = []
        for p in ctx.parties:
            if not p.depositor or p.account_status is None:
                continue
            needed = ctx.p["loans.flexible_min_continuous_months" if p.flexible else "loans.min_continuous_months"]
            if p.continuous_months < needed:
                bad.append(
                    _("%(who)s must have deposited continuously for at least %(n)d months; there are %(m)d.")
                    % {"who": p.who, "n": needed, "m": p.continuous_months}
                )
        if bad:
            return False, _join(bad)
        return True, _("Continuous deposits of the spouse and co-borrowers")


class PartyNoOutstandingLoan(Rule):
    """No co-borrower owes on a fund loan of this center that is not paid off (the spouse's loans are the
    family's: :class:`NoOutstandingLoan`)."""

    code = "parties_no_outstanding_loan"

    def check(self, ctx):
        bad = [
            _("%(who)s still owes on a housing fund loan that is not paid off.") % {"who": p.who}
            for p in ctx.parties
            if p.role != "spouse" and p.outstanding_loans > 0
        ]
        if bad:
            return False, _join(bad)
        return True, _("No outstanding fund loan of the co-borrowers")


class PartyCertifiedBalance(Rule):
    """A co-borrower depositing with another center brings the balance that center certifies."""

    code = "parties_certified_balance"

    def check(self, ctx):
        bad = [
            _("%(who)s does not deposit with this center: give the fund balance their own center certifies.")
            % {"who": p.who}
            for p in ctx.parties
            if not p.depositor and p.role == "co_borrower" and p.certified_balance is None
        ]
        if bad:
            return False, _join(bad)
        return True, _("Balances of the spouse and co-borrowers known")


def party_term(ctx: Context, party: Party) -> calc.TermLimit | None:
    """The longest term for a spouse or co-borrower (their own statutory retirement date), or None when their
    birth date and sex are unknown."""
    if party.birth_date is None or party.sex not in (calc.MALE, calc.FEMALE):
        return None
    return calc.max_term(
        party.birth_date,
        party.sex,
        ctx.on,
        max_term_years=ctx.p["loans.max_term_years"],
        extra_years=ctx.p["loans.retirement_extra_years"],
        female_category=party.female_category or calc.WORKER,
    )


class PartyAge(Rule):
    """Each spouse or co-borrower's age at maturity: at most the policy years after their own statutory
    retirement date (DOMAIN.md §4.4)."""

    code = "parties_age"

    def check(self, ctx):
        bad = []
        for p in ctx.parties:
            term = party_term(ctx, p)
            if term is None or ctx.term_months <= term.months:
                continue
            bad.append(
                _(
                    "The term may be at most %(n)d months because of %(who)s: the loan must end by %(d)s, %(y)d "
                    "years after their statutory retirement on %(r)s."
                )
                % {
                    "n": max(term.months, 0),
                    "who": p.who,
                    "d": term.latest_maturity.isoformat(),
                    "y": ctx.p["loans.retirement_extra_years"],
                    "r": term.retirement.isoformat(),
                }
            )
        if bad:
            return False, _join(bad)
        return True, _("Age of the spouse and co-borrowers at maturity")


RULES = (
    AccountNormal(),
    ContinuousDeposits(),
    NoOutstandingLoan(),
    LoansUsed(),
    Homes(),
    NoFraudBan(),
    AgeAndTerm(),
    PartyAccountNormal(),
    PartyContinuousDeposits(),
    PartyNoOutstandingLoan(),
    PartyCertifiedBalance(),
    PartyAge(),
    ConversionTerm(),
    Credit(),
    WithinLimit(),
)


def max_term(ctx: Context) -> calc.TermLimit:
    """The longest term for the borrower on the application date under the policy in force."""
    b = ctx.borrower
    return calc.max_term(
        b.birth_date,
        b.sex,
        ctx.on,
        max_term_years=ctx.p["loans.max_term_years"],
        extra_years=ctx.p["loans.retirement_extra_years"],
        female_category=b.female_category,
    )


def evaluate(ctx: Context, rules=RULES) -> Outcome:
    """Every check, in order; the application is eligible when all pass."""
    out = Outcome(term=max_term(ctx))
    for party in ctx.parties:  # the longest term shown is the shortest of every person's
        term = party_term(ctx, party)
        if term is not None and term.months < out.term.months:
            out.term = term
    for rule in rules:
        passed, message = rule.check(ctx)
        out.checks.append(Check(rule.code, passed, str(message)))
    return out
