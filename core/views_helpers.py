"""Helpers shared by staff views: role checks and turning ApplicationError into a page message."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from core import roles


def staff_required(*allowed):
    """Logged-in staff with one of ``allowed`` roles (any staff role when empty)."""
    allowed = allowed or roles.STAFF_ROLES

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not roles.has_role(request.user, *allowed):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
