from django.conf import settings

from core import roles


def center(request):
    user_roles = roles.roles_of(getattr(request, "user", None))
    return {
        "CENTER_NAME": settings.CENTER_NAME,
        "CENTER_CODE": settings.CENTER_CODE,
        "user_roles": user_roles,
        "is_staff_user": bool(user_roles & set(roles.STAFF_ROLES)),
    }
