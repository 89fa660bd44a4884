"""The depositor portal's navigation: the account its links lead to, on every page (not only those that show an
account), and the count of messages not read yet."""

from django import template
from django.http import Http404

from accounts.models import FundAccount
from core import roles
from portal import case_selectors, selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_account(context):
    """The page's own account when it shows one of the depositor's accounts, else the depositor's current
    account; None for someone without one."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not roles.has_role(user, roles.DEPOSITOR):
        return None
    account = context.get("account")
    if isinstance(account, FundAccount) and account.depositor.user_id == user.pk:
        return account
    try:
        return selectors.current_account(viewer=user)
    except Http404:
        return None


@register.simple_tag(takes_context=True)
def unread_messages(context):
    """How many of the depositor's portal messages are not read yet (0 for anyone else)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not roles.has_role(user, roles.DEPOSITOR):
        return 0
    return case_selectors.unread_count(viewer=user)
