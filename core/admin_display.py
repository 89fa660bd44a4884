"""How the Django admin shows numbers, dates and stored documents: the same words as the staff pages. Amounts with
thousands separators and two decimals, rates and ratios (more than two decimals) as percentages, dates as YYYY-MM-DD
(the formats module), stored JSON (facts, computed effects, audit snapshots) indented and with its Chinese as
written, not escaped. Installed once by ``CoreConfig.ready``: the admin's list and read-only displays call
``display_for_field`` from the modules that imported it, so those names are replaced."""

import json
from decimal import Decimal

from django.contrib.admin import helpers, utils
from django.contrib.admin.templatetags import admin_list
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.html import format_html

from core.money import format_yuan

JSON_MAX_CHARS = 20_000  # a stored document larger than this is shown cut, with a mark


def percent(value) -> str:
    """0.021 -> '2.1%'."""
    return f"{(Decimal(value) * 100).normalize():f}%"


def readable_json(value):
    """A stored JSON value as an indented block, its texts as written (not escaped)."""
    text = json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, cls=DjangoJSONEncoder)
    if len(text) > JSON_MAX_CHARS:
        text = text[:JSON_MAX_CHARS] + "\n…"
    return format_html('<pre class="json-value" style="white-space: pre-wrap; max-height: 30em; overflow: auto; '
                       'margin: 0">{}</pre>', text)


def _wrap(original):
    def display_for_field(value, field, empty_value_display, *args, **kwargs):
        if isinstance(field, models.DecimalField) and value is not None and not getattr(field, "flatchoices", None):
            return format_yuan(value) if field.decimal_places <= 2 else percent(value)
        if isinstance(field, models.JSONField) and value not in (None, "", {}, []):
            return readable_json(value)
        return original(value, field, empty_value_display, *args, **kwargs)

    display_for_field.wrapped = original
    return display_for_field


def _wrap_value(original):
    def display_for_value(value, empty_value_display, boolean=False):
        if isinstance(value, Decimal) and not boolean and value.as_tuple().exponent == -2:
            return format_yuan(value)  # an amount computed by an admin column
        return original(value, empty_value_display, boolean)

    display_for_value.wrapped = original
    return display_for_value


def _wrap_lookup(original):
    def lookup_field(name, obj, model_admin=None):
        f, attr, value = original(name, obj, model_admin)
        if f is None and isinstance(value, Decimal) and value.as_tuple().exponent == -2:
            value = format_yuan(value)  # an amount computed by a read-only admin field
        return f, attr, value

    lookup_field.wrapped = original
    return lookup_field


def install():
    if hasattr(utils.display_for_field, "wrapped"):
        return
    wrapped = _wrap(utils.display_for_field)
    utils.display_for_field = wrapped
    admin_list.display_for_field = wrapped
    helpers.display_for_field = wrapped
    admin_list.display_for_value = utils.display_for_value = _wrap_value(utils.display_for_value)
    helpers.lookup_field = _wrap_lookup(helpers.lookup_field)
