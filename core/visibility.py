"""Who may see which rows: one ``visible_to(user)`` queryset method per model holding personal or case data.

Every selector that returns such rows starts from ``Model.objects.visible_to(viewer)``, so scoping lives in
one place per model and fails closed:

- ``None``, an anonymous or an inactive user sees nothing (``.none()``);
- the system actor (``core.actors``) sees everything (batch jobs, rules);
- staff with one of the model's ``staff_roles`` see every row;
- a depositor sees the rows reached through ``depositor_path`` (a lookup ending at the portal user);
- an employer agent sees the rows reached through ``employer_path`` (a lookup ending at the employer's id);
- anyone else sees nothing.

A model declares its paths on its queryset class::

    class FundAccountQuerySet(VisibleQuerySet):
        depositor_path = "depositor__user"
        employer_path = "employer_id"

and ``objects = FundAccountQuerySet.as_manager()``.
"""

from django.db import models
from django.db.models import Q

from core import compiled, roles


def employer_id_of(user):
    """The employer an agent acts for, or ``None``."""
    if not roles.has_role(user, roles.EMPLOYER_AGENT):
        return None
    if hasattr(user, "_agent_employer_id"):  # a stand-in of as_user
        return user._agent_employer_id
    agent = getattr(user, "employer_agent", None)
    return agent.employer_id if agent is not None else None


def shape_key(user) -> tuple:
    """What decides the SQL of ``visible_to(user)`` besides the model and the user's id: their roles and, for an
    employer agent, the employer; the key under which :func:`own_rows` keeps a query that starts from it."""
    if roles.is_system(user):
        return ("system",)
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return ("nobody",)
    return (tuple(sorted(roles.roles_of(user))), employer_id_of(user))


def as_user(viewer, pk):
    """A stand-in for ``viewer`` with another primary key and the same roles, flags and employer (an agent's), for
    a query kept once for everyone with the viewer's roles (:func:`own_rows`); the system actor and a missing or
    anonymous user as they are."""
    if roles.is_system(viewer) or viewer is None or not getattr(viewer, "is_authenticated", False):
        return viewer
    user = viewer.__class__(pk=pk, is_active=viewer.is_active, is_superuser=viewer.is_superuser)
    user._role_names = set(roles.roles_of(viewer))
    user._agent_employer_id = employer_id_of(viewer)
    return user


def own_rows(name, viewer, build, values=(), *, as_values=False, get=False):
    """``list(build(viewer, *values))`` with its SQL compiled once for every user of the viewer's roles (and
    employer, for an agent), the user's id being one of the query's values (``core.compiled``): the pages each
    person sees of their own data (the portals), where a kept query per user would be compiled for nearly every
    visit, and the staff pages, where it would be compiled again for each member of staff. ``build`` must reach
    the user only through its first argument. ``as_values``: rows as dicts (a ``values()`` queryset); ``get``: the
    one instance found, as ``QuerySet.get``."""
    key = (name, shape_key(viewer))
    run = compiled.values_rows if as_values else compiled.get if get else compiled.objects
    return run(key, lambda pk, *rest: build(as_user(viewer, pk), *rest), (getattr(viewer, "pk", None), *values))


class VisibleQuerySet(models.QuerySet):
    staff_roles: tuple = roles.READ_ROLES
    depositor_path: str | None = None
    employer_path: str | None = None

    def visible_to(self, user):
        if roles.is_system(user):
            return self.all()
        if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
            return self.none()
        if self.staff_roles and roles.has_role(user, *self.staff_roles):
            return self.all()
        condition = self.own_rows(user)
        return self.filter(condition) if condition is not None else self.none()

    def own_rows(self, user) -> Q | None:
        """The condition for a non-staff user's own rows (``None``: none at all)."""
        condition = None
        if self.depositor_path and roles.has_role(user, roles.DEPOSITOR):
            condition = Q(**{self.depositor_path: user})
        employer_id = employer_id_of(user) if self.employer_path else None
        if employer_id is not None:
            mine = Q(**{self.employer_path: employer_id})
            condition = mine if condition is None else condition | mine
        return condition


class StaffOnlyQuerySet(VisibleQuerySet):
    """The center's own books and registers (bank statements, fraud bans, property records): staff only."""
