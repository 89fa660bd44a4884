"""Loan and overdue parameters (DOMAIN.md §4, §5, §13)."""

import datetime

from django.utils.translation import gettext_lazy as _

from core.policy import declare

declare("loans.decision_days", "int", 10, _("Days from acceptance to the loan decision"), min=1, max=60,
        history=((datetime.date(2000, 1, 1), 15), (datetime.date(2026, 9, 20), 10)))
declare("loans.min_continuous_months", "int", 6, _("Continuous deposit months required"), min=0)
declare("loans.flexible_min_continuous_months", "int", 12, _("Flexible workers: continuous months"), min=0)
declare("loans.max_loans_used", "int", 2, _("Fund loans a family may have used"), min=0)
declare("loans.cap_first_home", "decimal", "600000", _("Cap: first home, first loan"), min=0)
declare("loans.cap_second_home", "decimal", "400000", _("Cap: first loan for a second home"), min=0)
declare("loans.cap_second_loan", "decimal", "400000", _("Cap: second loan"), min=0)
declare("loans.uplift_two_children", "decimal", "0.10", _("Uplift for two children"), min=0, max=1)
declare("loans.uplift_three_children", "decimal", "0.20", _("Uplift for three or more children"), min=0, max=1)
declare("loans.uplift_green", "decimal", "0.10", _("Uplift for green or prefabricated buildings"), min=0, max=1)
declare("loans.uplift_max", "decimal", "0.30", _("Highest total uplift"), min=0, max=1)
declare("loans.balance_multiple", "decimal", "15", _("Multiple of applicant + spouse balances"), min=0)
declare("loans.income_ratio", "decimal", "0.50", _("All monthly debt payments / monthly income"), min=0, max=1)
declare("loans.ltv_first_home", "decimal", "0.80", _("Loan-to-value, first home"), min=0, max=1)
declare("loans.ltv_second_home", "decimal", "0.70", _("Loan-to-value, second home"), min=0, max=1)
declare("loans.max_term_years", "int", 30, _("Longest term (years)"), min=1, max=40)
declare("loans.retirement_extra_years", "int", 5, _("Maturity at most this many years after retirement"), min=0)
declare("loans.amount_rounding", "decimal", "1000", _("Loan amounts rounded down to (yuan)"), min=1)
declare("loans.fraud_ban_years", "int", 5, _("Loan ban after fraud (years)"), min=0)
declare("loans.prepay_min_amount", "decimal", "10000", _("Smallest partial prepayment (yuan)"), min=0)
declare("loans.prepay_per_year", "int", 2, _("Partial prepayments a loan may have per calendar year"), min=0, max=12)
declare("loans.default_method", "str", "equal_installment", _("Default repayment method"),
        choices=("equal_installment", "equal_principal"))
_RATES = {
    "first_le5": ("0.0275", "0.026", "0.0235", "0.021"),
    "first_gt5": ("0.0325", "0.031", "0.0285", "0.026"),
    "second_le5": ("0.03025", "0.03025", "0.02775", "0.02525"),
    "second_gt5": ("0.03575", "0.03575", "0.03325", "0.03075"),
}
_RATE_DATES = (datetime.date(2015, 8, 26), datetime.date(2022, 10, 1), datetime.date(2024, 5, 18),
               datetime.date(2025, 5, 8))
_RATE_LABELS = {
    "first_le5": _("Loan rate table: first home, term up to 5 years"),
    "first_gt5": _("Loan rate table: first home, term over 5 years"),
    "second_le5": _("Loan rate table: second home or second loan, term up to 5 years"),
    "second_gt5": _("Loan rate table: second home or second loan, term over 5 years"),
}
for _bucket, _values in _RATES.items():
    declare(f"loans.rate.{_bucket}", "decimal", _values[-1], _RATE_LABELS[_bucket],
            min=0, max=1, history=tuple(zip(_RATE_DATES, _values, strict=True)))
declare("overdue.grace_days", "int", 3, _("Grace days before an installment is overdue"), min=0, max=31)
declare("overdue.penalty_mode", "str", "contract_multiple", _("Penalty interest mode"),
        choices=("contract_multiple", "fixed_daily", "fixed_amount"))
declare("overdue.penalty_multiplier", "decimal", "1.5", _("Penalty: contract rate multiplier"), min=1)
declare("overdue.penalty_daily_rate", "decimal", "0.00021", _("Penalty: fixed daily rate (legacy mode)"), min=0)
declare("overdue.penalty_grace_interest", "bool", False, _("Charge penalty interest inside the grace period"))
declare("overdue.fund_deduction_periods", "int", 2, _("Overdue periods before deducting from fund accounts"), min=1)
declare("overdue.default_list_consecutive", "int", 3, _("Consecutive overdue periods for the default list"), min=1)
declare("overdue.default_list_cumulative", "int", 6, _("Cumulative overdue periods for the default list"), min=1)
# Scanned documents of a loan application (loans.services.documents): the types required before it is submitted
# or accepted, by purpose ("all": every application; "purchase:new": a purpose and a property kind), their size
# and number. DOMAIN.md §4.2 / §4.8: identity, marital status, income and credit authorisation for everyone; the
# purchase or presale contract and the down-payment receipt for a purchase; the title for build or repair and for
# a conversion, whose commercial loan contract and statement are needed too.
declare("loans.required_documents", "json", {
    "all": ["id_card", "marital", "income", "credit_auth"],
    "purchase": ["purchase_contract", "down_payment"],
    "build": ["property_title"],
    "repair": ["property_title"],
    "conversion": ["commercial_loan", "property_title"],
}, _("Documents required per purpose (JSON: purpose or purpose:kind → document types)"))
declare("loans.document_max_mb", "int", 10, _("Largest scanned loan document (MB); PDF, JPEG or PNG only"),
        min=1, max=50)
declare("loans.documents_max", "int", 30, _("Most scanned documents per loan application"), min=1, max=100)
# The workbench's promises (loans.selectors.promise_clock): a complete online application whose every check passed
# on the center's own data is decided and disbursed within this many hours (2小时放款).
declare("loans.fast_lane_hours", "int", 2, _("Fast lane: hours from a complete online application to the payment"),
        min=1, max=72)
# Installment rows stored ahead (loans.models.SchedulePlan): a contract's installments are stored as rows while
# their due date is within this many months of the business date; the plan holds the rest.
declare("loans.schedule_horizon_months", "int", 12,
        _("Months of installments stored ahead as rows (the rest of each schedule is kept in its plan)"),
        min=1, max=60)
