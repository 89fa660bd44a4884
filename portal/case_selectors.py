"""Reads for the depositor's case pages: each application (withdrawal, standing monthly withdrawal, loan) as one
timeline 受理 → 审核 → 审批 → 支付 → 办结 built from its recorded transitions (``core.models.CaseTransition``),
with the date of each step done, the step the case is at now, what it waits for or why it stopped, and the
messages of the portal inbox with a link to the case they are about.

Every selector takes the ``viewer`` and reaches only the viewer's own cases (``visible_to`` narrowed to the
viewer's own person); anyone else's case is a 404.
"""

import re
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from accounts.models import Depositor
from core import roles, visibility
from core.models import CaseTransition, Notification
from core.money import format_yuan
from loans.models import LoanApplication, LoanContract
from portal.selectors import depositor_of
from withdrawals.models import DocumentType, WithdrawalApplication, WithdrawalDocument

W = WithdrawalApplication
L = LoanApplication

# The five steps every application passes through, in order (their keys are the ``data-step`` of the page).
STEPS = (
    ("accept", pgettext_lazy("case step", "Acceptance")),
    ("review", pgettext_lazy("case step", "Review")),
    ("approve", pgettext_lazy("case step", "Approval")),
    ("pay", pgettext_lazy("case step", "Payment")),
    ("close", pgettext_lazy("case step", "Completion")),
)
ACCEPT, REVIEW, APPROVE, PAY, CLOSE = range(5)

# The step a state means the case has finished (-1: not accepted yet).
WITHDRAWAL_REACHED = {W.State.SUBMITTED: -1, W.State.ACCEPTED: ACCEPT, W.State.REVIEWED: REVIEW,
                      W.State.APPROVED: APPROVE, W.State.PAID: PAY, W.State.CLOSED: CLOSE}
LOAN_REACHED = {L.State.DRAFT: -1, L.State.SUBMITTED: -1, L.State.ACCEPTED: ACCEPT, L.State.REVIEWED: REVIEW,
                L.State.APPROVED: APPROVE}
RETURNED, REFUSED, CANCELLED = "returned", "rejected", "cancelled"
# The states in which the depositor may still add a document to a withdrawal (``services.add_document``).
DOCUMENTS_WELCOME = (W.State.SUBMITTED, W.State.ACCEPTED, W.State.RETURNED)
# A loan whose disbursement the bank confirmed (办结).
LOAN_STARTED = (LoanContract.Status.NORMAL, LoanContract.Status.OVERDUE, LoanContract.Status.PAID_OFF,
                LoanContract.Status.WRITTEN_OFF)


@dataclass
class Step:
    key: str
    label: str
    status: str = "pending"  # done, current, returned, refused, cancelled, pending (not reached)
    on: object = None  # the business date it was done
    by_rule: bool = False  # done by the system under a rule, not by a person
    note: str = ""


@dataclass
class Timeline:
    steps: list
    submitted_on: object = None
    outcome: str = "open"  # open, done, returned, refused, cancelled
    missing: str = ""  # what the case waits for from the depositor or the bank, or why it stopped
    current: str = ""  # the key of the step the case is at now ("" when it is over)
    reason: str = ""  # the reason of a return or a refusal, as the center wrote it
    extra: dict = field(default_factory=dict)


def _transitions(case):
    ctype = ContentType.objects.get_for_model(type(case), for_concrete_model=True)
    return list(CaseTransition.objects.filter(case_type=ctype, case_id=case.pk).order_by("id")
                .only("action", "from_state", "to_state", "rule", "comment", "comment_message", "business_date"))


def build(transitions, *, reached_by_state, submit_actions=("submit",)) -> tuple[list[Step], dict]:
    """Replay the transitions: which step each one reached and when. A step reached again later (a resubmission
    after a return, a payment after a failed one) keeps its latest date; a step a case falls back to (approved
    again after a failed payment) keeps its own; steps after the one a case went back to are open again. Steps
    jumped over by one transition (approval by rule, a deduction recorded at once) count as done by rule on that
    date. Returns the steps and {"reached", "stopped", "last", "submitted_on"}."""
    steps = [Step(key, str(label)) for key, label in STEPS]
    reached, state = -1, {"stopped": None, "last": None, "submitted_on": None}
    for t in transitions:
        if state["submitted_on"] is None and (t.action in submit_actions or reached_by_state.get(t.to_state, -1) >= 0):
            state["submitted_on"] = t.business_date
        if t.to_state in reached_by_state:
            new = reached_by_state[t.to_state]
            for i in range(new + 1, len(steps)):  # going back (or staying): later steps open again
                steps[i].on, steps[i].by_rule = None, False
            for i in range(reached + 1, new):  # steps jumped over by this one transition
                if steps[i].on is None:
                    steps[i].on, steps[i].by_rule = t.business_date, True
            back = new < reached_by_state.get(t.from_state, -1)  # e.g. a failed payment: approved still stands
            if new >= 0 and not (back and steps[new].on is not None):
                steps[new].on, steps[new].by_rule = t.business_date, bool(t.rule)
            reached = new
            state["stopped"] = None
        elif t.to_state in (RETURNED, REFUSED, CANCELLED):
            reached = reached_by_state.get(t.from_state, reached)
            for i in range(reached + 1, len(steps)):
                steps[i].on, steps[i].by_rule = None, False
            state["stopped"] = t
        state["last"] = t
    for step in steps:
        if step.on is not None:
            step.status = "done"
    state["reached"] = reached
    return steps, state


def _finish(steps, replay, *, case_state, reason, waiting) -> Timeline:
    """The current step and what it waits for (``waiting``: {step index: text}), or where and why it stopped."""
    reached = replay["reached"]
    timeline = Timeline(steps=steps, submitted_on=replay["submitted_on"])
    at = min(reached + 1, len(steps) - 1) if reached < len(steps) - 1 else None
    if case_state in (RETURNED, REFUSED, CANCELLED):
        stopped = replay["stopped"]
        timeline.reason = reason or (stopped.localized_comment if stopped else "")
        timeline.outcome = {RETURNED: "returned", REFUSED: "refused", CANCELLED: "cancelled"}[case_state]
        status = timeline.outcome
        at = at if at is not None else len(steps) - 1
        steps[at].status = status
        if case_state == RETURNED:
            timeline.missing = _("Returned for more documents: %(r)s") % {"r": timeline.reason}
        elif case_state == REFUSED:
            timeline.missing = _("Refused: %(r)s") % {"r": timeline.reason}
        else:
            timeline.missing = _("The application was cancelled.")
        steps[at].note = timeline.missing
        timeline.current = steps[at].key
        return timeline
    if at is None:
        timeline.outcome = "done"
        return timeline
    steps[at].status = "current"
    steps[at].note = waiting.get(at, "")
    timeline.missing = steps[at].note
    timeline.current = steps[at].key
    return timeline


# --- withdrawals ------------------------------------------------------------------------------------------------

def my_withdrawals(*, viewer):
    depositor = depositor_of(viewer=viewer)
    return (WithdrawalApplication.objects.visible_to(viewer).filter(depositor=depositor)
            .select_related("account", "standing").order_by("-id"))


def own_withdrawal(*, viewer, number) -> WithdrawalApplication:
    """The viewer's own withdrawal ``number``; 404 for any other."""
    app = my_withdrawals(viewer=viewer).filter(number=str(number)[:30]).first()
    if app is None:
        raise Http404
    return app


def withdrawal_case(*, viewer, number) -> dict:
    """Everything the depositor's page of one withdrawal shows; 404 for a case that is not the viewer's."""
    app = own_withdrawal(viewer=viewer, number=number)
    documents = list(WithdrawalDocument.objects.visible_to(viewer).filter(application=app).order_by("id"))
    replay_steps, replay = build(_transitions(app), reached_by_state=WITHDRAWAL_REACHED)
    missing_docs = _missing_withdrawal_documents(app, documents)
    timeline = _finish(replay_steps, replay, case_state=app.state, reason=app.refusal_reason,
                       waiting=_withdrawal_waiting(app, replay, missing_docs))
    if app.state == W.State.RETURNED and missing_docs:
        timeline.extra["missing_documents"] = [label for _type, label in missing_docs]
    return {"application": app, "timeline": timeline, "documents": documents,
            "missing_types": [t for t, _label in missing_docs],
            "may_add_documents": app.state in DOCUMENTS_WELCOME, "may_resubmit": app.state == W.State.RETURNED,
            "amount": app.amount_approved if app.amount_approved is not None else app.amount_requested}


def _missing_withdrawal_documents(app, documents) -> list[tuple]:
    """[(type, label)] of the documents the rules ask for (stored with the case) that are not uploaded yet."""
    wanted = ((app.effect or {}).get("check") or {}).get("evidence") or []
    have = {d.doc_type for d in documents}
    return [(t, str(DocumentType(t).label)) for t in wanted if t in DocumentType.values and t not in have]


def _deciding(decision_due) -> dict:
    """What the review and the approval steps say while the case waits for them."""
    if decision_due is None:
        return {REVIEW: _("Being reviewed."), APPROVE: _("Waiting for approval.")}
    due = {"d": decision_due.isoformat()}
    return {REVIEW: _("Being reviewed; a decision is due by %(d)s.") % due,
            APPROVE: _("Waiting for approval; a decision is due by %(d)s.") % due}


def _withdrawal_waiting(app, replay, missing_docs) -> dict:
    last = replay["last"]
    failed = last is not None and last.action == "payment_failed" and app.state == W.State.APPROVED
    accept = _("Waiting for the center to accept the application and check the documents.")
    if missing_docs:
        accept = _("Documents missing: %(d)s.") % {"d": "、".join(label for _type, label in missing_docs)}
    return {
        ACCEPT: accept,
        **_deciding(app.decision_due),
        PAY: (_("The bank could not pay: %(r)s. The payment will be made again.") % {"r": last.localized_comment}
              if failed else _("Approved; the payment is being prepared.")),
        CLOSE: _paid_waiting(app),
    }


def _paid_waiting(app) -> str:
    if app.payee_card:
        return (_("%(a)s sent to your card ending %(c)s; waiting for the bank to confirm the payment.")
                % {"a": format_yuan(app.amount_approved or 0), "c": app.payee_card[-4:]})
    return _("Payment pending at the bank.")


def withdrawal_document(*, viewer, number, pk):
    """One document of the viewer's own withdrawal; 404 for anything else."""
    doc = (WithdrawalDocument.objects.visible_to(viewer)
           .filter(application__depositor__user=viewer, application__number=str(number)[:30], pk=pk).first())
    if doc is None:
        raise Http404
    return doc


# --- loans ------------------------------------------------------------------------------------------------------

def loan_timeline(app, contract=None) -> Timeline:
    """The loan application's timeline: 受理, 审核 and 审批 from its transitions, 支付 when the disbursement was
    sent to the bank and 办结 when the bank confirmed it (the contract's dates; ``contract`` with its
    ``disbursement`` selected)."""
    steps, replay = build(_transitions(app), reached_by_state=LOAN_REACHED)
    if app.state == L.State.APPROVED and contract is not None and contract.disbursed_on is not None:
        steps[PAY].on, steps[PAY].status = contract.disbursed_on, "done"
        replay["reached"] = PAY
        if contract.status in LOAN_STARTED:
            settled = contract.disbursement.settled_on if contract.disbursement_id else None
            steps[CLOSE].on, steps[CLOSE].status = settled or contract.disbursed_on, "done"
            replay["reached"] = CLOSE
    waiting = {
        ACCEPT: (_("A draft: submit it to the center when it is complete.") if app.state == L.State.DRAFT
                 else _("Waiting for the center to accept the application and check the documents.")),
        **_deciding(app.decision_due),
        PAY: _("Approved; the contract is signed and the loan prepared for disbursement."),
        CLOSE: _("The loan was sent to the bank; waiting for the bank to confirm the disbursement."),
    }
    reason = ""
    if app.state in (RETURNED, REFUSED, CANCELLED):
        stopped = replay["stopped"]
        reason = stopped.localized_comment if stopped else ""
    return _finish(steps, replay, case_state=app.state, reason=reason, waiting=waiting)


# --- the inbox --------------------------------------------------------------------------------------------------

INBOX_LIMIT = 100
# The outbox key of a message about a case names it (``<kind>:<case id>:<event>``): withdrawals
# (``withdrawals.services.common._notify`` and the standing run) and loan applications (``loans.services.returns``).
WITHDRAWAL_KEY = re.compile(r"^withdrawal:(\d+):")
LOAN_KEY = re.compile(r"^loan:(\d+):return:")


def _own_inbox(viewer, depositor):
    """The viewer's portal-inbox messages: addressed to their user or, by the set-based runs, to their person."""
    person = Q(recipient_type=ContentType.objects.get_for_model(Depositor), recipient_id=depositor.pk)
    return Notification.objects.filter(Q(user=viewer) | person, channel=Notification.Channel.INBOX)


def unread_count(*, viewer) -> int:
    """How many of the viewer's portal messages are not read yet (0 for someone who is not a depositor). One
    query, on every portal page, kept once for every depositor (``own_rows``): the person is found inside it."""
    if not roles.has_role(viewer, roles.DEPOSITOR):
        return 0
    person_type = ContentType.objects.get_for_model(Depositor).pk  # a value, not a constant: read from the database
    rows = visibility.own_rows("portal unread", viewer, _unread, (person_type,), as_values=True)
    return rows[0]["unread"] if rows else 0


def _unread(viewer, person_type):
    person = Q(recipient_type=person_type,
               recipient_id__in=Depositor.objects.visible_to(viewer).filter(user=viewer).values("pk"))
    return (Notification.objects.filter(Q(user=viewer) | person, channel=Notification.Channel.INBOX, read_at=None)
            .order_by().values("channel").annotate(unread=Count("pk")))


def inbox(*, viewer, limit=INBOX_LIMIT) -> list:
    """The viewer's portal messages, newest first, each with ``case_url`` (the page of the case it is about, when
    that case is the viewer's own; "" otherwise). Messages written for the person (the recipient) without the
    user are included: the set-based runs address the depositor only."""
    depositor = depositor_of(viewer=viewer)
    notes = list(_own_inbox(viewer, depositor).order_by("-created_at", "-id")[:limit])
    withdrawal_ids, loan_ids = set(), set()
    for note in notes:
        if m := WITHDRAWAL_KEY.match(note.key or ""):
            withdrawal_ids.add(int(m.group(1)))
        elif m := LOAN_KEY.match(note.key or ""):
            loan_ids.add(int(m.group(1)))
    withdrawals = dict(WithdrawalApplication.objects.visible_to(viewer)
                       .filter(pk__in=withdrawal_ids, depositor=depositor).values_list("pk", "number"))
    loans = dict(LoanApplication.objects.visible_to(viewer).filter(pk__in=loan_ids, borrower=depositor)
                 .values_list("pk", "number"))
    for note in notes:
        note.case_url = ""
        if (m := WITHDRAWAL_KEY.match(note.key or "")) and int(m.group(1)) in withdrawals:
            note.case_url = reverse("withdrawals_portal:detail", args=[withdrawals[int(m.group(1))]])
        elif (m := LOAN_KEY.match(note.key or "")) and int(m.group(1)) in loans:
            note.case_url = reverse("loans_portal:detail", args=[loans[int(m.group(1))]])
    return notes

