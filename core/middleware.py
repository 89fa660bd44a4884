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
