"""A depositor's portal password reset by a code sent by SMS to the mobile phone on record (through the
notification outbox, delivered after commit). Asking never says whether the details matched; a code is valid for
ten minutes and five tries, and is kept only as a hash."""

import secrets

from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Depositor
from core import audit, workflow
from core.actors import system_actor
from core.errors import InvalidInput

CODE_SECONDS = 600
MAX_TRIES = 5


def _key(user_id):
    return f"portal-password-reset:{user_id}"


def _depositor(id_number):
    id_number = (id_number or "").strip().upper()[:18]
    if not id_number:
        return None
    return (
        Depositor.objects.select_related("user")
        .filter(id_number=id_number, user__isnull=False, user__is_active=True)
        .first()
    )


@transaction.atomic
def request_password_reset(*, id_number, phone) -> None:
    """Send a 6-digit code to the depositor with this ID number and this mobile phone, if there is one with a
    portal login. Nothing tells the caller which."""
    depositor = _depositor(id_number)
    phone = "".join((phone or "").split())[:20]
    if depositor is None or not phone or depositor.phone != phone:
        return
    code = f"{secrets.randbelow(10**6):06d}"
    cache.set(_key(depositor.user_id), {"hash": make_password(code), "tries": 0}, CODE_SECONDS)
    workflow.notify(
        subject=_("Password reset code"),
        user=depositor.user,
        recipient=depositor,
        channels=("sms",),
        address=depositor.phone,
        body=_("Your code to reset the portal password is %(c)s; it is valid for 10 minutes. Do not give it to anyone.")
        % {"c": code},
    )
    audit.record(actor=system_actor(), action="depositor.password_reset.request", obj=depositor)


@transaction.atomic
def reset_password(*, id_number, code, new_password):
    """Set a new password with the code sent by SMS; returns the user."""
    wrong = _("The code is wrong or has expired; ask for a new one.")
    depositor = _depositor(id_number)
    state = cache.get(_key(depositor.user_id)) if depositor else None
    code = "".join((code or "").split())[:12]
    if state is None or state["tries"] >= MAX_TRIES:
        raise InvalidInput(wrong, code="bad_code", fields={"code": [wrong]})
    if not check_password(code, state["hash"]):
        cache.set(_key(depositor.user_id), {**state, "tries": state["tries"] + 1}, CODE_SECONDS)
        raise InvalidInput(wrong, code="bad_code", fields={"code": [wrong]})
    user = depositor.user
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise InvalidInput(
            " ".join(exc.messages), code="weak_password", fields={"new_password1": list(exc.messages)}
        ) from exc
    user.set_password(new_password)
    user.save(update_fields=["password"])
    cache.delete(_key(user.pk))
    audit.record(actor=user, action="depositor.password_reset", obj=depositor)
    return user
