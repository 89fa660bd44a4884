"""Deposit and interest parameters (DOMAIN.md §1, §2, §13)."""

import datetime

from django.utils.translation import gettext_lazy as _

from core.policy import declare

declare("deposits.year_start_month", "int", 7, _("First month of the deposit year (July)"), min=1, max=12)
declare("deposits.base_floor", "decimal", "2330", _("Monthly deposit base floor (yuan)"), min=0)
declare("deposits.base_cap", "decimal", "32969", _("Monthly deposit base cap (yuan)"), min=0)
declare("deposits.ratio_min", "decimal", "0.05", _("Lowest ratio for each side"), min=0, max=1)
declare("deposits.ratio_max", "decimal", "0.12", _("Highest ratio for each side"), min=0, max=1)
declare("deposits.ratio_whole_percent", "bool", True, _("Ratios must be whole percentages"))
declare("deposits.new_employer_ratio", "decimal", "0.12", _("Default ratio of each side for new employers"),
        min=0, max=1)
declare("deposits.rounding", "str", "fen", _("Rounding of each part (half-up)"), choices=("fen", "yuan"))
declare("deposits.deadline_days", "int", 5, _("Remittance deadline: days after the employer's payday"), min=0, max=31)
declare("deposits.flexible_ratio_min", "decimal", "0.10", _("Flexible workers: lowest combined ratio"), min=0, max=1)
declare("deposits.flexible_ratio_max", "decimal", "0.24", _("Flexible workers: highest combined ratio"), min=0, max=1)
declare("deposits.flexible_min_amount", "decimal", "110", _("Flexible workers: minimum monthly amount"), min=0)
declare("interest.rate", "decimal", "0.015", _("Annual interest rate on balances"), min=0, max=1,
        history=((datetime.date(2000, 1, 1), "0.0135"), (datetime.date(2016, 2, 21), "0.015")))
declare("interest.method", "str", "A", _("A: daily products; B: carried-over balance + current-year products"),
        choices=("A", "B"))
declare("interest.day_basis", "int", 360, _("Day basis of the daily rate"), choices=(360, 365))
declare("interest.settlement_month_day", "str", "06-30", _("Settlement date (month-day)"))
declare("deposits.deferral_max_months", "int", 12, _("Deferral or ratio reduction: longest period of one application "
        "(renewable)"), min=1, max=36)
declare("deposits.deferral_counts_as_continuous", "bool", True,
        _("Months an approved deferral covers count as continuous deposit months (loans, withdrawals)"))
