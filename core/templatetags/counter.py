"""Template helpers shared by the staff and portal pages: money, masking, ratios, status colours and role checks."""

from decimal import Decimal

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from core import business_date as business_date_module
from core import identity, roles, visibility
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


@register.simple_tag(takes_context=True)
def shown_name(context):
    """The name in the menu bar: a depositor's as the center records the person (one query kept for every
    depositor), anyone else's by :func:`staff_name`."""
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    if roles.has_role(user, roles.DEPOSITOR):
        person = user._meta.get_field("depositor").related_model  # accounts.Depositor: core names no app
        rows = visibility.own_rows("menu bar name", user, lambda viewer: (
            person.objects.visible_to(viewer).filter(user=viewer).values("name")[:1]), as_values=True)
        if rows:
            return rows[0]["name"]
    return staff_name(user)


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


# The staff menu: (URL name, label, when it is marked active, who sees it). Active: "exact" (the page is the
# entry's address), "within" (the page's address contains it: a queue and its cases) or "" (never). Who: None
# (all staff), ("can", a ROLE_GROUPS key), ("open", a URL name the user may open), or "admin" (system
# administrators and Django's staff flag).
STAFF_MENU = (
    ("accounts:cases", _("Find a case"), "exact", None),
    ("accounts:search", _("Find a depositor"), "exact", None),
    ("accounts:employers", _("Employers"), "exact", None),
    ("deposits:remittances", _("Remittances"), "within", None),
    ("deposits:bank", _("Bank statements"), "exact", None),
    ("deposits:arrears", _("Arrears"), "within", None),
    ("deposits:deferrals", _("Deferrals"), "within", None),
    ("deposits:base_adjustments", _("Base adjustments"), "within", None),
    ("deposits:flexible", _("Flexible workers"), "", ("can", "statement_write")),
    ("deposits:interest_settlement", _("Interest"), "within", None),
    ("withdrawals:queue", _("Withdrawals"), "within", None),
    ("loans:queue", _("Loans"), "within", None),
    ("loans:overdue", _("Overdue loans"), "within", None),
    ("judicial:workbench", _("Judicial enforcement"), "within", ("open", "judicial:workbench")),
    ("judicial:register", _("Register of judicial deductions"), "within", ("open", "judicial:register")),
    ("accounts:account_new", _("Open an account"), "", ("can", "account_write")),
    ("accounts:employer_new", _("Register an employer"), "", ("can", "account_write")),
    ("ledger:reconciliation", _("Reconciliation"), "", ("can", "reconciliation")),
    ("loans:debit_runs", _("Loan debit runs"), "", ("can", "reconciliation")),
    ("admin:index", _("Administration"), "", "admin"),
)
_menus: dict = {}
MENU_ITEM = '<li class="nav-item"><a class="nav-link{}" href="{}">{}</a></li>'


def _menu_entries(context, user) -> list:
    """[(url, active rule, its item's HTML when not active, when active)] of the staff menu for the user's roles in
    the current language, worked out once per process for each roles and language (every staff page shows it)."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    key = (frozenset(roles.roles_of(user)), bool(getattr(user, "is_staff", False)), language)
    if key not in _menus:
        entries = []
        for url_name, label, active, who in STAFF_MENU:
            if who == "admin":
                shown = roles.has_role(user, *ROLE_GROUPS["admin"]) or key[1]
            elif who and who[0] == "can":
                shown = roles.has_role(user, *ROLE_GROUPS[who[1]])
            elif who and who[0] == "open":
                shown = may_open(context, who[1])
            else:
                shown = True
            if shown:
                url = reverse(url_name)
                entries.append((url, active, *(format_html(MENU_ITEM, on, url, str(label)) for on in ("", " active"))))
        if len(_menus) > 256:
            _menus.clear()
        _menus[key] = entries
    return _menus[key]


@register.simple_tag(takes_context=True)
def staff_menu(context):
    """The items of the staff menu the user may follow, the one of the current page marked active."""
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    path = getattr(request, "path", "")
    items = []
    for url, active, off, on in _menu_entries(context, user):
        shown_active = (active == "exact" and path == url) or (active == "within" and url in path)
        items.append(on if shown_active else off)
    return mark_safe("\n".join(items))  # noqa: S308 - each item built by format_html
