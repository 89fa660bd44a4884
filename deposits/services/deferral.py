"""Deferral (缓缴) and ratio reduction (降低比例), DOMAIN.md §1.5.

An employer in real difficulty, with the decision of its workers' congress or union, applies to defer its
deposits or to lower its ratios (not below the policy minimum, 5%) for at most
``deposits.deferral_max_months`` months (12), renewable. The center reviews and approves it; the employer
agent (or a clerk for it) who submits, the reviewer and the approver are three different people.

The application is a case of the common workflow engine (:mod:`core.workflow`, :data:`FLOW`): submitting is
the case's first step (counted as 受理 for the four-eyes rule), then 审核 by a reviewer and 审批 by an approver,
either of whom may reject it. The engine applies each step under a row lock, refuses a person who already
took another step, and records it as a :class:`core.models.CaseTransition` (and an audit event).

Effects of an approved application, from its first month (at once, or by the daily job
:func:`start_due_periods` for a later first month) to its end (:func:`end_expired_periods`):

* deferral: the employer's status becomes 03 缓缴; each month of the period is a :class:`DeferredMonth`, for
  which no regular list is made (``deposits.rules.check_month_not_deferred``) and which must be made up
  with a supplementary payment once the period is over (``deposits.selectors.outstanding_deferred_months``).
  At the end the employer's previous status comes back.
* ratio reduction: the employer's ratios and those of its active accounts are lowered to the reduced ratios
  (a side already at or below them is kept); the ratios before are stored on the application and, per
  account, in :class:`DeferralAccountRatio`, and restored at the end wherever they were not changed since.
"""


from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import rules as account_rules
from accounts.models import Employer, FundAccount
from core import audit, policy, roles, uploads, workflow
from core.business_date import today
from core.errors import Conflict, InvalidInput, StateError
from deposits import rules
from deposits.models import (
    DeferralAccountRatio,
    DeferralApplication,
    DeferredMonth,
    RemittanceList,
)
from deposits.selectors import months_between
from deposits.services.common import account_change_events, user_or_none
from deposits.services.remittance import month_start

EVIDENCE_EXTENSIONS = (".pdf", ".jpg", ".jpeg", ".png")
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
LIVE = (DeferralApplication.Status.SUBMITTED, DeferralApplication.Status.REVIEWED,
        DeferralApplication.Status.APPROVED)
Status = DeferralApplication.Status
Kind = DeferralApplication.Kind

FLOW = workflow.Workflow(
    name="deferral",
    states=dict(Status.choices),
    state_field="status",
    transitions=[
        # submitting is the first step (workflow.start, step 受理): an employer's agent or a clerk for it
        workflow.Transition("review", (Status.SUBMITTED,), Status.REVIEWED, (roles.REVIEWER,),
                            step=workflow.REVIEW, label=gettext_lazy("review")),
        workflow.Transition("reject_review", (Status.SUBMITTED,), Status.REJECTED, (roles.REVIEWER,),
                            step=workflow.REVIEW, label=gettext_lazy("reject at review")),
        workflow.Transition("approve", (Status.REVIEWED,), Status.APPROVED, (roles.APPROVER,),
                            step=workflow.APPROVE, label=gettext_lazy("approve")),
        workflow.Transition("reject", (Status.REVIEWED,), Status.REJECTED, (roles.APPROVER,),
                            step=workflow.APPROVE, label=gettext_lazy("reject")),
    ],
)


def submitted_by(application):
    """The person who submitted the application (the first step of its history), or None."""
    first = workflow.history(application).filter(action="submit").first()
    return first.actor if first else None


def _check_evidence(evidence):
    if not evidence:
        msg = _("Attach the decision of the workers' congress or the union agreeing to the application "
                "(PDF or photo); without it the application cannot be accepted.")
        raise InvalidInput(msg, code="evidence_required", fields={"evidence": [msg]})
    if not str(getattr(evidence, "name", "") or "").lower().endswith(EVIDENCE_EXTENSIONS):
        msg = _("The decision must be a PDF, JPG or PNG file.")
        raise InvalidInput(msg, code="evidence_type", fields={"evidence": [msg]})
    try:  # the name is not enough: the content must be a PDF, JPEG or PNG too
        ext = uploads.check_scan(evidence, max_bytes=EVIDENCE_MAX_BYTES, field="evidence")
    except InvalidInput as exc:
        code, msg = {"file_too_large": ("evidence_size", _("The decision file is larger than 10 MB.")),
                     "file_empty": ("evidence_empty", _("The decision file is empty."))}.get(
            exc.code, ("evidence_type", _("The decision must be a PDF, JPG or PNG file.")))
        raise InvalidInput(msg, code=code, fields={"evidence": [msg]}) from exc
    evidence.name = uploads.stored_name(ext)  # judged by content; the uploaded name is not kept on disk


def _check_employer(employer):
    if employer.status in (Employer.Status.CLOSED, Employer.Status.SEALED):
        raise StateError(_("The employer %(e)s is not active.") % {"e": employer.name}, code="employer_inactive")


def _check_period(month_from, month_to, on):
    if month_to < month_from:
        msg = _("The last month cannot be before the first month.")
        raise InvalidInput(msg, fields={"month_to": [msg]})
    limit = policy.get("deposits.deferral_max_months", on=on)
    count = len(months_between(month_from, month_to))
    if count > limit:
        msg = _("One application covers at most %(n)d months; apply again to renew.") % {"n": limit}
        raise InvalidInput(msg, code="period_too_long", fields={"month_to": [msg]})


def _check_ratios(employer, employee_ratio, employer_ratio, on):
    if employee_ratio is None or employer_ratio is None:
        msg = _("Give the reduced employee and employer ratios.")
        raise InvalidInput(msg, code="ratios_required", fields={"employee_ratio": [msg]})
    employee_ratio = account_rules.check_ratio(employee_ratio, on=on, field="employee_ratio")
    employer_ratio = account_rules.check_ratio(employer_ratio, on=on, field="employer_ratio")
    if employee_ratio > employer.employee_ratio or employer_ratio > employer.employer_ratio:
        msg = _("A reduced ratio cannot be higher than the employer's current ratio.")
        raise InvalidInput(msg, code="not_a_reduction", fields={"employee_ratio": [msg]})
    if employee_ratio == employer.employee_ratio and employer_ratio == employer.employer_ratio:
        msg = _("The reduced ratios equal the current ones; nothing would be reduced.")
        raise InvalidInput(msg, code="not_a_reduction", fields={"employee_ratio": [msg]})
    return employee_ratio, employer_ratio


def _check_no_overlap(employer, month_from, month_to, exclude_pk=None):
    overlapping = (DeferralApplication.objects.filter(employer_id=employer.pk, status__in=LIVE,
                                                      ended_on__isnull=True, month_from__lte=month_to,
                                                      month_to__gte=month_from)
                   .exclude(pk=exclude_pk).first())
    if overlapping:
        raise Conflict(_("The period overlaps another application of the employer (%(k)s, %(from)s to %(to)s, "
                         "%(s)s).") % {"k": overlapping.get_kind_display(),
                                       "from": f"{overlapping.month_from:%Y-%m}",
                                       "to": f"{overlapping.month_to:%Y-%m}", "s": overlapping.get_status_display()},
                       code="overlapping_application")


def _check_no_lists(employer, month_from, month_to):
    listed = (RemittanceList.objects.filter(employer_id=employer.pk, kind=RemittanceList.Kind.REGULAR,
                                            month__gte=month_from, month__lte=month_to,
                                            status__in=["draft", "confirmed", "posted"]).order_by("month").first())
    if listed:
        raise Conflict(_("The remittance list for %(m)s already exists (%(r)s); a month with a list cannot be "
                         "deferred.") % {"m": f"{listed.month:%Y-%m}", "r": listed.reference},
                       code="month_listed")


@transaction.atomic
def submit_application(*, actor, employer, kind, month_from, month_to, reason, evidence, decision_date,
                       employee_ratio=None, employer_ratio=None) -> DeferralApplication:
    """An employer's agent (or a clerk for the employer) applies for a deferral or a ratio reduction."""
    rules.check_employer_actor(actor, employer)
    employer = Employer.objects.select_for_update().get(pk=employer.pk)
    if kind not in Kind.values:
        raise InvalidInput(_("Choose deferral or ratio reduction."), fields={"kind": [_("Required.")]})
    if not reason or not str(reason).strip():
        msg = _("Describe the employer's difficulties.")
        raise InvalidInput(msg, code="reason_required", fields={"reason": [msg]})
    _check_evidence(evidence)
    on = today()
    if decision_date is None or decision_date > on:
        msg = _("Give the date of the workers' congress or union decision; it cannot be in the future.")
        raise InvalidInput(msg, code="decision_date", fields={"decision_date": [msg]})
    _check_employer(employer)
    month_from, month_to = month_start(month_from), month_start(month_to)
    if month_from < month_start(on):
        msg = _("The period cannot start before the current month.")
        raise InvalidInput(msg, code="period_in_past", fields={"month_from": [msg]})
    _check_period(month_from, month_to, on)
    if kind == Kind.RATIO_REDUCTION:
        employee_ratio, employer_ratio = _check_ratios(employer, employee_ratio, employer_ratio, month_from)
    else:
        employee_ratio = employer_ratio = None
        _check_no_lists(employer, month_from, month_to)
    _check_no_overlap(employer, month_from, month_to)
    application = DeferralApplication.objects.create(
        employer=employer, kind=kind, month_from=month_from, month_to=month_to, employee_ratio=employee_ratio,
        employer_ratio=employer_ratio, reason=str(reason).strip(), evidence=evidence, decision_date=decision_date)
    workflow.start(FLOW, application, state=Status.SUBMITTED, actor=user_or_none(actor), action="submit",
                   step=workflow.ACCEPT)
    audit.record(actor=actor, action="deferral.submit", obj=application,
                 after={"kind": kind, "from": month_from, "to": month_to, "employee_ratio": employee_ratio,
                        "employer_ratio": employer_ratio, "evidence": application.evidence.name})
    return application


@transaction.atomic
def review_application(*, actor, application, comment="") -> DeferralApplication:
    """The center's review (审核): a reviewer who did not submit the application."""
    return workflow.apply(FLOW, application, action="review", actor=user_or_none(actor), comment=comment,
                          effect=lambda case: _check_employer(case.employer))


@transaction.atomic
def reject_application(*, actor, application, comment) -> DeferralApplication:
    """Refuse the application: by the reviewer at review, or by the approver after review."""
    if not comment or not str(comment).strip():
        msg = _("Give the reason for the rejection.")
        raise InvalidInput(msg, code="comment_required", fields={"comment": [msg]})
    current = DeferralApplication.objects.select_for_update().get(pk=application.pk)
    action = "reject" if current.status == Status.REVIEWED else "reject_review"
    return workflow.apply(FLOW, current, action=action, actor=user_or_none(actor), comment=str(comment).strip())


def _approve_effect(application):
    """Re-check the application against current data under the employer's lock; a deferral reserves its
    months."""
    employer = Employer.objects.select_for_update().get(pk=application.employer_id)
    _check_employer(employer)
    on = today()
    if application.month_to < month_start(on):
        raise StateError(_("The period of the application is already over."), code="period_over")
    _check_no_overlap(employer, application.month_from, application.month_to, exclude_pk=application.pk)
    if application.kind == Kind.RATIO_REDUCTION:
        _check_ratios(employer, application.employee_ratio, application.employer_ratio, application.month_from)
    else:
        _check_no_lists(employer, application.month_from, application.month_to)
        DeferredMonth.objects.bulk_create([
            DeferredMonth(application=application, employer=employer, month=m)
            for m in months_between(application.month_from, application.month_to)])


@transaction.atomic
def approve_application(*, actor, application, comment="") -> DeferralApplication:
    """Approval (审批) by an approver who neither submitted nor reviewed it; re-checked against current data.
    A period that has begun takes effect at once."""
    application = workflow.apply(FLOW, application, action="approve", actor=user_or_none(actor), comment=comment,
                                 effect=_approve_effect)
    on = today()
    _end_expired(on, actor=actor, employer_id=application.employer_id)  # a finished earlier period first
    if application.month_from <= month_start(on):
        _start(application, on, actor)
    return application


def _reason(application, ending=False):
    if ending:
        return _("End of ratio reduction %(from)s to %(to)s") % {
            "from": f"{application.month_from:%Y-%m}", "to": f"{application.month_to:%Y-%m}"}
    return _("Ratio reduction %(from)s to %(to)s") % {
        "from": f"{application.month_from:%Y-%m}", "to": f"{application.month_to:%Y-%m}"}


def _start(application, on, actor):
    employer = Employer.objects.select_for_update().get(pk=application.employer_id)
    if application.kind == Kind.DEFERRAL:
        previous = employer.status if employer.status != Employer.Status.DEFERRED else Employer.Status.NORMAL
        application.previous_status = previous
        employer.status = Employer.Status.DEFERRED
        employer.save(update_fields=["status"])
        after = {"employer_status": Employer.Status.DEFERRED}
    else:
        ee, er = application.employee_ratio, application.employer_ratio
        application.previous_employee_ratio = employer.employee_ratio
        application.previous_employer_ratio = employer.employer_ratio
        employer.employee_ratio, employer.employer_ratio = ee, er
        employer.save(update_fields=["employee_ratio", "employer_ratio"])
        affected = (FundAccount.objects.filter(employer_id=employer.pk, status=FundAccount.Status.NORMAL)
                    .filter(Q(employee_ratio__gt=ee) | Q(employer_ratio__gt=er)))
        DeferralAccountRatio.objects.bulk_create([
            DeferralAccountRatio(application=application, account_id=pk, employee_ratio=a_ee, employer_ratio=a_er,
                                 applied_employee_ratio=min(a_ee, ee), applied_employer_ratio=min(a_er, er))
            for pk, a_ee, a_er in affected.values_list("pk", "employee_ratio", "employer_ratio").iterator()
        ], batch_size=2000)
        snapshot = DeferralAccountRatio.objects.filter(application=application).values("account_id")
        FundAccount.objects.filter(pk__in=snapshot, employee_ratio__gt=ee).update(employee_ratio=ee)
        FundAccount.objects.filter(pk__in=snapshot, employer_ratio__gt=er).update(employer_ratio=er)
        changed = account_change_events(
            FundAccount.objects.filter(pk__in=snapshot).values_list("pk", "status", "employer_id").iterator(),
            reason=_reason(application), actor=actor, on=on)
        after = {"employee_ratio": ee, "employer_ratio": er, "accounts": changed}
    application.started_on = on
    application.save(update_fields=["started_on", "previous_status", "previous_employee_ratio",
                                    "previous_employer_ratio"])
    audit.record(actor=actor, action="deferral.start", obj=application, after=after)


def _end(application, on, actor):
    employer = Employer.objects.select_for_update().get(pk=application.employer_id)
    if application.kind == Kind.DEFERRAL:
        still_deferred = DeferralApplication.objects.filter(
            employer_id=employer.pk, kind=Kind.DEFERRAL, status=Status.APPROVED, started_on__isnull=False,
            ended_on__isnull=True).exclude(pk=application.pk).exists()
        if employer.status == Employer.Status.DEFERRED and not still_deferred:
            employer.status = application.previous_status or Employer.Status.NORMAL
            employer.save(update_fields=["status"])
        after = {"employer_status": employer.status}
    else:
        ee, er = application.employee_ratio, application.employer_ratio
        prev_ee, prev_er = application.previous_employee_ratio, application.previous_employer_ratio
        if (employer.employee_ratio, employer.employer_ratio) == (ee, er):  # unless changed since
            employer.employee_ratio, employer.employer_ratio = prev_ee, prev_er
            employer.save(update_fields=["employee_ratio", "employer_ratio"])
        # Accounts lowered by the reduction and not changed since: their own ratios before.
        snap = DeferralAccountRatio.objects.filter(application=application, account_id=OuterRef("pk"))
        lowered = FundAccount.objects.filter(Exists(snap.filter(applied_employee_ratio=OuterRef("employee_ratio"),
                                                                applied_employer_ratio=OuterRef("employer_ratio"))))
        # Accounts opened or moved in during the period got the employer's reduced ratios.
        joined = (FundAccount.objects.filter(employer_id=employer.pk, employee_ratio=ee, employer_ratio=er)
                  .exclude(status__in=FundAccount.CLOSED_STATUSES).exclude(Exists(snap)))
        rows = list(lowered.values_list("pk", "status", "employer_id"))
        rows += list(joined.values_list("pk", "status", "employer_id"))
        lowered.update(employee_ratio=Subquery(snap.values("employee_ratio")[:1]),
                       employer_ratio=Subquery(snap.values("employer_ratio")[:1]))
        joined.update(employee_ratio=prev_ee, employer_ratio=prev_er)
        changed = account_change_events(rows, reason=_reason(application, ending=True), actor=actor, on=on)
        after = {"employee_ratio": prev_ee, "employer_ratio": prev_er, "accounts": changed}
    application.ended_on = on
    application.save(update_fields=["ended_on"])
    audit.record(actor=actor, action="deferral.end", obj=application, after=after)


def _end_expired(on, *, actor, employer_id=None) -> int:
    due = DeferralApplication.objects.filter(status=Status.APPROVED, started_on__isnull=False,
                                             ended_on__isnull=True, month_to__lt=month_start(on))
    if employer_id is not None:
        due = due.filter(employer_id=employer_id)
    count = 0
    for application in due.select_for_update(of=("self",)).order_by("employer_id", "month_from"):
        _end(application, on, actor)
        count += 1
    return count


@transaction.atomic
def end_expired_periods(*, on=None, actor) -> int:
    """Daily job: end every approved period whose last month is over (restore the employer's status or the
    ratios). Safe to run twice: an ended period is not ended again. Returns the number ended."""
    return _end_expired(on or today(), actor=actor)


@transaction.atomic
def start_due_periods(*, on=None, actor) -> int:
    """Daily job: start approved periods whose first month has come. Ends expired periods first, so that a
    renewal starting the month after its predecessor finds the employer's own status. Safe to run twice."""
    on = on or today()
    _end_expired(on, actor=actor)
    due = DeferralApplication.objects.filter(status=Status.APPROVED, started_on__isnull=True,
                                             month_from__lte=month_start(on))
    count = 0
    for application in due.select_for_update(of=("self",)).order_by("employer_id", "month_from"):
        _start(application, on, actor)
        count += 1
    _end_expired(on, actor=actor)  # a period that was started late and is already over
    return count
