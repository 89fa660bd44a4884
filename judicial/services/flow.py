"""The judicial request workflow on core.workflow: every control step (freeze, renew, unfreeze, deduct) and every
answer is prepared by an operator and takes effect only when a different checker confirms it (DOMAIN.md §6.3)."""

from django.utils.translation import gettext_lazy

from core import roles, workflow
from judicial.models import JudicialRequest

S = JudicialRequest.State
OFFICER = (roles.JUDICIAL_OFFICER,)

FLOW = workflow.Workflow(
    name="judicial",
    states=dict(S.choices),
    actions={"receive": gettext_lazy("receive")},
    transitions=[
        workflow.Transition("prepare", (S.RECEIVED,), S.PREPARED, OFFICER, step=workflow.ACCEPT,
                            label=gettext_lazy("prepare")),
        workflow.Transition("confirm", (S.PREPARED,), S.EXECUTED, OFFICER, step=workflow.APPROVE,
                            label=gettext_lazy("confirm")),
        # 二级审核 of a deduction flagged as a possible sham lawsuit (judicial.services.risk): the "review" step, by
        # an approver other than the operator and the checker; the request stays prepared for the checker.
        workflow.Transition("second_review", (S.PREPARED,), S.PREPARED, (roles.APPROVER,), step=workflow.REVIEW,
                            label=gettext_lazy("second-level review")),
        workflow.Transition("refuse", (S.PREPARED,), S.REFUSED, OFFICER, step=workflow.APPROVE,
                            label=gettext_lazy("refuse")),
        workflow.Transition("send_back", (S.PREPARED,), S.RECEIVED, OFFICER, step=workflow.APPROVE,
                            label=gettext_lazy("send back to the operator")),
        workflow.Transition("paid", (S.EXECUTED,), S.PAID, (roles.FINANCE,), system=True,
                            label=gettext_lazy("paid to the court")),
        workflow.Transition("payment_returned", (S.EXECUTED,), S.RETURNED, (roles.FINANCE,), system=True,
                            label=gettext_lazy("payment returned")),
    ],
)
