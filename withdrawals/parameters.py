"""Withdrawal parameters (DOMAIN.md §3, §13)."""

from django.utils.translation import gettext_lazy as _

from core.policy import declare

declare("withdrawals.decision_days", "int", 3, _("Days from acceptance to decision"), min=1, max=30)
declare("withdrawals.rent.min_continuous_months", "int", 3, _("Rent: continuous deposit months required"), min=0)
declare("withdrawals.rent.monthly_cap", "decimal", "1800", _("Rent: yuan per person per month"), min=0)
declare("withdrawals.rent.new_citizen_years", "int", 3,
        _("Rent: first deposit within this many years counts as a new citizen (full monthly deposit)"), min=0)
declare("withdrawals.rent.multi_child_min", "int", 2, _("Rent: children for the full-monthly-deposit cap"), min=1)
declare("withdrawals.purchase.window_months", "int", 24, _("Purchase: months after contract or title"), min=1)
declare("withdrawals.loan_repayment.lookback_months", "int", 12, _("Loan repayment: yearly look-back months"), min=1)
declare("withdrawals.renovation.invoice_share", "decimal", "0.50", _("Renovation: share of the invoice"), min=0, max=1)
declare("withdrawals.renovation.cap", "decimal", "150000", _("Renovation: cap per home"), min=0)
declare("withdrawals.renovation.interval_years", "int", 10, _("Renovation: same home once per N years"), min=0)
declare("withdrawals.property_fee.yearly_cap", "decimal", "3000", _("Property fees: yuan per person per year"), min=0)
declare("withdrawals.leaving_job.sealed_months", "int", 6, _("Leaving a job: months sealed"), min=0)
declare("withdrawals.min_balance", "decimal", "0", _("Balance that must remain after a partial withdrawal"), min=0)
declare("withdrawals.fraud_ban_years", "int", 3, _("Withdrawal ban after fraud (years)"), min=0)
declare("withdrawals.fraud_loan_ban_years", "int", 5, _("Loan ban after withdrawal fraud (years)"), min=0)
declare("withdrawals.rules_2026_from", "str", "2026-09-20",
        _("First application date under the 2026 regulation (国令第844号): rent without the income threshold, "
        "renovation, property fees and other approved housing consumption"))
declare("withdrawals.rent.income_share", "decimal", "0.05",
        _("Rent before the 2026 rules: the rent must exceed this share of the family wage income"), min=0, max=1)
declare("withdrawals.auto_approve_reasons", "json", ["07", "21", "06"],
        _("Reason codes that online applications may have approved by rule when every data check passes"))
declare("withdrawals.auto_approve_max", "decimal", "30000", _("Largest amount approved by rule"), min=0)
declare("withdrawals.document_max_mb", "int", 10, _("Largest scanned document (MB); PDF, JPEG or PNG only"), min=1,
        max=50)
declare("withdrawals.documents_max", "int", 20, _("Most scanned documents per application"), min=1, max=100)
