"""The withdrawal workflow declared on core.workflow: states and transitions 受理 → 审核 → 审批 → 支付 → 办结."""

from django.utils.translation import gettext_lazy

from core import roles, workflow
from withdrawals.models import WithdrawalApplication

W = WithdrawalApplication


S = W.State


STAFF_ACTIONS = (roles.CLERK, roles.REVIEWER, roles.APPROVER)


FLOW = workflow.Workflow(
    name="withdrawal",
    states=dict(S.choices),
    applicant_of=lambda case: case.depositor.user if case.depositor_id else None,
    actions={"submit": gettext_lazy("submit"), "loan_deduction": gettext_lazy("deduction for an overdue loan"),
             "payment_returned": gettext_lazy("payment returned")},
    transitions=[
        workflow.Transition("accept", (S.SUBMITTED,), S.ACCEPTED, (roles.CLERK,), step=workflow.ACCEPT,
                            label=gettext_lazy("accept")),
        workflow.Transition("review", (S.ACCEPTED,), S.REVIEWED, (roles.REVIEWER,), step=workflow.REVIEW,
                            label=gettext_lazy("review")),
        workflow.Transition("approve", (S.REVIEWED,), S.APPROVED, (roles.APPROVER,), step=workflow.APPROVE,
                            label=gettext_lazy("approve")),
        workflow.Transition("auto_approve", (S.SUBMITTED, S.ACCEPTED), S.APPROVED, system=True,
                            step=workflow.APPROVE, label=gettext_lazy("approve by rule")),
        workflow.Transition("return", (S.SUBMITTED, S.ACCEPTED, S.REVIEWED), S.RETURNED, STAFF_ACTIONS,
                            label=gettext_lazy("return for documents")),
        workflow.Transition("resubmit", (S.RETURNED,), S.ACCEPTED, (roles.CLERK,), applicant=True,
                            label=gettext_lazy("resubmit")),
        workflow.Transition("reject", (S.SUBMITTED, S.ACCEPTED, S.REVIEWED, S.RETURNED), S.REJECTED, STAFF_ACTIONS,
                            system=True, label=gettext_lazy("reject")),
        workflow.Transition("cancel", (S.SUBMITTED, S.ACCEPTED, S.REVIEWED, S.RETURNED), S.CANCELLED,
                            (roles.CLERK,), applicant=True, label=gettext_lazy("cancel")),
        workflow.Transition("pay", (S.APPROVED,), S.PAID, (roles.APPROVER, roles.FINANCE), system=True,
                            label=gettext_lazy("pay")),
        workflow.Transition("payment_refused", (S.APPROVED,), S.REJECTED, (roles.APPROVER, roles.FINANCE),
                            system=True, label=gettext_lazy("payment refused")),
        workflow.Transition("settle", (S.PAID,), S.CLOSED, (roles.FINANCE,), system=True,
                            label=gettext_lazy("complete")),
        workflow.Transition("payment_failed", (S.PAID,), S.APPROVED, (roles.FINANCE,), system=True,
                            label=gettext_lazy("payment failed")),
    ],
)
