from django.conf import settings
from django.urls import reverse

from core import roles


def start_page(request, user_roles) -> str:
    """The start page of the viewer's own surface: the counter for staff, the portal for a depositor, the employer
    portal for an agent; for someone not logged in, the start of the surface they are on, and on the public
    pages (document verification, the loan calculator) the depositors' portal, never the staff counter."""
    path = getattr(request, "path", "") or ""
    staff_paths = ("/counter/", "/admin/")
    if user_roles & set(roles.STAFF_ROLES):
        name = "core:home"
    elif roles.DEPOSITOR in user_roles:
        name = "portal:home"
    elif roles.EMPLOYER_AGENT in user_roles or (not user_roles and path.startswith("/employer/")):
        name = "portal:employer_home"
    elif not user_roles and not path.startswith(staff_paths):
        name = "portal:home"
    else:
        name = "core:home"
    return reverse(name)


def center(request):
    user_roles = roles.roles_of(getattr(request, "user", None))
    return {
        "start_url": start_page(request, user_roles),
        "CENTER_NAME": settings.CENTER_NAME,
        "CENTER_CODE": settings.CENTER_CODE,
        "user_roles": user_roles,
        "is_staff_user": bool(user_roles & set(roles.STAFF_ROLES)),
    }
