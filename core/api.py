"""The API error shape: {"code", "message", "fields"} with a 4xx status."""

from decimal import Decimal

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_handler

from core import bounds
from core.errors import ApplicationError, Conflict, InvalidInput, from_validation_error


def _messages(detail) -> list[str]:
    """Every message of a DRF error detail (a string, a list, or nested lists and dicts), in order."""
    if isinstance(detail, dict):
        return [m for v in detail.values() for m in _messages(v)]
    if isinstance(detail, list | tuple):
        return [m for v in detail for m in _messages(v)]
    return [str(detail)]


def _flatten(detail, prefix=""):
    """{field: [messages]}; a nested serializer's fields are named by their path, e.g. ``lines.2.base``
    (never the Python text of the nested errors)."""
    out = {}
    if not isinstance(detail, dict):
        return out
    for key, value in detail.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, f"{name}."))
        elif isinstance(value, list | tuple) and any(isinstance(v, dict | list | tuple) for v in value):
            for i, item in enumerate(value):
                if isinstance(item, dict):
                    out.update(_flatten(item, f"{name}.{i}."))
                elif item:
                    out.setdefault(f"{name}.{i}" if isinstance(item, list | tuple) else name, []).extend(
                        _messages(item))
        else:
            out[name] = _messages(value)
    return {k: v for k, v in out.items() if v}


def exception_handler(exc, context):
    if isinstance(exc, IntegrityError):  # a concurrent change no service turned into a business error
        from core.middleware import CONFLICT_MESSAGE

        exc = Conflict(CONFLICT_MESSAGE, code="conflict")
    if isinstance(exc, DjangoValidationError):
        exc = from_validation_error(exc)
    if isinstance(exc, ApplicationError):
        return Response(exc.as_dict(), status=exc.status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_handler(exc, context)
    if response is None:
        return None
    detail = exc.detail if isinstance(exc, exceptions.APIException) else None
    fields = _flatten(detail) if isinstance(detail, dict) else {}
    if fields:
        message = next(iter(fields.values()))[0]
        code = "invalid"
    else:
        listed = _messages(detail) if isinstance(detail, list | tuple) else []
        message = listed[0] if listed else (str(detail) if detail is not None else str(exc))
        code = getattr(exc, "default_code", "error")
    if response.status_code == status.HTTP_400_BAD_REQUEST and not fields:
        code = code or "invalid"
    response.data = {"code": code, "message": message, "fields": fields}
    return response


# --- bounded serializer fields: the API's numbers, dates and months (the rules are in core.bounds) ---------


def _bounded(check, value, **kwargs):
    try:
        return check(value, **kwargs)
    except InvalidInput as exc:
        raise serializers.ValidationError(exc.message, code=exc.code) from exc


class MoneyField(serializers.DecimalField):
    """An amount in yuan: at most two places and ``bounds.MONEY_MAX``; negative only with ``negative=True``."""

    def __init__(self, *, negative=False, **kwargs):
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", bounds.MONEY_PLACES)
        kwargs.setdefault("min_value", -bounds.MONEY_MAX if negative else Decimal(0))
        kwargs.setdefault("max_value", bounds.MONEY_MAX)
        self.negative = negative
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str) and len(data.strip()) > bounds.MAX_NUMBER_TEXT:
            self.fail("invalid")
        if isinstance(data, str | int | float | Decimal) and not isinstance(data, bool):
            _bounded(bounds.money, str(data) if isinstance(data, float) else data, negative=self.negative)
        return super().to_internal_value(data)


class RateField(serializers.DecimalField):
    """A ratio between 0 and 1 (0.12 = 12%) with at most eight places."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 9)
        kwargs.setdefault("decimal_places", bounds.RATE_PLACES)
        kwargs.setdefault("min_value", Decimal(0))
        kwargs.setdefault("max_value", bounds.RATE_MAX)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str) and len(data.strip()) > bounds.MAX_NUMBER_TEXT:
            self.fail("invalid")
        return _bounded(bounds.rate, super().to_internal_value(data))


class DateField(serializers.DateField):
    """A date within the plausible window (``bounds.date``); ``ahead``: months after the business date's."""

    def __init__(self, *, ahead=1, **kwargs):
        self.ahead = ahead
        super().__init__(**kwargs)

    def to_internal_value(self, value):
        if isinstance(value, str) and len(value) > 40:
            self.fail("invalid", format="YYYY-MM-DD")
        return _bounded(bounds.date, super().to_internal_value(value), ahead=self.ahead)


class MonthField(DateField):
    """A month as YYYY-MM (or a date in it), as its first day, within the plausible window."""

    def __init__(self, *, ahead=1, **kwargs):
        kwargs.setdefault("input_formats", ["%Y-%m", "%Y-%m-%d"])
        kwargs.setdefault("format", "%Y-%m")
        super().__init__(ahead=ahead, **kwargs)

    def to_internal_value(self, value):
        if isinstance(value, str) and len(value) > 40:
            self.fail("invalid", format="YYYY-MM")
        return _bounded(bounds.month, serializers.DateField.to_internal_value(self, value), ahead=self.ahead)
