"""The bounds of every number, date, month and year the center accepts, in one place.

Forms (``core.forms``), API serializers (``core.api``) and file columns (``core.tabular``) all check their input
with these functions, so a value refused in one channel is refused in every other, with the same message:

* money: a finite decimal with at most two places and at most ``MONEY_MAX`` yuan (negative only where a
  field allows it);
* a date: not before the center's system existed (setting ``CENTER_FOUNDED``) and not after the end of the
  month after the business date (``ahead`` months for fields that plan ahead, such as a deferral period);
* a month: the same window, as the first day of the month;
* an interest year: from the year after the founding to the year after the business date;
* a new business date: not before the founding and at most ``BUSINESS_DATE_AHEAD`` after the wall-clock date.

They raise :class:`core.errors.InvalidInput` with a translated message; form and serializer fields turn it into
their own validation error.
"""

import datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.utils.translation import gettext as _

from core.errors import InvalidInput

# More than any single amount the center handles (its whole fund is a few hundred billion yuan), and far below
# what the database's numeric(18, 2) holds, so that sums and products of bounded amounts cannot overflow.
MONEY_MAX = Decimal("999999999999.99")
MONEY_PLACES = 2
RATE_MAX = Decimal(1)  # a ratio (0.12 = 12%)
RATE_PLACES = 8
PERCENT_PLACES = 2
DEFAULT_FOUNDED = datetime.date(1991, 1, 1)  # the housing provident fund system started in 1991
MAX_NUMBER_TEXT = 40  # characters of a number's text worth parsing


def founded() -> datetime.date:
    value = getattr(settings, "CENTER_FOUNDED", None) or DEFAULT_FOUNDED
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value))


def _month(value: datetime.date) -> datetime.date:
    return datetime.date(value.year, value.month, 1)


def _add_months(month: datetime.date, n: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + n
    return datetime.date(index // 12, index % 12 + 1, 1)


def latest_month(ahead: int = 1) -> datetime.date:
    """The last month accepted: ``ahead`` months after the business date's month."""
    from core.business_date import today

    return _add_months(_month(today()), ahead)


def latest_date(ahead: int = 1) -> datetime.date:
    """The last day accepted: the end of the month ``ahead`` months after the business date's."""
    return _add_months(latest_month(ahead), 1) - datetime.timedelta(days=1)


def decimal(value, *, places: int, maximum: Decimal, minimum: Decimal = Decimal(0)) -> Decimal:
    """A Decimal from text or a number, finite, with at most ``places`` places, within [minimum, maximum]."""
    if isinstance(value, float):
        raise TypeError("Money must not be a float")
    text = str(value).strip().replace(",", "")
    if len(text) > MAX_NUMBER_TEXT:
        raise InvalidInput(_("Enter a number."), code="not_a_number")
    try:
        number = value if isinstance(value, Decimal) else Decimal(text)
    except (InvalidOperation, ValueError) as exc:
        raise InvalidInput(_("Enter a number."), code="not_a_number") from exc
    if not number.is_finite():
        raise InvalidInput(_("Enter a number."), code="not_a_number")
    if number > maximum:
        raise InvalidInput(_("Enter at most %(max)s.") % {"max": f"{maximum:,}"}, code="too_large")
    if number < minimum:
        raise InvalidInput(_("Enter at least %(min)s.") % {"min": f"{minimum:,}"}, code="too_small")
    if number != number.quantize(Decimal(1).scaleb(-places), rounding="ROUND_DOWN"):
        raise InvalidInput(_("Enter at most %(n)d decimal places.") % {"n": places}, code="too_many_places")
    return number


def money(value, *, negative: bool = False) -> Decimal:
    """An amount of money in yuan (at most two places, at most ``MONEY_MAX``; negative only if allowed)."""
    return decimal(value, places=MONEY_PLACES, maximum=MONEY_MAX, minimum=-MONEY_MAX if negative else Decimal(0))


def rate(value) -> Decimal:
    """A ratio between 0 and 1 (0.12 = 12%) with at most eight places."""
    return decimal(value, places=RATE_PLACES, maximum=RATE_MAX)


def date(value: datetime.date, *, ahead: int = 1, earliest: datetime.date | None = None) -> datetime.date:
    """A date within the plausible window (see the module)."""
    first, last = max(founded(), earliest or founded()), latest_date(ahead)
    if not first <= value <= last:
        raise InvalidInput(_("Enter a date between %(a)s and %(b)s.") % {"a": first, "b": last}, code="bad_date")
    return value


BUSINESS_DATE_AHEAD = datetime.timedelta(days=731)  # catching up or rehearsing a year end, never a century


def business_date(value: datetime.date) -> datetime.date:
    """A new business date (see the module): every other window is counted from it, so it stays plausible."""
    from django.utils import timezone

    first, last = founded(), timezone.localdate() + BUSINESS_DATE_AHEAD
    if not first <= value <= last:
        raise InvalidInput(_("Enter a date between %(a)s and %(b)s.") % {"a": first, "b": last}, code="bad_date")
    return value


def month(value: datetime.date, *, ahead: int = 1, earliest: datetime.date | None = None) -> datetime.date:
    """The first day of a month within the plausible window (see the module)."""
    value = _month(value)
    first, last = _month(max(founded(), earliest or founded())), latest_month(ahead)
    if not first <= value <= last:
        raise InvalidInput(
            _("Enter a month between %(a)s and %(b)s.") % {"a": f"{first:%Y-%m}", "b": f"{last:%Y-%m}"},
            code="bad_month",
        )
    return value


def year(value) -> int:
    """An interest year (the calendar year in which it ends): from the year after the founding to the year after
    the business date."""
    from core.business_date import today

    first, last = founded().year + 1, today().year + 1
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError) as exc:
        raise InvalidInput(
            _("Enter a year between %(a)d and %(b)d.") % {"a": first, "b": last}, code="bad_year"
        ) from exc
    if not first <= number <= last:
        raise InvalidInput(_("Enter a year between %(a)d and %(b)d.") % {"a": first, "b": last}, code="bad_year")
    return number


def parse_date(text: str) -> datetime.date:
    """A date written as YYYY-MM-DD (or YYYY/MM/DD, YYYYMMDD), within the window."""
    text = str(text).strip()
    if len(text) > 10 and text[10] in " T" and text[11:].strip("0:") == "":  # a workbook's date at midnight
        text = text[:10]
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d"):
        try:
            value = datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        return date(value)
    raise InvalidInput(_("Enter a date as YYYY-MM-DD."), code="bad_date")


def parse_number(text) -> Decimal | None:
    """A number in a file's cell (thousands separators allowed): the Decimal, or None when it is not a finite
    number; raises InvalidInput when it is beyond ±``MONEY_MAX`` (no amount, base or ratio of the center is)."""
    text = str(text).replace(",", "").replace("，", "").strip()
    if len(text) > MAX_NUMBER_TEXT:
        return None
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite():
        return None
    if abs(value) > MONEY_MAX:
        raise InvalidInput(_("Enter at most %(max)s.") % {"max": f"{MONEY_MAX:,}"}, code="too_large")
    return value


def record_id(text) -> int | None:
    """A record's id given as text (a form's hidden field or a choice): the int, or None for anything else."""
    text = str(text or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


def whole(value, *, minimum: int = 0, maximum: int) -> int:
    """A whole number (a count of months, ...) within [minimum, maximum]."""
    text = str(value).strip()
    if not (text.isascii() and text.lstrip("-").isdigit() and len(text) <= 12):
        raise InvalidInput(_("Enter a whole number."), code="not_a_number")
    number = int(text)
    if not minimum <= number <= maximum:
        raise InvalidInput(
            _("Enter a whole number between %(a)d and %(b)d.") % {"a": minimum, "b": maximum}, code="out_of_range"
        )
    return number
