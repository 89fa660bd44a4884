"""The court API (点对点): a court sends its requests (DOMAIN.md §6.2) and reads the center's receipts (回执).

Every call is signed with the court's key (:mod:`judicial.api.authentication`). A request goes through
``intake.receive_request``, the same rules as a paper request at the counter: bad fields are a 400
``{"code", "message", "fields"}`` with nothing stored; the same request number again answers the first request
(200), never a second freeze; a different request under a used number is a 409. A court only ever sees its own
requests: another court's request number is a 404."""

import json
from decimal import Decimal

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import InvalidInput, NotFound
from judicial import selectors
from judicial.api.authentication import CourtSignatureAuthentication
from judicial.models import Authority, Channel, JudicialRequest, Measure
from judicial.services import receive_request

MAX_BODY = 64 * 1024
SCALARS = (str, int, Decimal, type(None))


def _parse(raw: bytes) -> dict:
    if len(raw) > MAX_BODY:
        raise InvalidInput(_("The request body is too large."), code="invalid")
    try:
        body = json.loads(raw.decode("utf-8"), parse_float=Decimal, parse_constant=_refuse)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise InvalidInput(_("The request body is not valid JSON."), code="invalid") from None
    if not isinstance(body, dict):
        message = _("The request body must be a JSON object.")
        raise InvalidInput(message, code="invalid", fields={"__all__": [message]})
    bad = {k: [_("Give a text or a number.")] for k, v in body.items() if not isinstance(v, SCALARS) or v is True
           or v is False}
    if bad:
        raise InvalidInput(next(iter(bad.values()))[0], code="invalid", fields=bad)
    # a NUL character can be neither stored nor looked up (PostgreSQL text): refused as a bad field
    nul = {k: [_("Control characters are not allowed.")] for k, v in body.items()
           if "\x00" in k or (isinstance(v, str) and "\x00" in v)}
    if nul:
        raise InvalidInput(next(iter(nul.values()))[0], code="invalid", fields=nul)
    return body


def _refuse(name):
    raise ValueError(name)


def _money(value):
    return None if value is None else f"{value:.2f}"


def receipt(req: JudicialRequest) -> dict:
    """What the court reads: the request's state and, once a checker answered it, the receipt (回执)."""
    out = {"number": req.number, "court_code": req.court.code, "measure": req.measure, "case_number": req.case_number,
           "state": req.state, "state_label": str(req.get_state_display()), "received_on": str(req.received_on),
           "answer_due": str(selectors.answer_due(req)), "receipt": None}
    if req.answered_at is None:
        return out
    freeze = getattr(req, "freeze", None) or req.original_freeze
    out["receipt"] = {
        "result": "refused" if req.state == JudicialRequest.State.REFUSED else "executed",
        "answered_at": req.answered_at.isoformat(), "actual_amount": _money(req.actual_amount),
        "refusal_reason": req.refusal_reason,
        "freeze": None if freeze is None or req.state == JudicialRequest.State.REFUSED else {
            "request_number": freeze.request.number, "state": freeze.state,
            "amount_requested": _money(freeze.amount_requested), "amount_frozen": _money(freeze.amount_frozen),
            "queue_position": freeze.queue_position, "start_date": str(freeze.start_date),
            "end_date": str(freeze.end_date)},
        "query": req.answer if req.measure == Measure.QUERY else None,
        "operator": req.operator.username if req.operator_id else None,
        "checker": req.checker.username if req.checker_id else None,
    }
    return out


_FREEZE = inline_serializer("CourtReceiptFreeze", {
    "request_number": serializers.CharField(), "state": serializers.ChoiceField(choices=["active", "waiting",
                                                                                          "expired", "released",
                                                                                          "deducted"]),
    "amount_requested": serializers.CharField(), "amount_frozen": serializers.CharField(),
    "queue_position": serializers.IntegerField(), "start_date": serializers.DateField(),
    "end_date": serializers.DateField()}, allow_null=True)
RECEIPT = inline_serializer("CourtRequestReceipt", {
    "number": serializers.CharField(), "court_code": serializers.CharField(),
    "measure": serializers.ChoiceField(choices=Measure.values), "case_number": serializers.CharField(),
    "state": serializers.ChoiceField(choices=JudicialRequest.State.values), "state_label": serializers.CharField(),
    "received_on": serializers.DateField(), "answer_due": serializers.DateField(),
    "receipt": inline_serializer("CourtReceipt", {
        "result": serializers.ChoiceField(choices=["executed", "refused"]),
        "answered_at": serializers.DateTimeField(), "actual_amount": serializers.CharField(allow_null=True),
        "refusal_reason": serializers.CharField(), "freeze": _FREEZE,
        "query": serializers.JSONField(allow_null=True, help_text="the answer to a query (查询)"),
        "operator": serializers.CharField(), "checker": serializers.CharField()}, allow_null=True),
})
REQUEST = inline_serializer("CourtRequest", {
    "number": serializers.CharField(max_length=40, help_text="bdhm: the court's request number, unique per court"),
    "measure": serializers.ChoiceField(choices=Measure.values, help_text="kzcs / xz"),
    "authority": serializers.ChoiceField(choices=Authority.values, required=False),
    "person_name": serializers.CharField(max_length=60, help_text="xm"),
    "id_type": serializers.CharField(max_length=2, required=False, help_text="zjlx, 01 = resident ID"),
    "id_number": serializers.CharField(max_length=18, help_text="dsrzjhm"),
    "judge": serializers.CharField(max_length=60, help_text="cbr"),
    "judge_phone": serializers.CharField(max_length=20, required=False, help_text="yhdh"),
    "case_number": serializers.CharField(max_length=80, help_text="ah: 执行案号"),
    "ruling_number": serializers.CharField(max_length=80, required=False, help_text="ckwh: 裁定书 (deduct)"),
    "notice_number": serializers.CharField(max_length=80, required=False, help_text="ckh: 协助执行通知书 (deduct)"),
    "account_number": serializers.CharField(max_length=20, required=False, help_text="khzh"),
    "amount": serializers.DecimalField(max_digits=14, decimal_places=2, required=False, help_text="je, > 0"),
    "start_date": serializers.DateField(required=False, help_text="ksrq"),
    "end_date": serializers.DateField(required=False, help_text="jsrq, not before start_date"),
    "payee_name": serializers.CharField(max_length=120, required=False, help_text="zxkzhhm (deduct)"),
    "payee_account": serializers.CharField(max_length=40, required=False, help_text="zxkzhzh (deduct)"),
    "payee_bank": serializers.CharField(max_length=120, required=False, help_text="zxkzhkhh"),
    "original_number": serializers.CharField(max_length=40, required=False,
                                             help_text="ydjdh: the court's freeze request (renew, unfreeze, deduct)"),
})
ERROR = inline_serializer("CourtApiError", {"code": serializers.CharField(), "message": serializers.CharField(),
                                             "fields": serializers.DictField()})
FREEZE_EXAMPLE = {"number": "BD20261012000001", "measure": "freeze", "person_name": "张三",
                  "id_number": "110101199003070011", "judge": "李法官", "judge_phone": "0755-12345678",
                  "case_number": "(2026)粤0305执30003号", "amount": "20000.00", "start_date": "2026-10-12",
                  "end_date": "2027-10-11"}
RECEIPT_EXAMPLE = {
    "number": "BD20261012000001", "court_code": "4403050", "measure": "freeze", "case_number": "(2026)粤0305执30003号",
    "state": "executed", "state_label": "已执行", "received_on": "2026-10-12", "answer_due": "2026-10-15",
    "receipt": {"result": "executed", "answered_at": "2026-10-12T10:21:07+08:00", "actual_amount": "20000.00",
                "refusal_reason": "", "query": None, "operator": "j_op", "checker": "j_chk",
                "freeze": {"request_number": "BD20261012000001", "state": "active", "amount_requested": "20000.00",
                           "amount_frozen": "20000.00", "queue_position": 1, "start_date": "2026-10-12",
                           "end_date": "2027-10-11"}}}
SIGNATURE_ERRORS = OpenApiResponse(ERROR, description="not signed by an active court key, stale timestamp, "
                                                      "replayed nonce: nothing stored",
                                   examples=[OpenApiExample("Bad signature", value={
                                       "code": "bad_signature", "message": "请求未经登记的法院密钥签名。",
                                       "fields": {}}, response_only=True, status_codes=["401"])])


class CourtAPIView(APIView):
    authentication_classes = [CourtSignatureAuthentication]


class Requests(CourtAPIView):
    """A court sends one request; the answer is the request's state (the receipt follows once a checker
    confirmed it: read it with GET .../requests/<number>/)."""

    @extend_schema(
        operation_id="judicial_request_create", request=REQUEST,
        responses={201: RECEIPT, 200: OpenApiResponse(RECEIPT, description="this request number was already "
                                                                           "received with the same content"),
                   400: OpenApiResponse(ERROR, description="a field is wrong: nothing stored"),
                   401: SIGNATURE_ERRORS,
                   409: OpenApiResponse(ERROR, description="the number was used for a different request, or the "
                                                           "original freeze is no longer in force")},
        examples=[OpenApiExample("Freeze ¥20,000", value=FREEZE_EXAMPLE, request_only=True),
                  OpenApiExample("Received", value={**RECEIPT_EXAMPLE, "state": "received", "state_label": "已接收",
                                                    "receipt": None}, response_only=True, status_codes=["201"]),
                  OpenApiExample("ID and name do not match", value={
                      "code": "identity_mismatch", "message": "证件号码与姓名和中心记录不符。",
                      "fields": {"person_name": ["姓名不符。"]}}, response_only=True, status_codes=["400"])])
    def post(self, request):
        raw = request.body
        data = _parse(raw)
        court = request.auth.court
        number = str(data.get("number") or "").strip()
        existed = bool(number) and JudicialRequest.objects.filter(court=court, number=number).exists()
        try:
            req = receive_request(actor=request.user, court=court, data=data, channel=Channel.API, raw=raw)
        except NotFound as exc:  # an unknown person, account or original freeze is a bad field of the request
            raise InvalidInput(exc.message, code=exc.code, fields=exc.fields) from None
        req = selectors.court_request(court=court, number=req.number)
        return Response(receipt(req), status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED)


class RequestReceipt(CourtAPIView):
    """The state of one of the court's requests and, once answered, the receipt (回执)."""

    @extend_schema(
        operation_id="judicial_request_receipt",
        parameters=[OpenApiParameter("number", OpenApiTypes.STR, OpenApiParameter.PATH,
                                     description="the court's request number")],
        responses={200: RECEIPT, 401: SIGNATURE_ERRORS,
                   404: OpenApiResponse(ERROR, description="this court sent no request with this number")},
        examples=[OpenApiExample("Freeze confirmed", value=RECEIPT_EXAMPLE, response_only=True)])
    def get(self, request, number):
        req = selectors.court_request(court=request.auth.court, number=number)
        if req is None:
            raise NotFound(_("This court sent no request with this number."), code="not_found")
        return Response(receipt(req))
