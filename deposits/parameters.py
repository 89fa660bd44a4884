"""Deposit and interest parameters (DOMAIN.md §1, §2, §13)."""

import datetime

from core.policy import declare

declare("deposits.year_start_month", "int", 7, "First month of the deposit year (July)", min=1, max=12)
declare("deposits.base_floor", "decimal", "2330", "Monthly deposit base floor (yuan)", min=0)
declare("deposits.base_cap", "decimal", "32969", "Monthly deposit base cap (yuan)", min=0)
declare("deposits.ratio_min", "decimal", "0.05", "Lowest ratio for each side", min=0, max=1)
declare("deposits.ratio_max", "decimal", "0.12", "Highest ratio for each side", min=0, max=1)
declare("deposits.ratio_whole_percent", "bool", True, "Ratios must be whole percentages")
declare("deposits.new_employer_ratio", "decimal", "0.12", "Default ratio of each side for new employers",
        min=0, max=1)
declare("deposits.rounding", "str", "fen", "Rounding of each part (half-up)", choices=("fen", "yuan"))
declare("deposits.deadline_days", "int", 5, "Remittance deadline: days after the employer's payday", min=0, max=31)
declare("deposits.flexible_ratio_min", "decimal", "0.10", "Flexible workers: lowest combined ratio", min=0, max=1)
declare("deposits.flexible_ratio_max", "decimal", "0.24", "Flexible workers: highest combined ratio", min=0, max=1)
declare("deposits.flexible_min_amount", "decimal", "110", "Flexible workers: minimum monthly amount", min=0)
declare("interest.rate", "decimal", "0.015", "Annual interest rate on balances", min=0, max=1,
        history=((datetime.date(2000, 1, 1), "0.0135"), (datetime.date(2016, 2, 21), "0.015")))
declare("interest.method", "str", "A", "A: daily products; B: carried-over balance + current-year products",
        choices=("A", "B"))
declare("interest.day_basis", "int", 360, "Day basis of the daily rate", choices=(360, 365))
declare("interest.settlement_month_day", "str", "06-30", "Settlement date (month-day)")
declare("deposits.deferral_max_months", "int", 12, "Deferral or ratio reduction: longest period of one application "
        "(renewable)", min=1, max=36)
declare("deposits.deferral_counts_as_continuous", "bool", True,
        "Months an approved deferral covers count as continuous deposit months (loans, withdrawals)")
