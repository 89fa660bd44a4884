"""A general case workflow (DESIGN.md §6): a state machine declared per case type, one function that applies a
transition under a row lock with role and four-eyes checks, and the transition history.

A case type declares its :class:`Workflow`: the states, the transitions (action, from-states, to-state, the
roles allowed, the four-eyes ``step`` it counts as, whether the applicant or the system may take it). Services
call :func:`apply`; it locks the case row (``select_for_update``), re-reads its state, refuses an action that is
not allowed in that state or for that actor, refuses a person who already took a *different* step of the same
case (受理/审核/审批 by three different people), runs the service's ``effect`` under the same lock, saves the
new state and writes a :class:`core.models.CaseTransition` row. Loans and judicial requests reuse it.

Notifications (an outbox, :class:`core.models.Notification`) are here too: :func:`notify` writes the message in
the caller's transaction and the sender runs after commit (DESIGN.md §7: no network call in a money
transaction). Senders are pluggable with the setting ``NOTIFICATION_SENDERS = {"sms": "path.to.func", ...}``;
the default stores the message and marks it sent (the demo's sender).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import audit, compiled, roles
from core.business_date import today
from core.errors import Forbidden, StateError
from core.translatable import message_of

ACCEPT, REVIEW, APPROVE = "accept", "review", "approve"
FOUR_EYES_STEPS = (ACCEPT, REVIEW, APPROVE)
# Labels of actions many case types record outside their transitions.
WORKFLOWS = []  # every declared workflow, for pages that show transitions of any kind of case (the admin)


def transition_labels(model, action, from_state, to_state) -> tuple[str, str, str]:
    """(action, from state, to state) of a recorded transition of a ``model`` case in words: the states from the
    model's field choices, the action from a workflow that knows it."""
    states = {}
    for name in ("state", "status"):
        try:
            states = dict(model._meta.get_field(name).flatchoices) if model else {}
        except Exception:  # noqa: BLE001 - a model without such a field
            continue
        if states:
            break
    action_label = str(COMMON_ACTIONS.get(action) or "")
    for flow in WORKFLOWS:
        if to_state in flow.states or not states:
            label = flow.action_label(action)
            if label != action:
                action_label = label
                break
    return (action_label or action, str(states.get(from_state, from_state) or ""),
            str(states.get(to_state, to_state) or ""))


COMMON_ACTIONS = {"create": gettext_lazy("create"), "submit": gettext_lazy("submit")}


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple
    target: str
    roles: tuple = ()  # staff roles that may take it
    step: str = ""  # a four-eyes step (accept, review, approve) or ""
    applicant: bool = False  # the applicant (the case's own portal user) may take it
    system: bool = False  # the system actor (core.actors) may take it, e.g. by rule or on a bank notice
    label: str = ""


@dataclass
class Workflow:
    name: str
    states: dict  # state -> label
    transitions: list
    applicant_of: Callable = field(default=lambda case: None)  # case -> the applicant's user or None
    state_field: str = "state"
    actions: dict = field(default_factory=dict)  # labels of actions recorded outside the transitions (e.g. submit)

    def __post_init__(self):
        WORKFLOWS.append(self)

    def action_label(self, action) -> str:
        """The action in words (the transition's label), never its code unless nothing names it."""
        for t in self.transitions:
            if t.action == action and t.label:
                return str(t.label)
        return str(self.actions.get(action) or COMMON_ACTIONS.get(action) or action)

    def state_label(self, state) -> str:
        return str(self.states.get(state, state)) if state else ""

    def labelled_history(self, case) -> list:
        """The case's transitions, oldest first, each with ``action_label``, ``from_label`` and ``to_label``."""
        rows = compiled.objects(("case_history",), _history_of, (_content_type(case).pk, case.pk))
        roles.load_roles([row.actor for row in rows])  # the page shows each actor by role (depositor or staff)
        for row in rows:
            row.action_label = self.action_label(row.action)
            row.from_label = self.state_label(row.from_state)
            row.to_label = self.state_label(row.to_state)
        return rows

    def transition(self, action) -> Transition:
        for t in self.transitions:
            if t.action == action:
                return t
        raise StateError(_("Unknown action %(a)s.") % {"a": action}, code="unknown_action")

    def is_applicant(self, case, actor) -> bool:
        user = self.applicant_of(case)
        return (actor is not None and user is not None and getattr(actor, "pk", None) is not None
                and user.pk == actor.pk)

    def may(self, case, t: Transition, actor) -> bool:
        if actor is None:  # a missing actor is refused; the system acts as its own user
            return False
        if roles.is_system(actor):
            return t.system
        if t.applicant and self.is_applicant(case, actor):
            return True
        return bool(t.roles) and roles.has_role(actor, *t.roles)

    def actions_for(self, case, actor) -> list[Transition]:
        """Transitions ``actor`` may take now (for buttons); four-eyes is checked again by :func:`apply`."""
        state = getattr(case, self.state_field)
        out = []
        for t in self.transitions:
            if state in t.sources and self.may(case, t, actor) and not _four_eyes_conflict(case, t, actor):
                out.append(t)
        return out


def _content_type(case):
    return ContentType.objects.get_for_model(type(case), for_concrete_model=True)


def history(case):
    """The case's transitions, oldest first."""
    from core.models import CaseTransition

    return CaseTransition.objects.filter(case_type=_content_type(case), case_id=case.pk).select_related(
        "actor").order_by("id")


def _history_of(case_type_id, case_id):
    from core.models import CaseTransition

    return CaseTransition.objects.filter(case_type=case_type_id, case_id=case_id).select_related("actor").order_by("id")


def step_actors(case) -> dict:
    """{step: {user ids}} of the four-eyes steps taken on the case."""
    from core.models import CaseTransition

    out = {}
    rows = CaseTransition.objects.filter(case_type=_content_type(case), case_id=case.pk).exclude(step="").exclude(
        actor=None).values_list("step", "actor_id")
    for step, actor_id in rows:
        out.setdefault(step, set()).add(actor_id)
    return out


def _four_eyes_conflict(case, t: Transition, actor) -> bool:
    if not t.step or actor is None or roles.is_system(actor) or case.pk is None:
        return False
    taken = step_actors(case)
    return any(actor.pk in ids for step, ids in taken.items() if step != t.step)


def record(case, *, workflow: Workflow, action, from_state, to_state, actor, step="", rule="", comment=""):
    from core.models import CaseTransition

    return CaseTransition.objects.create(
        case_type=_content_type(case), case_id=case.pk, action=action, from_state=from_state or "",
        to_state=to_state, step=step, actor=actor if getattr(actor, "pk", None) else None, rule=rule[:80],
        comment=comment or "", comment_message=message_of(comment), business_date=today())


@transaction.atomic
def apply(workflow: Workflow, case, *, action, actor, comment="", rule="", effect=None):
    """Apply ``action`` to ``case`` and return the locked, updated case.

    ``effect(case)`` runs under the lock after the checks and before the state is saved (it may change other
    fields of the case, post money, or raise to refuse; everything rolls back together). ``rule`` names the
    rule when the system takes the step automatically (recorded as such).
    """
    t = workflow.transition(action)
    model = type(case)
    locked = model.objects.select_for_update().get(pk=case.pk)
    state = getattr(locked, workflow.state_field)
    if state not in t.sources:
        raise StateError(
            _("The action “%(a)s” is not allowed while the case is “%(s)s”.")
            % {"a": t.label or t.action, "s": workflow.states.get(state, state)}, code="invalid_state")
    if not workflow.may(locked, t, actor):
        raise Forbidden(_("Your role does not allow this action."), code="wrong_role")
    if _four_eyes_conflict(locked, t, actor):
        raise Forbidden(_("Acceptance, review and approval of one case must be done by three different people; "
                          "you already took another step of this case."), code="four_eyes")
    if roles.is_system(actor) and t.step and not rule:
        raise StateError(_("An automatic step must name the rule that allowed it."), code="rule_required")
    if effect is not None:
        effect(locked)
    setattr(locked, workflow.state_field, t.target)
    locked.save()
    record(locked, workflow=workflow, action=t.action, from_state=state, to_state=t.target, actor=actor,
           step=t.step, rule=rule, comment=comment)
    audit.record(actor=actor, action=f"{workflow.name}.{t.action}", obj=locked, before={"state": state},
                 after={"state": t.target, "rule": rule} if rule else {"state": t.target}, comment=comment or "")
    return locked


def start(workflow: Workflow, case, *, state, actor, action="create", step="", comment="", rule=""):
    """Record the first state of a new case (already saved by the service in the same transaction)."""
    return record(case, workflow=workflow, action=action, from_state="", to_state=state, actor=actor, step=step,
                  rule=rule, comment=comment)


# --- notifications -----------------------------------------------------------------------------------

def _store_only(notification):
    """The demo sender: the message stays in the outbox (and the portal inbox) and counts as sent."""
    return True


def sender_for(channel) -> Callable:
    path = getattr(settings, "NOTIFICATION_SENDERS", {}).get(channel)
    return import_string(path) if path else _store_only


def send(notification_ids):
    """Deliver stored messages; a sender's failure is recorded on the message, never raised."""
    from core.models import Notification

    for note in Notification.objects.filter(pk__in=list(notification_ids), sent_at=None):
        try:
            ok = sender_for(note.channel)(note)
            note.sent_at = timezone.now() if ok else None
            note.error = "" if ok else "not sent"
        except Exception as exc:  # noqa: BLE001 - a sender's failure must not break the caller
            note.error = str(exc)[:200]
        note.save(update_fields=["sent_at", "error"])


def notify(*, subject, body, user=None, recipient=None, channels=("inbox",), address="", key=None):
    """Write one message per channel in the current transaction; deliver after commit. Returns the messages."""
    from core.models import Notification

    rtype = ContentType.objects.get_for_model(type(recipient)) if recipient is not None else None
    notes = []
    for channel in channels:
        ckey = f"{key}:{channel}" if key else None
        if ckey and Notification.objects.filter(key=ckey).exists():
            continue
        notes.append(Notification.objects.create(
            user=user, recipient_type=rtype, recipient_id=getattr(recipient, "pk", None), channel=channel,
            address=address if channel != "inbox" else "", subject=subject[:200], body=body, key=ckey,
            subject_message=message_of(subject), body_message=message_of(body)))
    ids = [n.pk for n in notes]
    if ids:
        transaction.on_commit(lambda: send(ids))
    return notes


def mark_read(notification_ids) -> int:
    """Mark the portal-inbox messages ``notification_ids`` read now (those not read yet; the caller passes only
    messages it has shown to their own recipient). Returns how many were marked."""
    from core.models import Notification

    return (Notification.objects.filter(pk__in=list(notification_ids), channel=Notification.Channel.INBOX,
                                        read_at=None)
            .update(read_at=timezone.now()))
