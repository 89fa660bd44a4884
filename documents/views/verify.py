"""The public verification page ``/verify/<code>/`` (no login, throttled per client address): the minimum fields
of the certificate or annual statement PDF and its state, and a check that an uploaded PDF is the one issued.
Every look is logged for the depositor. An unknown or malformed code is a 404 page that tells nothing more."""

import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.http import Http404
from django.shortcuts import render

from core.errors import ApplicationError
from core.throttling import CACHE_ERRORS
from documents import forms, selectors, services
from documents.models import VerificationLog

logger = logging.getLogger(__name__)


def _client_ip(request):
    return request.META.get("REMOTE_ADDR") or None


def throttled(request) -> bool:
    """More than ``DOCUMENTS_VERIFY_RATE_PER_MINUTE`` requests from this address in the current minute. Without
    the cache the page stays open (logged)."""
    key = f"verify-rate:{_client_ip(request)}:{int(time.time() // 60)}"
    try:
        if cache.add(key, 1, timeout=70):
            count = 1
        else:
            count = cache.incr(key)
    except CACHE_ERRORS as exc:
        logger.warning("Verification throttling is off: the cache is unreachable (%s)", exc)
        return False
    return count > settings.DOCUMENTS_VERIFY_RATE_PER_MINUTE


def page(request, code):
    if throttled(request):
        return render(request, "documents/verify_throttled.html", status=429)
    try:
        document = selectors.by_code(code)
    except Http404:
        return render(request, "documents/verify_unknown.html", status=404)
    shown = selectors.public_view(document)
    form = forms.UploadForm(request.POST or None, request.FILES or None)
    matched = None
    action = VerificationLog.Action.VIEW
    if request.method == "POST" and form.is_valid():
        try:
            data = services.check_upload(form.cleaned_data["file"])
        except ApplicationError as exc:
            form.show_error(exc)
        else:
            matched = services.matches(document, data)
            action = VerificationLog.Action.UPLOAD
    if not form.errors:  # a refused upload writes nothing
        services.log_verification(document=document, action=action, state=shown["state"], matched=matched,
                                  ip_address=_client_ip(request), user_agent=request.META.get("HTTP_USER_AGENT", ""))
    status = 400 if form.errors else 200
    return render(request, "documents/verify.html", {"shown": shown, "form": form, "matched": matched,
                                                     "max_mb": settings.DOCUMENTS_UPLOAD_MAX_BYTES // (1024 * 1024)},
                  status=status)
