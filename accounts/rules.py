"""Checks that read policy: base within floor and cap, ratios within bounds."""

from decimal import Decimal

from django.utils.translation import gettext as _

from core import policy
from core.errors import InvalidInput
from core.money import format_yuan


def check_base(base, *, on=None, field="base"):
    p = policy.snapshot("deposits.", on=on)
    base = Decimal(base)
    if base != base.quantize(Decimal("0.01")):
        raise InvalidInput(_("The base may have at most two decimals."), fields={field: [_("At most two decimals.")]})
    if base < p["deposits.base_floor"] or base > p["deposits.base_cap"]:
        msg = _("The deposit base %(b)s is outside the allowed range %(lo)s to %(hi)s.") % {
            "b": format_yuan(base), "lo": format_yuan(p["deposits.base_floor"]),
            "hi": format_yuan(p["deposits.base_cap"])}
        raise InvalidInput(msg, code="base_out_of_range", fields={field: [msg]})
    return base


def check_ratio(ratio, *, on=None, field="ratio"):
    p = policy.snapshot("deposits.", on=on)
    ratio = Decimal(ratio)
    lo, hi = p["deposits.ratio_min"], p["deposits.ratio_max"]
    if ratio < lo or ratio > hi:
        msg = _("The ratio %(r)s%% is outside the allowed range %(lo)s%% to %(hi)s%%.") % {
            "r": _pct(ratio), "lo": _pct(lo), "hi": _pct(hi)}
        raise InvalidInput(msg, code="ratio_out_of_range", fields={field: [msg]})
    if p["deposits.ratio_whole_percent"] and (ratio * 100) != (ratio * 100).to_integral_value():
        msg = _("The ratio must be a whole percentage.")
        raise InvalidInput(msg, code="ratio_not_whole", fields={field: [msg]})
    return ratio


def _pct(ratio):
    return f"{(Decimal(ratio) * 100).normalize():f}"
