"""Effective-dated policy parameters.

Each app declares its parameters in ``<app>/parameters.py`` with :func:`declare` (key, type, default,
bounds, description, and optionally a dated history such as a rate table). The description is marked with
``gettext_lazy`` where it is declared (its Simplified Chinese text is in locale/), so admin shows it in the
request's language; nothing stores or serialises it. Values live in
:class:`core.models.PolicyValue`, edited in admin with history, and are looked up as of a date with
:func:`get`. :func:`install_defaults` writes the declared defaults into the table (a data migration
calls it) without touching values an administrator already entered.
"""

import datetime
import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext as _

from core import bounds, compiled
from core.errors import InvalidInput

DEFAULT_EFFECTIVE_FROM = datetime.date(2000, 1, 1)
TYPES = ("decimal", "int", "bool", "str", "json")


@dataclass(frozen=True)
class Parameter:
    key: str
    type: str
    default: object
    description: str | Promise  # gettext_lazy text, translated when displayed
    min: object = None
    max: object = None
    choices: tuple = ()
    history: tuple = field(default=())  # ((date, value), ...) in addition to the default

    def parse(self, text):
        """Parse stored text into the declared type and check bounds; raise ValidationError."""
        try:
            if self.type == "decimal":
                value = Decimal(str(text).strip())
                if not value.is_finite():
                    raise InvalidOperation
                # one set of bounds for every number (core.bounds): a policy value is no larger than an amount
                bounds.decimal(value, places=bounds.RATE_PLACES, maximum=bounds.MONEY_MAX, minimum=-bounds.MONEY_MAX)
            elif self.type == "int":
                if len(str(text).strip()) > 12:
                    raise ValueError(text)
                value = int(str(text).strip())
            elif self.type == "bool":
                low = str(text).strip().lower()
                if low not in {"true", "false", "1", "0"}:
                    raise ValueError
                value = low in {"true", "1"}
            elif self.type == "json":
                value = json.loads(text) if isinstance(text, str) else text
            else:
                value = str(text)
        except (InvalidOperation, ValueError, TypeError, json.JSONDecodeError, InvalidInput) as exc:
            raise ValidationError(
                _("The value %(v)s is not a valid %(t)s.") % {"v": text, "t": self.type}, code="type"
            ) from exc
        if self.min is not None and value < self.min:
            raise ValidationError(_("The value must be at least %(m)s.") % {"m": self.min}, code="min")
        if self.max is not None and value > self.max:
            raise ValidationError(_("The value must be at most %(m)s.") % {"m": self.max}, code="max")
        if self.choices and value not in self.choices:
            raise ValidationError(
                _("The value must be one of: %(c)s.") % {"c": ", ".join(map(str, self.choices))}, code="choice"
            )
        return value

    def to_text(self, value):
        if self.type == "json":
            return json.dumps(value, ensure_ascii=False)
        if self.type == "bool":
            return "true" if value else "false"
        return str(value)


REGISTRY: dict[str, Parameter] = {}
_loaded = False


def declare(key, type, default, description, *, min=None, max=None, choices=(), history=()):  # noqa: A002
    if type not in TYPES:
        raise ValueError(f"Unknown parameter type {type!r}")
    if type == "decimal":
        default = Decimal(str(default))
        min = Decimal(str(min)) if min is not None else None
        max = Decimal(str(max)) if max is not None else None
    param = Parameter(key, type, default, description, min, max, tuple(choices), tuple(history))
    REGISTRY[key] = param
    return param


def load_all():
    """Import every installed app's ``parameters`` module (idempotent)."""
    global _loaded
    if not _loaded:
        autodiscover_modules("parameters")
        _loaded = True
    return REGISTRY


def parameter(key) -> Parameter:
    load_all()
    try:
        return REGISTRY[key]
    except KeyError:
        raise KeyError(f"Undeclared policy parameter {key!r}") from None


def get(key, on=None):
    """The value of ``key`` in force on date ``on`` (default: the business date)."""
    from core.business_date import today
    from core.models import PolicyValue

    param = parameter(key)
    rows = compiled.values_rows(("policy value",), lambda k, day: (
        PolicyValue.objects.filter(key=k, effective_from__lte=day).order_by("-effective_from").values("value")[:1]),
        (key, on or today()))
    return param.default if not rows else param.parse(rows[0]["value"])


def snapshot(prefix="", on=None) -> dict:
    """All parameters whose key starts with ``prefix``, as of ``on``: one query for batch jobs."""
    from core.business_date import today
    from core.models import PolicyValue

    load_all()
    on = on or today()
    keys = [k for k in REGISTRY if k.startswith(prefix)]
    values = {k: REGISTRY[k].default for k in keys}
    rows = compiled.values_rows(("policy snapshot", tuple(keys)), lambda day: (
        PolicyValue.objects.filter(key__in=keys, effective_from__lte=day).order_by("key", "effective_from")
        .values("key", "value")), (on,))
    for row in rows:  # ascending dates: the last one wins
        values[row["key"]] = REGISTRY[row["key"]].parse(row["value"])
    return values


def history(key):
    """[(effective_from, value), ...] ascending, e.g. for an interest-rate table."""
    from core.models import PolicyValue

    param = parameter(key)
    rows = PolicyValue.objects.filter(key=key).order_by("effective_from").values_list("effective_from", "value")
    return [(d, param.parse(v)) for d, v in rows]


def install_defaults(PolicyValue=None, prefix=""):  # noqa: N803 - a model class, may be the historical one
    """Insert the declared defaults and histories that are not in the table yet. Returns rows added."""
    if PolicyValue is None:
        from core.models import PolicyValue
    load_all()
    existing = set(PolicyValue.objects.values_list("key", "effective_from"))
    rows = []
    for key, param in sorted(REGISTRY.items()):
        if not key.startswith(prefix):
            continue
        entries = [(DEFAULT_EFFECTIVE_FROM, param.default)] if not param.history else list(param.history)
        for when, value in entries:
            if (key, when) not in existing:
                rows.append(PolicyValue(key=key, effective_from=when, value=param.to_text(value),
                                        note="default"))
    PolicyValue.objects.bulk_create(rows)
    return len(rows)
