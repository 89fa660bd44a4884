"""The API error shape: {"code", "message", "fields"} with a 4xx status."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_handler

from core.errors import ApplicationError, from_validation_error


def _flatten(detail):
    if isinstance(detail, dict):
        return {k: [str(x) for x in (v if isinstance(v, list) else [v])] for k, v in detail.items()}
    return {}


def exception_handler(exc, context):
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
        message = str(detail) if detail is not None else str(exc)
        code = getattr(exc, "default_code", "error")
    if response.status_code == status.HTTP_400_BAD_REQUEST and not fields:
        code = code or "invalid"
    response.data = {"code": code, "message": message, "fields": fields}
    return response
