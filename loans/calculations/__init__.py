"""Loan arithmetic (DOMAIN.md §4.3–§4.7, §5.2): pure functions on ``Decimal`` and ``datetime.date``, no ORM.

Every page, job, API and service that needs a schedule, a limit, a maximum term, a payoff amount or a penalty
calls these functions; none computes them a second time.

Conventions (DOMAIN.md §4.5, §4.6):

* Rates are annual fractions (``Decimal("0.0285")`` is 2.85 %). Monthly rate = annual / 12, daily rate =
  annual / 360. Interest of a month is ``round(B · annual / 12, 2)`` half-up on the balance before the
  installment (:func:`common.period_interest`), the multiplication done before the division, so no digit is lost.
* Equal installment (等额本息): the payment M = P·r·(1+r)^n / ((1+r)^n − 1), rounded half-up to the fen;
  principal_k = M − interest_k; the last installment pays the whole remaining balance plus its interest.
* Equal principal (等额本金): principal_k = round(P / n, 2); the last one pays the remainder;
  payment_k = principal_k + interest_k.
* Every schedule ends on a balance of exactly 0.00, and Σ principal is the loan amount to the fen.
* Every month is a whole period: the first installment's interest is a full month's interest whatever the
  day of disbursement (the contract sets the first due date one month after disbursement).

Bad input raises :class:`core.errors.InvalidInput` with a translated message and the field it is about, so the
counter pages show it and the API returns it per field.

Modules: ``common`` (input checks, rates, closed formulas), ``schedules`` (amortization, prepayment, payoff,
repricing), ``terms`` (retirement and the longest term), ``limits`` (the loan limit), ``penalty`` (penalty
interest), ``allocation`` (how a repayment is applied). Import from the package.
"""

from loans.calculations.allocation import Due, Part, allocate
from loans.calculations.common import (
    EQUAL_INSTALLMENT,
    EQUAL_PRINCIPAL,
    KEEP_PAYMENT,
    KEEP_TERM,
    KEEPS,
    MAX_MONTHS,
    MAX_PRINCIPAL,
    METHODS,
    annuity_factor,
    check_amount,
    check_method,
    check_months,
    check_nonnegative,
    check_rate,
    daily_rate,
    equal_installment_payment,
    monthly_rate,
    period_interest,
    rate_key,
)
from loans.calculations.limits import Component, LimitRequest, LoanLimit, loan_limit, uplift
from loans.calculations.overdue import bucket, credit_status, risk_grade
from loans.calculations.penalty import (
    CONTRACT_MULTIPLE,
    FIXED_AMOUNT,
    FIXED_DAILY,
    PENALTY_MODES,
    penalty_days,
    penalty_interest,
)
from loans.calculations.schedules import (
    FenSchedule,
    Installment,
    Payoff,
    Prepayment,
    Simulation,
    amortise,
    due_date,
    due_dates,
    fen,
    keep_payment_months,
    payoff,
    prepay,
    reprice,
    reprice_rest,
    repricing_date,
    schedule,
    schedule_fen,
    simulate,
    total_interest,
    total_payment,
    yuan,
)
from loans.calculations.terms import (
    CADRE,
    FEMALE,
    MALE,
    WORKER,
    TermLimit,
    max_term,
    retirement_age_months,
    retirement_date,
    whole_months,
)

__all__ = [
    "CADRE",
    "CONTRACT_MULTIPLE",
    "EQUAL_INSTALLMENT",
    "EQUAL_PRINCIPAL",
    "FEMALE",
    "FIXED_AMOUNT",
    "FIXED_DAILY",
    "KEEPS",
    "KEEP_PAYMENT",
    "KEEP_TERM",
    "MALE",
    "MAX_MONTHS",
    "MAX_PRINCIPAL",
    "METHODS",
    "PENALTY_MODES",
    "WORKER",
    "Component",
    "Due",
    "FenSchedule",
    "Installment",
    "LimitRequest",
    "LoanLimit",
    "Part",
    "Payoff",
    "Prepayment",
    "Simulation",
    "TermLimit",
    "allocate",
    "amortise",
    "annuity_factor",
    "check_amount",
    "check_method",
    "check_months",
    "check_nonnegative",
    "check_rate",
    "daily_rate",
    "due_date",
    "due_dates",
    "equal_installment_payment",
    "fen",
    "keep_payment_months",
    "loan_limit",
    "max_term",
    "monthly_rate",
    "payoff",
    "penalty_days",
    "penalty_interest",
    "bucket",
    "credit_status",
    "risk_grade",
    "period_interest",
    "prepay",
    "rate_key",
    "reprice",
    "reprice_rest",
    "repricing_date",
    "retirement_age_months",
    "retirement_date",
    "schedule",
    "schedule_fen",
    "simulate",
    "total_interest",
    "total_payment",
    "uplift",
    "whole_months",
    "yuan",
]
