"""Withdrawal applications in the staff case search and on the account page (``settings.CASE_SEARCH_SOURCES``,
``settings.ACCOUNT_CASE_STARTS``)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.cases import CaseAction, CaseSource, workflow_actions
from core import roles
from withdrawals.models import ORDERED_REASONS, WithdrawalApplication

W = WithdrawalApplication


def _actions(viewer, rows):
    from withdrawals.services import FLOW

    ordered = set(W.objects.filter(pk__in=[r["c_pk"] for r in rows], reason__in=ORDERED_REASONS)
                  .values_list("pk", flat=True))  # moved by judicial or loans only
    return workflow_actions(flow=FLOW, viewer=viewer, rows=rows, act_url="withdrawals:act", model=W,
                            exclude_pks=ordered)


WITHDRAWALS = CaseSource(
    kind="withdrawal", label=_("Withdrawal"), model=W, states=W.State, state_field="state",
    date="application_date", url_name="withdrawals:case", person="depositor__name", id_number="depositor__id_number",
    account_number="account__number", employer_name="account__employer__name",
    employer_number="account__employer__account_number", depositor_field="depositor_id", account_field="account_id",
    employer_field="account__employer_id", actions=_actions)


def account_starts(*, viewer, account):
    """A new withdrawal for the account, for the counter clerk, while the account is not closed."""
    if account.is_closed or not roles.has_role(viewer, roles.CLERK):
        return []
    return [CaseAction(label=str(_("New withdrawal")), url=reverse("withdrawals:new") + f"?account={account.number}")]
