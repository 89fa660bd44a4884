"""The system actor: scheduled jobs, batch runs and automatic rules act as one explicit user row, never as
``None``.

The row (username ``system``) is created by a migration. It is inactive and has no usable password, so nobody
can log in as it; audit events, case transitions, journal entries and batch runs record it like any other
actor, so the history says "the system" instead of an empty field. ``None`` is a missing actor: services refuse
it (``core.roles.require_role``) and selectors return nothing for it.
"""

SYSTEM_USERNAME = "system"


def system_actor():
    """The system user (created by the migration; re-created if a test flushed the tables)."""
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    user = user_model.objects.filter(username=SYSTEM_USERNAME, is_active=False).first()
    if user is None:
        user = install(user_model)
    return user


def install(user_model):
    """Create the system user if it is missing (the migration and the test fixtures call this)."""
    from django.contrib.auth.hashers import make_password

    user, _created = user_model.objects.get_or_create(
        username=SYSTEM_USERNAME,
        defaults={"is_active": False, "is_staff": False, "is_superuser": False, "first_name": "System",
                  "password": make_password(None)},
    )
    return user


def is_system(user) -> bool:
    """True only for the system user row (inactive, reserved name). An activated copy loses the powers."""
    return (user is not None and getattr(user, "pk", None) is not None
            and getattr(user, "username", None) == SYSTEM_USERNAME and getattr(user, "is_active", True) is False)


def require_actor(actor):
    """Refuse a change without an actor (``None`` or an anonymous user): a person or the system must act."""
    if is_system(actor):
        return
    if actor is None or not getattr(actor, "is_authenticated", False):
        from django.utils.translation import gettext as _

        from core.errors import Forbidden

        raise Forbidden(_("Every change needs an actor: a member of staff, the person concerned or the system."),
                        code="actor_required")
