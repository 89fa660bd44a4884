"""Returning a case for more documents, resubmitting it and cancelling an application, through the loan workflow
(:data:`loans.services.flow.FLOW`): each step locked, recorded on the case's history and audited; the three-people
rule of 受理/审核/审批 is untouched (a return is no four-eyes step; a resubmission at the counter counts as
acceptance, one online is the applicant's own).

The decision clock restarts when the documents come back (see :mod:`loans.services.clocks` for why)."""

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core import roles, workflow
from core.business_date import today
from core.errors import Forbidden, InvalidInput
from core.translatable import StoredText
from loans.models import LoanApplication
from loans.services import applications, clocks, documents
from loans.services.flow import APPLICANT_MAY_CANCEL, FLOW

MAX_REASON = 500


def _reason(reason, *, required=True):
    reason = reason.strip() if isinstance(reason, str) else ""
    if (required and not reason) or len(reason) > MAX_REASON:
        message = _("Give the reason (at most %(n)d characters).") % {"n": MAX_REASON}
        raise InvalidInput(message, fields={"reason": [message]}, code="reason_required")
    return reason


def _notify(app, subject, body, key):
    borrower = app.borrower
    if borrower.user_id:
        workflow.notify(subject=subject, body=body, user=borrower.user, recipient=borrower, key=key)


@transaction.atomic
def return_for_documents(*, actor, application: LoanApplication, reason) -> LoanApplication:
    """退回补正: a reviewer or an approver returns an accepted or reviewed case for more documents, saying which
    and why. The decision clock stops; the borrower is told in the portal inbox."""
    reason = _reason(reason)

    def effect(case):
        case.fast_lane = False

    app = workflow.apply(FLOW, application, action="return", actor=actor, comment=reason, effect=effect)
    count = workflow.history(app).filter(action="return").count()
    _notify(
        app,
        StoredText(gettext_noop("Loan application %(n)s: more documents needed"), n=app.number),
        reason,
        key=f"loan:{app.pk}:return:{count}",
    )
    return app


@transaction.atomic
def resubmit(*, actor, application: LoanApplication, comment="") -> LoanApplication:
    """The documents are back: the borrower online or a loan officer at the counter sends the returned case back to
    已受理. Refused, with nothing written, while a required document is still missing. The case is assessed again
    and the decision clock restarts from today."""
    app = LoanApplication.objects.select_related("borrower").get(pk=application.pk)
    action = "resubmit_online" if FLOW.is_applicant(app, actor) else "resubmit"

    def effect(case):
        documents.require_complete(case)
        applications._assess(case)
        applications._set_clock(case, today())
        clocks.mark_complete(case, restart=True)

    return workflow.apply(FLOW, app, action=action, actor=actor, comment=comment, effect=effect)


@transaction.atomic
def cancel(*, actor, application: LoanApplication, reason="") -> LoanApplication:
    """Cancel an open application: its borrower while it is a draft, submitted or returned (the reason is
    optional); a loan officer, reviewer or approver at any open state, with a reason."""
    app = LoanApplication.objects.select_related("borrower").get(pk=application.pk)
    staff = roles.has_role(actor, *roles.STAFF_ROLES)
    reason = _reason(reason, required=staff)

    def effect(case):
        if not staff and case.state not in APPLICANT_MAY_CANCEL:
            raise Forbidden(
                _("The center has accepted this application; ask the center to cancel it."), code="accepted"
            )
        case.fast_lane = False

    comment = reason or StoredText(gettext_noop("Cancelled by the applicant."))
    return workflow.apply(FLOW, app, action="cancel", actor=actor, comment=comment, effect=effect)
