from celery.schedules import ParseException
from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_celery_beat import admin as beat_admin
from django_celery_beat.models import CrontabSchedule
from simple_history.admin import SimpleHistoryAdmin

from core import bounds, policy
from core.business_date import set_business_date, today
from core.errors import InvalidInput
from core.models import AuditEvent, BatchChunk, BatchRun, BusinessDay, CaseTransition, NumberSequence, PolicyValue
from core.readonly_admin import NoRevertMixin, ReadOnlyAdminMixin, ReadOnlyInlineMixin

REASON_REQUIRED = gettext_lazy("Give the reason for the change (e.g. the policy document).")


class PolicyValueForm(forms.ModelForm):
    """A new policy value, or a change of one not yet in force: it takes effect after the business date and
    says why. A value in force is read-only (see :class:`PolicyValueAdmin`)."""

    key = forms.ChoiceField(label=gettext_lazy("parameter"), choices=())

    class Meta:
        model = PolicyValue
        fields = ["key", "effective_from", "value", "reason", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "key" in self.fields:  # not on the read-only page of a value in force
            self.fields["key"].choices = [(k, f"{k} — {p.description}")
                                          for k, p in sorted(policy.load_all().items())]
        if "reason" in self.fields:
            self.fields["reason"].required = True
            self.fields["reason"].error_messages["required"] = REASON_REQUIRED

    def clean_effective_from(self):
        date = self.cleaned_data["effective_from"]
        on = today()
        if date is not None and date <= on:
            raise ValidationError(
                _("A new value must take effect after the business date (%(d)s); a value in force is never "
                  "changed, it is replaced by a new value from a later date.") % {"d": on.isoformat()},
                code="not_in_future")
        return date

    def clean_reason(self):
        reason = (self.cleaned_data.get("reason") or "").strip()
        if not reason:
            raise ValidationError(REASON_REQUIRED, code="reason_required")
        return reason

    def clean(self):
        data = super().clean()
        key, value = data.get("key"), data.get("value")
        if key and value is not None:
            try:
                policy.parameter(key).parse(value)
            except ValidationError as exc:
                self.add_error("value", exc)
        return data


def in_force(obj) -> bool:
    return obj is not None and obj.effective_from <= today()


@admin.register(PolicyValue)
class PolicyValueAdmin(NoRevertMixin, SimpleHistoryAdmin):
    """Values in force are read-only; a new value needs a future effective date and a reason. Only a value not
    yet in force may be corrected or withdrawn (deleted), one at a time."""

    form = PolicyValueForm
    list_display = ("key", "effective_from", "value", "description", "reason", "note")
    list_filter = ("effective_from",)
    search_fields = ("key", "value", "note", "reason")
    date_hierarchy = "effective_from"
    history_list_display = ["effective_from", "value", "reason"]

    @admin.display(description=gettext_lazy("description"))
    def description(self, obj):
        param = policy.load_all().get(obj.key)
        return param.description if param else "?"

    def has_change_permission(self, request, obj=None):
        return not in_force(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        # never in bulk (the action would reach values in force), never a value in force
        return obj is not None and not in_force(obj) and super().has_delete_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request, obj, form, change):
        obj._change_reason = form.cleaned_data["reason"][:100]  # simple_history's change reason column
        super().save_model(request, obj, form, change)


class BusinessDayForm(forms.ModelForm):
    class Meta:
        model = BusinessDay
        fields = ("current",)

    def clean_current(self):
        value = self.cleaned_data["current"]
        try:
            return bounds.business_date(value)
        except InvalidInput as exc:
            raise ValidationError(exc.message, code=exc.code) from exc


@admin.register(BusinessDay)
class BusinessDayAdmin(NoRevertMixin, SimpleHistoryAdmin):
    """The business date is set through its service (audited), here as anywhere else; a date outside the
    plausible window (``core.bounds.business_date``) is a form error."""

    form = BusinessDayForm
    list_display = ("current", "updated_at")

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        set_business_date(actor=request.user, date=obj.current)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "actor", "action", "object_type", "object_id", "request_id")
    list_select_related = ("actor",)  # one query for the page, not one per row
    list_filter = ("action", "object_type")
    search_fields = ("object_id", "request_id", "action")


@admin.register(CaseTransition)
class CaseTransitionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("at", "case_type", "case_id", "action_words", "from_words", "to_words", "step_words", "actor",
                    "rule")
    list_select_related = ("actor", "case_type")

    def _words(self, obj):
        from core import workflow

        return workflow.transition_labels(obj.case_type.model_class(), obj.action, obj.from_state, obj.to_state)

    @admin.display(description=gettext_lazy("action"), ordering="action")
    def action_words(self, obj):
        return self._words(obj)[0]

    @admin.display(description=gettext_lazy("from state"), ordering="from_state")
    def from_words(self, obj):
        return self._words(obj)[1]

    @admin.display(description=gettext_lazy("to state"), ordering="to_state")
    def to_words(self, obj):
        return self._words(obj)[2]

    @admin.display(description=gettext_lazy("step"), ordering="step")
    def step_words(self, obj):
        from core import workflow

        return workflow.transition_labels(None, obj.step, "", "")[0] if obj.step else ""

    list_filter = ("case_type",)  # actions and steps are codes: found by the search box instead
    search_fields = ("=case_id", "action", "comment")
    list_select_related = ("case_type", "actor")


class BatchChunkInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = BatchChunk
    readonly_fields = ("lo", "hi", "status", "items", "error", "finished_at")


@admin.register(BatchRun)
class BatchRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("job", "key", "status", "processed", "total", "started_at", "finished_at")
    list_filter = ("job", "status")
    inlines = [BatchChunkInline]


@admin.register(NumberSequence)
class NumberSequenceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Numbers are never reused: the counters are only read here."""

    list_display = ("name", "last_value")


class CrontabScheduleAdmin(beat_admin.CrontabScheduleAdmin):
    """django-celery-beat's crontab admin, whose readable description raised celery's ``ParseException`` for a
    value such as ``-1`` (a 500 on the form showing the field errors, and on the list once such a row existed);
    the description of an unreadable schedule is now empty and the form shows its errors."""

    list_display = ("__str__", "readable")
    fields = ("readable", "minute", "hour", "day_of_month", "month_of_year", "day_of_week", "timezone")
    readonly_fields = ("readable",)

    @admin.display(description=gettext_lazy("Readable schedule"))
    def readable(self, obj):
        try:
            return obj.human_readable
        except (ParseException, ValueError):
            return "—"


admin.site.unregister(CrontabSchedule)
admin.site.register(CrontabSchedule, CrontabScheduleAdmin)
