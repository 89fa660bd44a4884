"""Who may open which URL, declared once beside each URL pattern.

Every ``urls.py`` builds its patterns with :func:`page` (server-rendered pages) or :func:`api` (REST views)
instead of ``path``. The roles given there are enforced by the URL itself (a page refuses anyone else before
the view runs; an API view gets them as its DRF permission), and the URL-access test walks the resolver and
reads the same declaration (:func:`allowed_roles`): a URL without one fails the test.

Object-level scoping is not decided here: views get their rows through selectors that start from the model's
``visible_to(viewer)``, so someone else's record is a 404 even for a role that may open the page.
"""

from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import render, resolve_url
from django.urls import path

from core import roles

PUBLIC = "public"  # anyone, logged in or not: login and logout pages, redirects, the API schema
STAFF = roles.STAFF_ROLES
ATTRIBUTE = "access_roles"


def allowed_roles(callback) -> frozenset | None:
    """The roles declared for a resolved URL's view, or ``None`` when the URL declares none."""
    return getattr(callback, ATTRIBUTE, None)


def _declare(view, allow):
    allow = frozenset(allow)
    if not allow:
        raise ValueError("A URL must allow at least one role (or PUBLIC).")
    setattr(view, ATTRIBUTE, allow)
    return view


def guard(view, allow, login_url=None):
    """``view`` refusing anyone without one of ``allow``: an anonymous visitor goes to ``login_url``
    (default ``settings.LOGIN_URL``, the staff login), a logged-in user without the role gets 403 (on a staff
    page, someone with no staff role at all is told that these pages are for the center's staff)."""
    allow = frozenset(allow)

    @wraps(view)
    def guarded(request, *args, **kwargs):
        if PUBLIC in allow:
            return view(request, *args, **kwargs)
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), resolve_url(login_url or settings.LOGIN_URL))
        if not roles.has_role(request.user, *allow):
            if login_url is None and not roles.is_staff_user(request.user):  # a portal user on a staff page
                return render(request, "core/no_access.html", status=403)
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return _declare(guarded, allow)


def page(route, view, *, name, allow, login_url=None, kwargs=None):
    """``path()`` for a page, with the roles that may open it (``PUBLIC`` for anyone)."""
    return path(route, guard(view, allow, login_url), kwargs, name=name)


def api(route, view_class, *, name, allow, **initkwargs):
    """``path()`` for a DRF view class, whose permission becomes "one of ``allow``" (API clients authenticate
    inside DRF, by token or basic auth, so the check belongs to DRF's permission step)."""
    from core.permissions import HasRole

    allow = frozenset(allow)
    if PUBLIC not in allow:
        initkwargs["permission_classes"] = [HasRole.of(*allow)]
    return path(route, _declare(view_class.as_view(**initkwargs), allow), name=name)
