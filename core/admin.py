from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from simple_history.admin import SimpleHistoryAdmin

from core import policy
from core.models import AuditEvent, BatchChunk, BatchRun, BusinessDay, NumberSequence, PolicyValue


class PolicyValueForm(forms.ModelForm):
    key = forms.ChoiceField(choices=())

    class Meta:
        model = PolicyValue
        fields = ["key", "effective_from", "value", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["key"].choices = [(k, f"{k} — {p.description}") for k, p in sorted(policy.load_all().items())]

    def clean(self):
        data = super().clean()
        key, value = data.get("key"), data.get("value")
        if key and value is not None:
            try:
                policy.parameter(key).parse(value)
            except ValidationError as exc:
                self.add_error("value", exc)
        return data


@admin.register(PolicyValue)
class PolicyValueAdmin(SimpleHistoryAdmin):
    form = PolicyValueForm
    list_display = ("key", "effective_from", "value", "description", "note")
    list_filter = ("effective_from",)
    search_fields = ("key", "value", "note")
    date_hierarchy = "effective_from"

    @admin.display(description="description")
    def description(self, obj):
        param = policy.load_all().get(obj.key)
        return param.description if param else "?"


@admin.register(BusinessDay)
class BusinessDayAdmin(SimpleHistoryAdmin):
    list_display = ("current", "updated_at")


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "actor", "action", "object_type", "object_id", "request_id")
    list_filter = ("action", "object_type")
    search_fields = ("object_id", "request_id", "action")
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class BatchChunkInline(admin.TabularInline):
    model = BatchChunk
    extra = 0
    readonly_fields = ("lo", "hi", "status", "items", "error", "finished_at")
    can_delete = False


@admin.register(BatchRun)
class BatchRunAdmin(admin.ModelAdmin):
    list_display = ("job", "key", "status", "processed", "total", "started_at", "finished_at")
    list_filter = ("job", "status")
    readonly_fields = [f.name for f in BatchRun._meta.fields]
    inlines = [BatchChunkInline]


@admin.register(NumberSequence)
class NumberSequenceAdmin(admin.ModelAdmin):
    list_display = ("name", "last_value")
    readonly_fields = ("name", "last_value")
