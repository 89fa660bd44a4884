"""Statutory retirement dates and the longest loan term (DOMAIN.md §4.4)."""

import datetime
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.utils.translation import gettext as _

from loans.calculations.common import invalid

MALE, FEMALE = "M", "F"
CADRE, WORKER = "cadre", "worker"  # women: 干部 (55 → 58) and 工人 (50 → 55)

# (original age, first birth month of the reform, months of birth per added month, most months added)
# NPCSC decision of 2024-09-13, in force 2025-01-01.
_RETIREMENT = {
    (MALE, None): (60, datetime.date(1965, 1, 1), 4, 36),
    (FEMALE, CADRE): (55, datetime.date(1970, 1, 1), 4, 36),
    (FEMALE, WORKER): (50, datetime.date(1975, 1, 1), 2, 60),
}


def retirement_age_months(birth_date: datetime.date, sex: str, female_category: str = WORKER) -> int:
    """The statutory retirement age in months for a person born on ``birth_date`` (the 2025 schedule): men 60
    years + 1 month per 4 months of birth from January 1965 (at most 63), women cadres 55 + 1 per 4 months from
    January 1970 (at most 58), women workers 50 + 1 per 2 months from January 1975 (at most 55)."""
    if sex not in (MALE, FEMALE):
        raise invalid("sex", _("Sex must be male or female."))
    if sex == FEMALE and female_category not in (CADRE, WORKER):
        raise invalid("female_category", _("Choose the retirement category (cadre or worker)."))
    base, start, step, most = _RETIREMENT[(sex, None if sex == MALE else female_category)]
    born = (birth_date.year - start.year) * 12 + birth_date.month - start.month
    added = 0 if born < 0 else min(born // step + 1, most)
    return base * 12 + added


def retirement_date(birth_date: datetime.date, sex: str, female_category: str = WORKER) -> datetime.date:
    """The day the person reaches the statutory retirement age."""
    return birth_date + relativedelta(months=retirement_age_months(birth_date, sex, female_category))


def whole_months(start: datetime.date, end: datetime.date) -> int:
    """Whole calendar months from ``start`` to ``end`` (0 if ``end`` is not after ``start``)."""
    if end <= start:
        return 0
    delta = relativedelta(end, start)
    return delta.years * 12 + delta.months


@dataclass(frozen=True)
class TermLimit:
    months: int  # the longest term allowed (0: none)
    retirement: datetime.date
    latest_maturity: datetime.date  # retirement + the policy's extra years
    policy_months: int
    binding: str  # "policy" or "age"


def max_term(
    birth_date: datetime.date,
    sex: str,
    on: datetime.date,
    *,
    max_term_years: int,
    extra_years: int,
    female_category: str = WORKER,
) -> TermLimit:
    """The longest term for a borrower applying on ``on`` (DOMAIN.md §4.4): at most ``max_term_years`` and
    maturity at most ``extra_years`` after the person's own statutory retirement date, in whole months.

    DOMAIN.md §4.3: a man born in January 1981 applying on the same day of January 2026 retires at 63 in
    January 2044 and may borrow until January 2049: 276 months."""
    retire = retirement_date(birth_date, sex, female_category)
    latest = retire + relativedelta(years=extra_years)
    policy_months = max_term_years * 12
    by_age = whole_months(on, latest)
    if by_age < policy_months:
        return TermLimit(by_age, retire, latest, policy_months, "age")
    return TermLimit(policy_months, retire, latest, policy_months, "policy")
