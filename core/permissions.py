from rest_framework.permissions import BasePermission

from core import roles


class HasRole(BasePermission):
    """DRF permission: the user has one of ``allowed`` roles (groups act as API scopes)."""

    allowed: tuple = ()

    @classmethod
    def of(cls, *allowed):
        return type("HasRole", (cls,), {"allowed": allowed})

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and roles.has_role(request.user, *self.allowed))
