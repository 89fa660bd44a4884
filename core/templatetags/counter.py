"""Template helpers shared by the staff and portal pages: money, masking, ratios, status colours and role checks."""

from decimal import Decimal

from django import template
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from core import business_date as business_date_module
from core import identity, roles
from core.money import format_yuan

register = template.Library()

# Named groups of roles for templates (the views and services check the same roles).
ROLE_GROUPS = {
    "read": roles.READ_ROLES,
    "account_write": roles.ACCOUNT_WRITE_ROLES,
    "statement_write": (*roles.ACCOUNT_WRITE_ROLES, roles.FINANCE),  # match bank statements
    "statement_import": (roles.FINANCE,),  # import a statement file (ledger.services.IMPORT_ROLES), confirm one
    "reconciliation": (roles.FINANCE, roles.AUDITOR, roles.SYSADMIN),
    "reconcile_run": (roles.FINANCE,),  # start a reconciliation (ledger.reconciliation.RECONCILE_ROLES)
    "ledger_settings": (roles.FINANCE, roles.SYSADMIN),  # request / confirm ledger setting changes
    "admin": (roles.SYSADMIN,),
    "depositor": (roles.DEPOSITOR,),
    "agent": (roles.EMPLOYER_AGENT,),
}


@register.filter
def yuan(value):
    """1234.5 -> '1,234.50'; empty stays empty."""
    if value is None or value == "":
        return ""
    return format_yuan(value)


@register.filter
def in_language(record, key):
    """A text stored in both languages (``key_zh-hans``, ``key_en``) in the viewer's language; the plain ``key``
    for records stored before both were kept."""
    if not record:
        return ""
    return record.get(f"{key}_{translation.get_language() or settings.LANGUAGE_CODE}") or record.get(key, "")


@register.filter
def mask_id(value):
    return identity.mask_id_number(value or "")


@register.filter
def id_for(value, viewer):
    """``{{ person.id_number|id_for:request.user }}``: the full ID number for the roles that need it
    (``roles.FULL_ID_ROLES``), masked for everyone else."""
    return value if roles.sees_full_id(viewer) else identity.mask_id_number(value or "")


@register.filter
def actor_for(user, viewer):
    """Who took a step, as a staff page shows it: a depositor signs in with the ID number, so a depositor's user
    name is shown like an ID number (:func:`id_for`); staff user names as they are."""
    if user is None:
        return ""
    if roles.has_role(user, roles.DEPOSITOR):
        return id_for(user.username, viewer)
    name = person_name(user)
    return f"{name} ({user.username})" if name else user.username


@register.filter
def staff_name(user):
    """A member of staff by name (王芳), by user name when no name is recorded; "" for nobody."""
    if user is None or user == "":
        return ""
    if not hasattr(user, "get_username"):
        return str(user)
    return person_name(user) or user.get_username()


def person_name(user) -> str:
    """A user's name as written: 王芳 (family name first, no space) for a Chinese name, "Fang Wang" otherwise."""
    first, last = (getattr(user, "first_name", "") or "").strip(), (getattr(user, "last_name", "") or "").strip()
    if not (first + last).isascii():
        return f"{last}{first}"
    return f"{first} {last}".strip()


# The side of a ledger line in words (借/贷), whichever way it is stored.
SIDES = {"D": _("Debit"), "DEBIT": _("Debit"), "C": _("Credit"), "CREDIT": _("Credit")}


@register.filter
def side(value):
    """``D``/``C`` (or debit/credit) -> 借方/贷方; anything else as it is."""
    return SIDES.get(str(value or "").strip().upper(), value)


@register.filter
def mask_phone(value):
    return identity.mask_phone(value or "")


@register.filter
def percent(ratio):
    """0.12 -> '12%'."""
    if ratio is None or ratio == "":
        return ""
    return f"{(Decimal(ratio) * 100).normalize():f}%"


@register.filter
def status_class(code):
    """Bootstrap colour for an account or employer status code."""
    return {"01": "success", "02": "warning", "06": "danger"}.get(code, "secondary")


@register.simple_tag(takes_context=True)
def user_can(context, group):
    """``{% user_can "account_write" as can_write %}``: the user has one of the roles of the group."""
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    return roles.has_role(user, *ROLE_GROUPS[group])


@register.simple_tag(takes_context=True)
def may_open(context, url_name, *args):
    """``{% may_open "withdrawals:new" as can_accept %}``: the user has a role the URL itself allows
    (``core.access.page``), so a link is shown only to those who may follow it."""
    from django.urls import NoReverseMatch, resolve, reverse

    from core.access import PUBLIC, allowed_roles

    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    try:
        allow = allowed_roles(resolve(reverse(url_name, args=args)).func) or frozenset()
    except NoReverseMatch:
        return False
    return PUBLIC in allow or roles.has_role(user, *allow)


@register.simple_tag
def business_date():
    return business_date_module.today()


@register.filter
def role_label(role):
    return roles.ROLE_LABELS.get(role, role)
