"""The loan application workflow declared on core.workflow: 草稿 → 受理 → 审核 → 审批 (DOMAIN.md §4.1).

A draft is saved by a loan officer at the counter or by the borrower online; the borrower submits it online
(提交) or the loan officer accepts it (受理, four-eyes step one); a reviewer reviews it with the eligibility
results and the limit breakdown (审核, step two) and an approver decides (审批, step three): three different
people. Only a draft may be edited; after that the application changes only through these transitions.

A reviewer or an approver may return an accepted or reviewed case for more documents (退回补正, with the reason);
the borrower online (``resubmit_online``) or a loan officer at the counter (``resubmit``) adds them and sends it back
to 已受理, where the decision clock starts again (:mod:`loans.services.returns`). The borrower may cancel a draft, a
submitted or a returned application; staff may cancel any open one, with a reason.
"""

from django.utils.translation import gettext_lazy

from core import roles, workflow
from loans.models import LoanApplication

S = LoanApplication.State
STAFF_ACTIONS = (roles.LOAN_OFFICER, roles.REVIEWER, roles.APPROVER)
OPEN = (S.DRAFT, S.SUBMITTED, S.ACCEPTED, S.REVIEWED, S.RETURNED)
APPLICANT_MAY_CANCEL = (S.DRAFT, S.SUBMITTED, S.RETURNED)

FLOW = workflow.Workflow(
    name="loan_application",
    states=dict(S.choices),
    applicant_of=lambda case: case.borrower.user if case.borrower_id else None,
    transitions=[
        workflow.Transition("submit", (S.DRAFT,), S.SUBMITTED, applicant=True, label=gettext_lazy("submit")),
        workflow.Transition(
            "accept",
            (S.DRAFT, S.SUBMITTED),
            S.ACCEPTED,
            (roles.LOAN_OFFICER,),
            step=workflow.ACCEPT,
            label=gettext_lazy("accept"),
        ),
        workflow.Transition(
            "review", (S.ACCEPTED,), S.REVIEWED, (roles.REVIEWER,), step=workflow.REVIEW, label=gettext_lazy("review")
        ),
        workflow.Transition(
            "approve",
            (S.REVIEWED,),
            S.APPROVED,
            (roles.APPROVER,),
            step=workflow.APPROVE,
            label=gettext_lazy("approve"),
        ),
        workflow.Transition(
            "return",
            (S.ACCEPTED, S.REVIEWED),
            S.RETURNED,
            (roles.REVIEWER, roles.APPROVER),
            label=gettext_lazy("return for documents"),
        ),
        workflow.Transition(
            "resubmit",
            (S.RETURNED,),
            S.ACCEPTED,
            (roles.LOAN_OFFICER,),
            step=workflow.ACCEPT,
            label=gettext_lazy("resubmit"),
        ),
        workflow.Transition(
            "resubmit_online", (S.RETURNED,), S.ACCEPTED, applicant=True, label=gettext_lazy("resubmit")
        ),
        workflow.Transition(
            "reject",
            (S.SUBMITTED, S.ACCEPTED, S.REVIEWED, S.RETURNED),
            S.REJECTED,
            STAFF_ACTIONS,
            system=True,
            label=gettext_lazy("reject"),
        ),
        workflow.Transition(
            "cancel", OPEN, S.CANCELLED, STAFF_ACTIONS, applicant=True, label=gettext_lazy("cancel")
        ),
    ],
)
