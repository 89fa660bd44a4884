"""The public loan calculator API (no login, throttled): a schedule with optional partial prepayments.

Numbers in the JSON body are read as decimals, never as binary floats (:class:`DecimalJSONParser`); amounts in
the answer are strings with two decimals. Bad input is a 400 with ``{"code", "message", "fields"}``, one entry
per field (``prepayments[1].amount``)."""

import json
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle
from rest_framework.views import APIView

from core.errors import InvalidInput
from loans import calculations as calc


class DecimalJSONParser(JSONParser):
    """JSON with every number with a fraction or exponent parsed as ``Decimal`` (money is never a float)."""

    max_bytes = 64 * 1024  # a loan with 24 prepayments is well under 4 KB

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        raw = stream.read(self.max_bytes + 1) if stream is not None else b""
        if len(raw) > self.max_bytes:
            raise ParseError(_("The request body is too large."))
        try:
            return json.loads(raw.decode(encoding), parse_float=Decimal, parse_constant=_refuse_constant)
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise ParseError(_("The request body is not valid JSON.")) from None


def _refuse_constant(name):
    raise ValueError(f"{name} is not a number")


class CalculatorAnonThrottle(AnonRateThrottle):
    scope = "loan_calculator_anon"
    rate = "60/min"


class CalculatorUserThrottle(UserRateThrottle):
    scope = "loan_calculator_user"
    rate = "120/min"


_INSTALLMENTS = inline_serializer(
    "LoanCalculatorInstallment",
    {
        "number": serializers.IntegerField(),
        "payment": serializers.CharField(),
        "principal": serializers.CharField(),
        "interest": serializers.CharField(),
        "balance": serializers.CharField(),
    },
    many=True,
)


def _money(value) -> str:
    return f"{value:.2f}"


class Calculator(APIView):
    """POST a loan (principal, months, annual rate, method, optional prepayments) and get its schedule."""

    authentication_classes = []
    permission_classes = [AllowAny]
    parser_classes = [DecimalJSONParser]
    throttle_classes = [CalculatorAnonThrottle, CalculatorUserThrottle]

    @extend_schema(
        request=inline_serializer(
            "LoanCalculatorRequest",
            {
                "principal": serializers.CharField(help_text="e.g. 830000.00"),
                "months": serializers.IntegerField(min_value=1, max_value=calc.MAX_MONTHS),
                "annual_rate": serializers.CharField(help_text="a fraction, e.g. 0.03075"),
                "method": serializers.ChoiceField(choices=calc.METHODS, required=False),
                "prepayments": inline_serializer(
                    "LoanCalculatorPrepayment",
                    {
                        "after_installment": serializers.IntegerField(),
                        "amount": serializers.CharField(),
                        "keep": serializers.ChoiceField(choices=calc.KEEPS),
                    },
                    many=True,
                    required=False,
                ),
            },
        ),
        responses=inline_serializer(
            "LoanCalculatorResponse",
            {
                "installments": _INSTALLMENTS,
                "total_interest": serializers.CharField(),
                "total_payment": serializers.CharField(),
                "prepaid": serializers.CharField(),
                "months": serializers.IntegerField(),
            },
        ),
    )
    def post(self, request):
        body = request.data
        if not isinstance(body, dict):
            message = _("The request body must be a JSON object.")
            raise InvalidInput(message, fields={"__all__": [message]})
        result = calc.simulate(
            body.get("principal"),
            body.get("annual_rate"),
            body.get("months"),
            body.get("method", calc.EQUAL_INSTALLMENT),
            body.get("prepayments") or (),
        )
        return Response(
            {
                "installments": [
                    {
                        "number": i.number,
                        "payment": _money(i.payment),
                        "principal": _money(i.principal),
                        "interest": _money(i.interest),
                        "balance": _money(i.balance),
                    }
                    for i in result.installments
                ],
                "total_interest": _money(result.total_interest),
                "total_payment": _money(result.total_payment),
                "prepaid": _money(result.prepaid),
                "months": len(result.installments),
            }
        )
