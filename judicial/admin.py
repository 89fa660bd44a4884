"""Judicial requests, freezes, query logs and the court register are read-only in admin (core.readonly_admin):
requests move through the maker-checker services and freezes carry ledger holds; a court's enforcement account
decides where deducted money goes, so it is registered through the audited service."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.readonly_admin import ReadOnlyAdminMixin, WorkflowStepsMixin
from judicial.models import Court, Freeze, JudicialDocument, JudicialRequest, QueryLog


@admin.register(Court)
class CourtAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ("code", "name", "enforcement_account_number", "enforcement_bank", "active")
    search_fields = ("code", "name")


@admin.register(JudicialRequest)
class JudicialRequestAdmin(ReadOnlyAdminMixin, WorkflowStepsMixin, SimpleHistoryAdmin):
    list_display = ("court", "number", "measure", "authority", "case_number", "state", "amount", "actual_amount",
                    "received_on")
    list_filter = ("measure", "state", "authority", "channel")
    search_fields = ("number", "case_number", "person_name")
    raw_id_fields = ("account", "original_freeze", "instruction", "operator", "checker", "received_by")
    readonly_fields = ("workflow_steps",)


@admin.register(Freeze)
class FreezeAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ("account", "court", "case_number", "state", "amount_requested", "amount_frozen",
                    "queue_position", "start_date", "end_date")
    list_filter = ("state",)
    raw_id_fields = ("account", "request", "hold")


@admin.register(QueryLog)
class QueryLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("request", "viewer", "at", "business_date")
    raw_id_fields = ("request", "depositor", "viewer")


@admin.register(JudicialDocument)
class JudicialDocumentAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ("request", "doc_type", "sha256", "size", "uploaded_by", "uploaded_at")
