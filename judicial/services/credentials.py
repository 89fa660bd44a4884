"""Court API keys and signed requests.

A court signs every API request with HMAC-SHA256 under its secret. The string signed is::

    timestamp + "\\n" + nonce + "\\n" + METHOD + "\\n" + path (with the query string) + "\\n" + body

(timestamp: Unix seconds; nonce: 16-64 letters, digits, ``-`` or ``_``, new for every request; body: the raw
bytes, empty for a GET), sent hex-encoded in ``X-Court-Signature`` with ``X-Court-Key``, ``X-Court-Timestamp``
and ``X-Court-Nonce``. The center refuses a timestamp more than ``SKEW`` away from its clock, a nonce already
seen for the key (a replay) and a signature that does not match (compared in constant time).

The secret is not stored: it is ``HMAC-SHA256(COURT_API_KEY, key id + salt)``, recomputed when a request is
checked, and shown to the administrator once when the key is issued."""

import datetime
import hashlib
import hmac
import re
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import audit, roles
from core.errors import ApplicationError
from judicial.models import Court, CourtCredential, SeenNonce

SKEW = datetime.timedelta(minutes=5)
HEADERS = {"key": "X-Court-Key", "timestamp": "X-Court-Timestamp", "nonce": "X-Court-Nonce",
           "signature": "X-Court-Signature"}
NONCE_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
KEY_RE = re.compile(r"^ck_[0-9a-f]{16}$")
SIGNATURE_RE = re.compile(r"^[0-9a-f]{64}$")


class SignatureError(ApplicationError):
    """The request is not signed by an active court key (or is stale or replayed): 401, nothing stored."""

    code = "not_authenticated"
    status = 401


def _server_key() -> bytes:
    return (settings.COURT_API_KEY or settings.SECRET_KEY).encode()


def secret_of(credential: CourtCredential) -> str:
    return hmac.new(_server_key(), f"judicial.court_api:{credential.key_id}:{credential.salt}".encode(),
                    hashlib.sha256).hexdigest()


def string_to_sign(*, timestamp: str, nonce: str, method: str, path: str, body: bytes) -> bytes:
    return f"{timestamp}\n{nonce}\n{method.upper()}\n{path}\n".encode() + (body or b"")


def sign(secret: str, *, timestamp: str, nonce: str, method: str, path: str, body: bytes = b"") -> str:
    """The hex HMAC-SHA256 a court sends (used by the tests and documented for the courts' developers)."""
    message = string_to_sign(timestamp=timestamp, nonce=nonce, method=method, path=path, body=body)
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _api_user(court: Court):
    user_model = get_user_model()
    user, made = user_model.objects.get_or_create(username=f"court-api-{court.code}"[:150])
    if made:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    user.groups.add(Group.objects.get(name=roles.COURT_CLIENT))
    return user


@transaction.atomic
def issue_credential(*, actor, court: Court) -> tuple[CourtCredential, str]:
    """A new API key for ``court``; the court's earlier keys are revoked (rotation). Returns the key and its
    secret, which is shown this once."""
    roles.require_role(actor, roles.SYSADMIN)
    court = Court.objects.select_for_update().get(pk=court.pk)
    revoked = list(CourtCredential.objects.filter(court=court, active=True).values_list("key_id", flat=True))
    CourtCredential.objects.filter(court=court, active=True).update(active=False, revoked_at=timezone.now(),
                                                                    revoked_by=actor)
    credential = CourtCredential.objects.create(court=court, key_id=f"ck_{secrets.token_hex(8)}",
                                                salt=secrets.token_hex(32), user=_api_user(court), created_by=actor)
    audit.record(actor=actor, action="judicial.court.key_issued", obj=credential,
                 after={"court": court.code, "key_id": credential.key_id, "revoked": revoked})
    return credential, secret_of(credential)


@transaction.atomic
def revoke_credential(*, actor, credential: CourtCredential) -> CourtCredential:
    roles.require_role(actor, roles.SYSADMIN)
    credential = CourtCredential.objects.select_for_update().get(pk=credential.pk)
    if credential.active:
        credential.active = False
        credential.revoked_at = timezone.now()
        credential.revoked_by = actor
        credential.save(update_fields=["active", "revoked_at", "revoked_by"])
        audit.record(actor=actor, action="judicial.court.key_revoked", obj=credential,
                     after={"key_id": credential.key_id})
    return credential


def verify(*, headers, method: str, path: str, body: bytes, now=None) -> CourtCredential:
    """The active court key that signed this request, or :class:`SignatureError`. A valid request's nonce is
    recorded (committed at once, on its own) so that the same request again is refused as a replay."""
    refused = _("The request is not signed by a registered court key.")
    values = {name: (headers.get(header) or "").strip() for name, header in HEADERS.items()}
    if not all(values.values()):
        raise SignatureError(_("The signature headers are missing."), code="signature_missing")
    if not (KEY_RE.match(values["key"]) and NONCE_RE.match(values["nonce"]) and values["timestamp"].isdigit()
            and len(values["timestamp"]) <= 12 and SIGNATURE_RE.match(values["signature"].lower())):
        raise SignatureError(refused, code="bad_signature")
    now = now or timezone.now()
    stamp = datetime.datetime.fromtimestamp(int(values["timestamp"]), tz=datetime.UTC)
    if abs(now - stamp) > SKEW:
        raise SignatureError(_("The request timestamp is more than 5 minutes away from the center's clock."),
                             code="stale_timestamp")
    credential = (CourtCredential.objects.filter(key_id=values["key"], active=True, court__active=True)
                  .select_related("court", "user").first())
    expected = sign(secret_of(credential) if credential else secrets.token_hex(32), timestamp=values["timestamp"],
                    nonce=values["nonce"], method=method, path=path, body=body)
    if not hmac.compare_digest(expected, values["signature"].lower()) or credential is None:
        raise SignatureError(refused, code="bad_signature")
    try:
        with transaction.atomic():
            SeenNonce.objects.filter(expires_at__lt=now).delete()
            SeenNonce.objects.create(credential=credential, nonce=values["nonce"], expires_at=stamp + SKEW)
    except IntegrityError:
        raise SignatureError(_("This request was already received (the nonce was used)."),
                             code="replay") from None
    return credential
