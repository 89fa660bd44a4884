"""Who sent a request, read through SQL compiled once: the session row (``SESSION_ENGINE``), the logged-in user
(``AUTHENTICATION_BACKENDS``) and the device that passed the second factor (the OTP middleware).

Every request of a logged-in user reads these rows (the user's with its roles) before the page's own; building and
compiling those queries cost the ORM more CPU than running them. What is read, the checks made on it (the
session's expiry, an inactive user, a device of another user or not confirmed) and what happens when a row is
missing are Django's (``django.contrib.sessions.backends.db``, ``django.contrib.auth.backends.ModelBackend``) and
django-otp's own."""

import logging

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.core.exceptions import SuspiciousOperation
from django.db.models import OuterRef
from django.utils import timezone
from django_otp.middleware import OTPMiddleware as DeviceMiddleware
from django_otp.plugins.otp_totp.models import TOTPDevice

from core import compiled, roles

TOTP_LABEL = f"{TOTPDevice._meta.app_label}.{TOTPDevice._meta.model_name}"


class SessionStore(DatabaseSessionStore):
    def _get_session_from_db(self):
        try:
            return compiled.get(("session",), self._live_session, (self.session_key, timezone.now()))
        except (self.model.DoesNotExist, SuspiciousOperation) as e:
            if isinstance(e, SuspiciousOperation):
                logging.getLogger(f"django.security.{e.__class__.__name__}").warning(str(e))
            self._session_key = None

    def _live_session(self, session_key, now):
        return self.model.objects.filter(session_key=session_key, expire_date__gt=now)


class UserBackend(ModelBackend):
    """Django's model backend (passwords, permissions); the session's user read through kept SQL, with the names
    of its roles (groups) in the same query: every page asks for them (``core.roles.roles_of``)."""

    def get_user(self, user_id):
        model = get_user_model()
        if not isinstance(user_id, int):
            return super().get_user(user_id)
        try:
            user = compiled.get(("session user",), _user_with_roles, (user_id,))
        except model.DoesNotExist:
            return None
        roles.remember_roles(user, user.role_list)
        return user if self.user_can_authenticate(user) else None


def _user_with_roles(pk):
    return get_user_model()._default_manager.filter(pk=pk).annotate(
        role_list=ArraySubquery(roles.group_names(OuterRef("pk"))))


class OTPMiddleware(DeviceMiddleware):
    """django-otp's middleware (``request.user.otp_device``, ``is_verified()``); a TOTP device read through kept
    SQL. Its binding to the user and its confirmation are still checked by django-otp."""

    def _device_from_persistent_id(self, persistent_id: str):
        label, _, device_id = self._normalize_persistent_id(persistent_id).rpartition("/")
        if label != TOTP_LABEL or not device_id.isdigit() or len(device_id) > 18:
            return super()._device_from_persistent_id(persistent_id)
        try:
            return compiled.get(("otp device",), lambda pk: TOTPDevice.objects.filter(id=pk), (int(device_id),))
        except TOTPDevice.DoesNotExist:
            return None
