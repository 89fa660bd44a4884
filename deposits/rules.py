"""Checks of the deposits app that other services call: who may act for an employer, deferred months."""

from django.utils.translation import gettext as _

from core import roles
from core.errors import Forbidden, StateError


def check_employer_actor(actor, employer):
    """Staff with an account-writing role, an agent of this employer, or the system actor."""
    if roles.is_system(actor) or roles.has_role(actor, *roles.ACCOUNT_WRITE_ROLES):
        return
    agent = getattr(actor, "employer_agent", None) if roles.has_role(actor, roles.EMPLOYER_AGENT) else None
    if agent is None or agent.employer_id != employer.pk:
        raise Forbidden(_("You may only act for your own employer."))


def check_month_not_deferred(employer, month):
    """No regular remittance list for a month an approved deferral (缓缴) covers: the month is made up
    with a supplementary payment (补缴) instead (DOMAIN.md §1.5)."""
    from deposits.models import DeferredMonth

    deferred = (DeferredMonth.objects.filter(employer_id=employer.pk, month=month)
                .select_related("application").first())
    if deferred is not None:
        app = deferred.application
        raise StateError(
            _("The employer has an approved deferral for %(from)s to %(to)s, which covers %(m)s: no remittance "
              "list is made for that month; it is made up with a supplementary payment.")
            % {"from": f"{app.month_from:%Y-%m}", "to": f"{app.month_to:%Y-%m}", "m": f"{month:%Y-%m}"},
            code="month_deferred")
