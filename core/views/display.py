"""Display preferences that anyone may set, logged in or not: the elderly-friendly mode (适老化: large type and
high contrast), kept in a cookie so it also works on the public pages and survives logging in and out."""

from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

ELDERLY_COOKIE = "elderly"
ELDERLY_MAX_AGE = 365 * 24 * 3600


@require_POST
def elderly_mode(request):
    """Turn the mode on (``on=1``) or off, then go back to the page the form was on (``next``, same site only)."""
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        next_url = "/"
    response = redirect(next_url)
    if request.POST.get("on") == "1":
        response.set_cookie(ELDERLY_COOKIE, "1", max_age=ELDERLY_MAX_AGE, samesite="Lax", httponly=True,
                            secure=request.is_secure())
    else:
        response.delete_cookie(ELDERLY_COOKIE, samesite="Lax")
    return response
