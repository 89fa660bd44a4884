import time
import uuid

from django.db import IntegrityError
from django.utils.translation import gettext_lazy as _

from core.audit import request_id_var


class RequestIdMiddleware:
    """Gives every request an id (or takes X-Request-ID) that audit events record."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        rid = (request.headers.get("X-Request-ID") or uuid.uuid4().hex)[:64]
        token = request_id_var.set(rid)
        request.request_id = rid
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = rid
        return response


class BusinessDateMiddleware:
    """A read-only request (GET, HEAD) reads the business date once, however many selectors and templates ask
    for it (``core.business_date.today``); a writing request reads it every time, as batch jobs do."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from core import business_date

        if request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        token = business_date.remember_for_request()
        try:
            return self.get_response(request)
        finally:
            business_date.forget(token)


SESSION_RENEWED_AT = "_staff_renewed_at"
SESSION_RENEW_SECONDS = 60


class StaffSecurityMiddleware:
    """For the center's staff: the session ends after ``STAFF_SESSION_IDLE_SECONDS`` without a request, and a
    member of staff whose roles move money or approve (``roles.TWO_FACTOR_ROLES``), or who has set up a device,
    reaches the staff pages and admin only after the second factor (TOTP, django-otp) when ``STAFF_2FA_REQUIRED``:
    until then every such page leads to the two-factor page (set up a device, or enter its code)."""

    PROTECTED = ("/counter/", "/admin/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.shortcuts import redirect
        from django.urls import reverse
        from django.utils.http import urlencode

        from core import roles

        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and roles.is_staff_user(user):
            self._renew(request.session, settings.STAFF_SESSION_IDLE_SECONDS)
            if (settings.STAFF_2FA_REQUIRED and request.path.startswith(self.PROTECTED) and not user.is_verified()
                    and (roles.has_role(user, *roles.TWO_FACTOR_ROLES) or self._has_device(user))):
                exempt = {reverse("core:two_factor"), reverse("core:logout"), reverse("core:login")}
                if request.path not in exempt:
                    return redirect(f"{reverse('core:two_factor')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    @staticmethod
    def _renew(session, idle_seconds):
        """Push the end of the session ``idle_seconds`` past now, at most once a minute: renewing it on every request
        rewrote the session row (an UPDATE and a commit) for every page a member of staff opened. The session thus
        ends between ``idle_seconds`` − 60 s and ``idle_seconds`` after the last request."""
        now = int(time.time())
        if now - session.get(SESSION_RENEWED_AT, 0) >= SESSION_RENEW_SECONDS:
            session.set_expiry(idle_seconds)
            session[SESSION_RENEWED_AT] = now

    @staticmethod
    def _has_device(user) -> bool:
        """Other staff may set up a second factor too; once they have, it is asked for like anyone's."""
        from django_otp import user_has_device

        return user_has_device(user)


CONFLICT_MESSAGE = _("Someone else changed the same records at the same time; nothing was saved. Reload the page "
                     "and try again.")


class IntegrityConflictMiddleware:
    """A database integrity conflict that no service turned into a business error (two people saving the same
    thing at once) is a 409 page with a clear message, never a 500; the service's transaction was rolled back.
    The API's exception handler (``core.api``) does the same for API views."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, IntegrityError):
            return None
        from django.shortcuts import render

        return render(request, "core/conflict.html", {"message": CONFLICT_MESSAGE}, status=409)


TOO_LARGE_MESSAGE = _("The request is too large (at most %(mb)d MB). Send fewer or smaller files.")


class RequestSizeMiddleware:
    """Refuse a request whose declared body is larger than ``REQUEST_BODY_MAX_MB`` before anything reads it (a
    413 page, or the API's error shape under ``/api/``), so an oversized upload never reaches a temporary file
    or a parser. The per-file limits (document size from policy, spreadsheet size) apply on top."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings

        limit = settings.REQUEST_BODY_MAX_MB * 1024 * 1024
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > limit:
            from django.utils import translation

            # This runs before LocaleMiddleware: answer in the request's language, not the thread's last one.
            translation.activate(translation.get_language_from_request(request))
            message = TOO_LARGE_MESSAGE % {"mb": settings.REQUEST_BODY_MAX_MB}
            if request.path.startswith("/api/"):
                from django.http import JsonResponse

                return JsonResponse({"code": "too_large", "message": str(message), "fields": {}}, status=413)
            from django.shortcuts import render

            return render(request, "core/too_large.html", {"message": message}, status=413)
        return self.get_response(request)

