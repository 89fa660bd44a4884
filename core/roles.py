"""Roles are Django groups (created by a migration). Services check them with ``require_role``."""

from django.utils.translation import gettext_lazy as _

from core import compiled
from core.actors import is_system
from core.errors import Forbidden

CLERK = "counter_clerk"
REVIEWER = "reviewer"
APPROVER = "approver"
LOAN_OFFICER = "loan_officer"
JUDICIAL_OFFICER = "judicial_officer"
FINANCE = "finance"
AUDITOR = "auditor"
SYSADMIN = "system_admin"
DEPOSITOR = "depositor"
EMPLOYER_AGENT = "employer_agent"
# API clients: their group is their scope.
BANK_CLIENT = "api_bank"
COURT_CLIENT = "api_court"
PARTNER_CLIENT = "api_partner_center"

ROLE_LABELS = {
    CLERK: _("Counter clerk"),
    REVIEWER: _("Reviewer"),
    APPROVER: _("Approver"),
    LOAN_OFFICER: _("Loan officer"),
    JUDICIAL_OFFICER: _("Judicial officer"),
    FINANCE: _("Finance"),
    AUDITOR: _("Auditor"),
    SYSADMIN: _("System administrator"),
    DEPOSITOR: _("Depositor"),
    EMPLOYER_AGENT: _("Employer agent"),
    BANK_CLIENT: _("API: bank"),
    COURT_CLIENT: _("API: court"),
    PARTNER_CLIENT: _("API: partner center"),
}
STAFF_ROLES = (CLERK, REVIEWER, APPROVER, LOAN_OFFICER, JUDICIAL_OFFICER, FINANCE, AUDITOR, SYSADMIN)
# Roles that may read any depositor's data on staff pages.
READ_ROLES = STAFF_ROLES
# Roles that need a person's full ID number on staff pages: the counter checks identity documents, the judicial
# officer matches court requests. Everyone else sees it masked (110***********1234).
FULL_ID_ROLES = (CLERK, JUDICIAL_OFFICER)
# Roles that may change accounts at the counter.
ACCOUNT_WRITE_ROLES = (CLERK, REVIEWER, APPROVER, SYSADMIN)
# Roles that move money or approve: a second factor (TOTP) after the password is required for them.
TWO_FACTOR_ROLES = (CLERK, REVIEWER, APPROVER, FINANCE, SYSADMIN)


def roles_of(user) -> set[str]:
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    cached = getattr(user, "_role_names", None)
    if cached is None:
        cached = remember_roles(user, [row["name"] for row in compiled.values_rows(("roles_of",), group_names,
                                                                                   (user.pk,))])
    return cached


def remember_roles(user, names) -> set[str]:
    """Keep on ``user`` the roles of its groups named ``names`` (read with it, say), as :func:`roles_of` answers
    them: a superuser is a system administrator too."""
    user._role_names = set(names) | ({SYSADMIN} if user.is_superuser else set())
    return user._role_names


def group_names(user_id):
    """The names of the user's groups, as a ``values("name")`` queryset (``user_id`` may be an ``OuterRef``)."""
    from django.contrib.auth.models import Group

    return Group.objects.filter(user=user_id).values("name")


def load_roles(users) -> None:
    """Read the roles of several users in one query (for a page that asks about each, such as the actors of a
    case's history); :func:`roles_of` then answers from memory."""
    from django.contrib.auth.models import Group

    todo = [u for u in users if u is not None and u.pk is not None and getattr(u, "_role_names", None) is None]
    if not todo:
        return
    names = {u.pk: set() for u in todo}
    ids = tuple(sorted(names))
    for row in compiled.values_rows(("load_roles", len(ids)), lambda *i: (
            Group.objects.filter(user__in=i).values("user", "name")), ids):
        names[row["user"]].add(row["name"])
    for user in todo:  # several objects may be the same user (one per row)
        remember_roles(user, names[user.pk])


def has_role(user, *roles) -> bool:
    return bool(roles_of(user) & set(roles))


def is_staff_user(user) -> bool:
    return has_role(user, *STAFF_ROLES)


def require_role(user, *roles):
    """Raise Forbidden unless ``user`` has one of ``roles`` or is the system actor. A missing actor (``None``)
    or an anonymous user is refused: access fails closed."""
    if is_system(user):
        return
    if user is None or not has_role(user, *roles):
        raise Forbidden(_("Your role does not allow this action."))


def add_role(user, role):
    from django.contrib.auth.models import Group

    user.groups.add(Group.objects.get(name=role))
    if hasattr(user, "_role_names"):
        del user._role_names


def sees_full_id(user) -> bool:
    return has_role(user, *FULL_ID_ROLES)
