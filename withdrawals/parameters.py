"""Withdrawal parameters (DOMAIN.md §3, §13)."""

from core.policy import declare

declare("withdrawals.decision_days", "int", 3, "Days from acceptance to decision", min=1, max=30)
declare("withdrawals.rent.min_continuous_months", "int", 3, "Rent: continuous deposit months required", min=0)
declare("withdrawals.rent.monthly_cap", "decimal", "1800", "Rent: yuan per person per month", min=0)
declare("withdrawals.rent.new_citizen_years", "int", 3,
        "Rent: first deposit within this many years counts as a new citizen (full monthly deposit)", min=0)
declare("withdrawals.rent.multi_child_min", "int", 2, "Rent: children for the full-monthly-deposit cap", min=1)
declare("withdrawals.purchase.window_months", "int", 24, "Purchase: months after contract or title", min=1)
declare("withdrawals.loan_repayment.lookback_months", "int", 12, "Loan repayment: yearly look-back months", min=1)
declare("withdrawals.renovation.invoice_share", "decimal", "0.50", "Renovation: share of the invoice", min=0, max=1)
declare("withdrawals.renovation.cap", "decimal", "150000", "Renovation: cap per home", min=0)
declare("withdrawals.renovation.interval_years", "int", 10, "Renovation: same home once per N years", min=0)
declare("withdrawals.property_fee.yearly_cap", "decimal", "3000", "Property fees: yuan per person per year", min=0)
declare("withdrawals.leaving_job.sealed_months", "int", 6, "Leaving a job: months sealed", min=0)
declare("withdrawals.min_balance", "decimal", "0", "Balance that must remain after a partial withdrawal", min=0)
declare("withdrawals.fraud_ban_years", "int", 3, "Withdrawal ban after fraud (years)", min=0)
declare("withdrawals.fraud_loan_ban_years", "int", 5, "Loan ban after withdrawal fraud (years)", min=0)
declare("withdrawals.rules_2026_from", "str", "2026-09-20",
        "First application date under the 2026 regulation (国令第844号): rent without the income threshold, "
        "renovation, property fees and other approved housing consumption")
declare("withdrawals.rent.income_share", "decimal", "0.05",
        "Rent before the 2026 rules: the rent must exceed this share of the family wage income", min=0, max=1)
declare("withdrawals.auto_approve_reasons", "json", ["07", "21", "06"],
        "Reason codes that online applications may have approved by rule when every data check passes")
declare("withdrawals.auto_approve_max", "decimal", "30000", "Largest amount approved by rule", min=0)
declare("withdrawals.document_max_mb", "int", 10, "Largest scanned document (MB); PDF, JPEG or PNG only", min=1,
        max=50)
declare("withdrawals.documents_max", "int", 20, "Most scanned documents per application", min=1, max=100)
