"""DRF authentication of the court API: a request signed with a court's key (judicial.services.credentials)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed

from judicial.services.credentials import HEADERS, SignatureError, verify


class CourtSignatureAuthentication(BaseAuthentication):
    """The caller is the API user of the court key that signed the request; ``request.auth`` is the key."""

    def authenticate(self, request):
        try:
            credential = verify(headers=request.headers, method=request.method, path=request.get_full_path(),
                                body=request.body)
        except SignatureError as exc:
            failed = AuthenticationFailed(exc.message, code=exc.code)
            failed.default_code = exc.code
            raise failed from None
        return credential.user, credential

    def authenticate_header(self, request):
        return 'HMAC-SHA256 realm="court", headers="X-Court-Key X-Court-Timestamp X-Court-Nonce X-Court-Signature"'


class CourtSignatureScheme(OpenApiAuthenticationExtension):
    target_class = "judicial.api.authentication.CourtSignatureAuthentication"
    name = "courtSignature"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey", "in": "header", "name": HEADERS["signature"],
            "description": (
                "Every request carries four headers: `X-Court-Key` (the key id issued by the center, `ck_` and 16 "
                "hex digits), `X-Court-Timestamp` (Unix seconds; refused when more than 5 minutes from the "
                "center's clock), `X-Court-Nonce` (16-64 of `A-Za-z0-9_-`, new for every request; a nonce seen "
                "again is a replay) and `X-Court-Signature`: the lowercase hex HMAC-SHA256, under the court's "
                "secret, of `timestamp + \"\\n\" + nonce + \"\\n\" + METHOD + \"\\n\" + path + \"\\n\" + body` "
                "(path with its query string, body as the raw bytes sent, empty for GET). A missing, stale, "
                "replayed or wrong signature, an unknown or revoked key: 401 and nothing is stored."),
        }
