"""The remittance card of the counter's employer page (its lists, "make the list", supplementary payment)."""

from django import template

from core import roles
from core.business_date import today
from deposits import forms, selectors

register = template.Library()


@register.inclusion_tag("deposits/_employer_remittances.html", takes_context=True)
def employer_remittances(context, employer):
    request = context["request"]
    return {
        "request": request, "csrf_token": context.get("csrf_token"), "employer": employer,
        "remittances": selectors.employer_remittances(employer, viewer=request.user),
        "can_write": roles.has_role(request.user, *roles.ACCOUNT_WRITE_ROLES),
        "generate_form": forms.GenerateForm(initial={"month": today()}),
        "supplementary_form": forms.SupplementaryForm(),
    }


@register.filter
def remittance_status_class(status):
    """Bootstrap colour of a remittance list status."""
    return {"draft": "secondary", "confirmed": "warning", "posted": "success", "reversed": "danger",
            "cancelled": "light"}.get(status, "secondary")
