"""Judicial requests, freezes, query logs and the court register are read-only in admin (core.readonly_admin):
requests move through the maker-checker services and freezes carry ledger holds; a court's enforcement account
decides where deducted money goes, so it is registered through the audited service."""

from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from core.errors import ApplicationError
from core.readonly_admin import ReadOnlyAdminMixin, WorkflowStepsMixin
from judicial.models import (
    Court,
    CourtCredential,
    Freeze,
    JudicialDocument,
    JudicialRequest,
    QueryLog,
    RiskLetter,
    RiskReview,
)
from judicial.services import credentials


@admin.register(Court)
class CourtAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ("code", "name", "enforcement_account_number", "enforcement_bank", "active")
    search_fields = ("code", "name")
    actions = ["issue_api_key"]

    @admin.action(description=gettext_lazy("Issue a new API key (revokes the court's current key)"))
    def issue_api_key(self, request, queryset):
        """The new keys and their secrets on one page, shown this once (the secret is not stored)."""
        issued = []
        try:
            for court in queryset.order_by("code")[:20]:
                issued.append(credentials.issue_credential(actor=request.user, court=court))
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return None
        return TemplateResponse(request, "admin/judicial/issued_keys.html", {
            **self.admin_site.each_context(request), "title": _("Court API keys issued"), "issued": issued,
            "opts": self.model._meta})


@admin.register(CourtCredential)
class CourtCredentialAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("court", "key_id", "active", "created_at", "created_by", "revoked_at")
    list_filter = ("active",)
    search_fields = ("key_id", "court__code", "court__name")
    exclude = ("salt",)
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        return [name for name in super().get_readonly_fields(request, obj) if name != "salt"]

    @admin.action(description=gettext_lazy("Revoke the selected keys"))
    def revoke(self, request, queryset):
        try:
            for credential in queryset:
                credentials.revoke_credential(actor=request.user, credential=credential)
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)


@admin.register(JudicialRequest)
class JudicialRequestAdmin(ReadOnlyAdminMixin, WorkflowStepsMixin, SimpleHistoryAdmin):
    list_display = ("court", "number", "measure", "authority", "case_number", "state", "amount", "actual_amount",
                    "received_on")
    list_filter = ("measure", "state", "authority", "channel", "risk_flagged", "basis_type")
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


@admin.register(RiskReview)
class RiskReviewAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Second-level reviews are taken on the deduction's risk page (judicial.services.risk), never here."""

    list_display = ("request", "reviewer", "decision", "at")
    list_filter = ("decision",)
    raw_id_fields = ("request", "reviewer")


@admin.register(RiskLetter)
class RiskLetterAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("number", "request", "kind", "sent_on", "sent_by")
    list_filter = ("kind",)
    search_fields = ("number",)
    raw_id_fields = ("request", "sent_by")
