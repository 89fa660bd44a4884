"""Loan applications and contracts in the staff case search and on the account page
(``settings.CASE_SEARCH_SOURCES``, ``settings.ACCOUNT_CASE_STARTS``)."""

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.cases import CaseAction, CaseSource, workflow_actions
from core import roles
from loans.models import LoanApplication, LoanContract, LoanParty


def _application_actions(viewer, rows):
    from loans.services.flow import FLOW

    return workflow_actions(flow=FLOW, viewer=viewer, rows=rows, act_url="loans:act", model=LoanApplication)


LOAN_APPLICATIONS = CaseSource(
    kind="loan_application", label=_("Loan application"), model=LoanApplication, states=LoanApplication.State,
    state_field="state", date="application_date", url_name="loans:case", person="borrower__name",
    id_number="borrower__id_number", account_number="account__number", employer_name="account__employer__name",
    employer_number="account__employer__account_number", depositor_field="borrower_id", account_field="account_id",
    employer_field="account__employer_id", actions=_application_actions,
    # the person's own applications and those where they are the spouse or a co-borrower
    person_arms=lambda depositor, account: [
        Q(borrower_id=depositor.pk)
        | Q(Exists(LoanParty.objects.filter(application=OuterRef("pk"), depositor_id=depositor.pk)))])

LOAN_CONTRACTS = CaseSource(
    kind="loan_contract", label=_("Loan contract"), model=LoanContract, states=LoanContract.Status,
    state_field="status", date="signed_on", url_name="loans:contract", person="borrower__name",
    id_number="borrower__id_number", account_number="application__account__number",
    employer_name="application__account__employer__name",
    employer_number="application__account__employer__account_number", depositor_field="borrower_id",
    account_field="application__account_id", employer_field="application__account__employer_id")


def account_starts(*, viewer, account):
    """A new loan application for the account's holder, for the loan officer, while the account is open."""
    if account.is_closed or not roles.has_role(viewer, roles.LOAN_OFFICER):
        return []
    return [CaseAction(label=str(_("New loan application")), url=reverse("loans:new") + f"?account={account.number}")]
