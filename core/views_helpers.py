"""Helpers shared by staff and portal pages: role checks and file downloads."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponse

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


def file_download(field_file):
    """The stored file as an attachment named like the file; 404 when nothing is stored."""
    if not field_file:
        return HttpResponse(status=404)
    return FileResponse(field_file.open("rb"), as_attachment=True, filename=field_file.name.rsplit("/", 1)[-1])
