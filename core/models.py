from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core import translatable
from core.visibility import StaffOnlyQuerySet, VisibleQuerySet


class PolicyValue(models.Model):
    """One value of a policy parameter, in force from ``effective_from`` until the next value.

    A value in force (``effective_from`` on or before the business date) is never edited: a change is a new
    value with a later effective date and a reason (core/admin.py), so every past calculation can be redone."""

    key = models.CharField(_("parameter"), max_length=100, db_index=True)
    effective_from = models.DateField(_("effective from"))
    value = models.TextField(_("value"), help_text=_("Stored as text; parsed by the parameter's declared type."))
    note = models.CharField(_("note"), max_length=200, blank=True)
    reason = models.TextField(_("reason for the change"), blank=True,
                              help_text=_("Why the value changes (e.g. the policy document); required for a new "
                                          "value."))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("policy value")
        verbose_name_plural = _("policy values")
        ordering = ["key", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["key", "effective_from"], name="policy_one_value_per_key_and_date",
                                    violation_error_message=_("This parameter already has a value from that date.")),
        ]

    def __str__(self):
        return f"{self.key} @ {self.effective_from}: {self.value}"


class BusinessDay(models.Model):
    """The business date (会计日期), separate from the wall clock. A single row."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    current = models.DateField(_("business date"))
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("business date")
        verbose_name_plural = _("business date")
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="business_day_single_row")]

    def __str__(self):
        return str(self.current)


class NumberSequence(models.Model):
    """Monotonic counters for account numbers; numbers are never reused."""

    name = models.CharField(max_length=50, primary_key=True)
    last_value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("number sequence")
        verbose_name_plural = _("number sequences")

    def __str__(self):
        return f"{self.name}: {self.last_value}"


class AuditEvent(models.Model):
    """Who did what to which object, with before/after values and the request id."""

    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    business_date = models.DateField(_("business date"), null=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", verbose_name=_("actor"))
    action = models.CharField(_("action"), max_length=80, db_index=True)
    object_type = models.CharField(_("object type"), max_length=80)
    object_id = models.CharField(_("object id"), max_length=64, db_index=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    objects = StaffOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"


class BatchRun(models.Model):
    """A long job split into chunks; progress for staff pages, resume skips finished chunks."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    job = models.CharField(_("job"), max_length=80, db_index=True)
    key = models.CharField(_("run key"), max_length=120, unique=True,
                           help_text=_("Identifies the run (job and parameters) so it is never run twice."))
    params = models.JSONField(_("parameters"), default=dict)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    total = models.PositiveIntegerField(_("total items"), default=0)
    processed = models.PositiveIntegerField(_("processed items"), default=0)
    failed_items = models.PositiveIntegerField(_("failed items"), default=0)
    result = models.JSONField(_("result"), default=dict, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("started by"))

    class Meta:
        verbose_name = _("batch run")
        verbose_name_plural = _("batch runs")
        ordering = ["-id"]

    def __str__(self):
        return f"{self.job} {self.key} ({self.status})"

    @property
    def percent(self):
        return int(self.processed * 100 / self.total) if self.total else (100 if self.status == "done" else 0)


class BatchChunk(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    run = models.ForeignKey(BatchRun, on_delete=models.CASCADE, related_name="chunks")
    lo = models.BigIntegerField(_("first id"))
    hi = models.BigIntegerField(_("last id"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    items = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("batch chunk")
        verbose_name_plural = _("batch chunks")
        ordering = ["run", "lo"]
        constraints = [models.UniqueConstraint(fields=["run", "lo"], name="batch_chunk_unique_start")]

    def __str__(self):
        return f"{self.run_id}[{self.lo}-{self.hi}] {self.status}"


class CaseTransition(models.Model):
    """One step of a case's workflow (any case type: withdrawal, loan, judicial request, ...): who moved it
    from which state to which, when, with what comment. Written only by :func:`core.workflow.apply`."""

    case_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("case type"))
    case_id = models.PositiveBigIntegerField(_("case id"))
    action = models.CharField(_("action"), max_length=30)
    from_state = models.CharField(_("from state"), max_length=20, blank=True)
    to_state = models.CharField(_("to state"), max_length=20)
    step = models.CharField(_("step"), max_length=20, blank=True,
                            help_text=_("accept, review or approve: the steps that must be taken by different people."))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", verbose_name=_("by"))
    rule = models.CharField(_("automatic rule"), max_length=80, blank=True,
                            help_text=_("Set when the system took the step by rule (auto-approval)."))
    comment = models.TextField(_("comment"), blank=True)
    # A comment the system wrote (core.translatable): its message, to say it in the reader's language.
    comment_message = models.JSONField(_("comment message"), null=True, blank=True, editable=False)
    at = models.DateTimeField(_("time"), auto_now_add=True)
    business_date = models.DateField(_("business date"))

    class Meta:
        verbose_name = _("case transition")
        verbose_name_plural = _("case transitions")
        ordering = ["case_type", "case_id", "id"]
        indexes = [models.Index(fields=["case_type", "case_id"], name="case_transition_case_idx")]

    def __str__(self):
        return f"{self.case_type_id}#{self.case_id} {self.from_state}->{self.to_state} ({self.action})"

    @property
    def localized_comment(self):
        """The comment in the reader's language (a comment a person typed reads as typed)."""
        return translatable.localized(self.comment, self.comment_message)


class NotificationQuerySet(VisibleQuerySet):
    """Staff see the outbox; anyone else only the messages addressed to their own user."""

    def own_rows(self, user):
        return Q(user=user)


class Notification(models.Model):
    """Outbox of messages to people (depositors, staff): SMS, e-mail and the portal inbox. A sender
    (setting ``NOTIFICATION_SENDERS``) delivers it after the transaction commits and sets ``sent_at``."""

    class Channel(models.TextChoices):
        SMS = "sms", _("SMS")
        EMAIL = "email", _("E-mail")
        INBOX = "inbox", _("Portal inbox")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="notifications", verbose_name=_("recipient user"))
    recipient_type = models.ForeignKey("contenttypes.ContentType", null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="+", verbose_name=_("recipient type"))
    recipient_id = models.PositiveBigIntegerField(_("recipient id"), null=True, blank=True)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    address = models.CharField(_("address"), max_length=200, blank=True, help_text=_("Phone number or e-mail."))
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"))
    # What the system wrote (core.translatable): the messages, to show the inbox in the reader's language. The
    # SMS and e-mail are sent as stored, in the center's language.
    subject_message = models.JSONField(_("subject message"), null=True, blank=True, editable=False)
    body_message = models.JSONField(_("text message"), null=True, blank=True, editable=False)
    key = models.CharField(_("key"), max_length=120, unique=True, null=True, blank=True,
                           help_text=_("Makes a job that runs twice write one message."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=200, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-id"]
        indexes = [models.Index(fields=["recipient_type", "recipient_id"], name="notification_recipient_idx")]

    def __str__(self):
        return f"{self.channel} {self.subject}"

    @property
    def localized_subject(self):
        return translatable.localized(self.subject, self.subject_message)

    @property
    def localized_body(self):
        return translatable.localized(self.body, self.body_message)
