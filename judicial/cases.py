"""Court requests in the staff case search and on the account page (``settings.CASE_SEARCH_SOURCES``). Found
only by the roles that may open the request page."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.cases import CaseSource
from judicial.models import JudicialRequest
from judicial.selectors import WORKBENCH_ROLES

JUDICIAL_REQUESTS = CaseSource(
    kind="judicial_request", label=_("Court request"), model=JudicialRequest, states=JudicialRequest.State,
    state_field="state", date="received_on", url_name="judicial:request", url_arg="pk",
    number_fields=("number", "case_number"), person="person_name", id_number="id_number",
    account_number="account__number", employer_name="account__employer__name",
    employer_number="account__employer__account_number", account_field="account_id",
    employer_field="account__employer_id", id_number_field="id_number", name_field="person_name",
    roles=WORKBENCH_ROLES,
    person_arms=lambda depositor, account: [Q(id_number=depositor.id_number) | Q(account__depositor_id=depositor.pk)])
