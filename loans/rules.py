"""Loan eligibility as data (DOMAIN.md §4.2, §4.4, §13): one rule per check, each with its refusal in Chinese.

A :class:`Context` holds every fact the checks need, gathered once before the check (the borrower's account, its
continuous deposit months, the family's fund loans, the homes it owns, fraud bans, the officer's credit check),
so each rule is plain code that reads the context and the policy snapshot ``ctx.p`` (the ``loans.`` parameters in
force on the application date). :func:`evaluate` runs every rule of :data:`RULES` and returns an
:class:`Outcome` listing each check, passed or refused, with its message: the reviewer's page shows it whole.

Facts owned by other apps arrive as data. The real-estate registry extract (``PropertyRecord``) and fraud bans
(``FraudBan``) are tables of the withdrawals app, which loans may not import (the two sit side by side in the
layers): the caller passes the number of homes the family owns, whether a loan on the home it owns is still
unpaid, and the end of any loan fraud ban. The family's fund loans (outstanding and used) come from the loans
tables.
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
    fraud_ban_until: datetime.date | None = None  # the end of a loan ban after fraud, if any
    credit_ok: bool | None = None  # the officer's check of the credit report (None: not recorded yet)
    requested_amount: Decimal | None = None
    limit: Decimal | None = None  # the granted limit of calculations.loan_limit, when computed


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


RULES = (
    AccountNormal(),
    ContinuousDeposits(),
    NoOutstandingLoan(),
    LoansUsed(),
    Homes(),
    NoFraudBan(),
    AgeAndTerm(),
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
    for rule in rules:
        passed, message = rule.check(ctx)
        out.checks.append(Check(rule.code, passed, str(message)))
    return out
