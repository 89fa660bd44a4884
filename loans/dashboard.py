"""The loans' part of the staff home (``settings.HOME_PANELS``): the loan applications waiting for the viewer's
role and those whose decision is overdue or due soon."""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import dashboard, roles
from core.business_date import today
from loans.models import LoanApplication

A = LoanApplication
TODO = ((roles.LOAN_OFFICER, A.State.SUBMITTED, gettext_lazy("Loan applications to accept")),
        (roles.LOAN_OFFICER, A.State.RETURNED, gettext_lazy("Loan applications returned for documents")),
        (roles.REVIEWER, A.State.ACCEPTED, gettext_lazy("Loan applications to review")),
        (roles.APPROVER, A.State.REVIEWED, gettext_lazy("Loan applications to approve")))
DECIDING = (A.State.ACCEPTED, A.State.REVIEWED)
JOBS = {"loans.close_of_business": (gettext_lazy("Loans' close of business"), "loans:overdue"),
        "loans.debit_run": (gettext_lazy("Monthly loan debit"), "loans:debit_runs")}


def _queue_url(**params):
    return f"{reverse('loans:queue')}?{urlencode(params)}"


def panel(*, viewer) -> dict:
    mine = [(state, label) for role, state, label in TODO if roles.has_role(viewer, role)]
    if not mine:
        return {}
    on = today()
    deciding = Q(state__in=DECIDING)
    counts = LoanApplication.objects.visible_to(viewer).order_by().aggregate(
        **{f"n_{state}": Count("id", filter=Q(state=state)) for state, _label in mine},
        n_overdue=Count("id", filter=deciding & Q(decision_due__lt=on)),
        n_soon=Count("id", filter=deciding & Q(decision_due__gte=on, decision_due__lte=dashboard.due_soon_until(on))))
    tiles = [dashboard.tile(f"loans-{state}", label, counts[f"n_{state}"], _queue_url(state=state))
             for state, label in mine]
    tiles.append(dashboard.tile("loans-overdue", _("Loan decisions past the deadline"), counts["n_overdue"],
                                _queue_url(due="overdue"), "danger"))
    tiles.append(dashboard.tile("loans-soon", _("Loan decisions due soon"), counts["n_soon"], _queue_url(due="soon"),
                                "warning"))
    return {"todo": tiles}
