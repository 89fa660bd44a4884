"""Withdrawal applications, standing instructions, recoveries and fraud bans are read-only in admin
(core.readonly_admin): they move through the workflow and payout services. So is the real-estate registry
extract: its prices and areas set withdrawal maximums, and it changes only by the audited import
(``import_property_records``)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.readonly_admin import ReadOnlyAdminMixin, WorkflowStepsMixin
from withdrawals.models import Evidence, FraudBan, PropertyRecord, Recovery, StandingInstruction, WithdrawalApplication


@admin.register(WithdrawalApplication)
class WithdrawalApplicationAdmin(ReadOnlyAdminMixin, WorkflowStepsMixin, SimpleHistoryAdmin):
    list_display = ("number", "reason", "state", "amount_requested", "amount_approved", "application_date",
                    "decision_due")
    list_filter = ("state", "reason", "channel")
    search_fields = ("number", "depositor__name")
    raw_id_fields = ("account", "depositor", "instruction", "interest_entry", "property_record", "standing",
                     "evidence")
    readonly_fields = ("workflow_steps",)


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Bills and invoices withdrawals were drawn against: recorded by the application service only."""

    list_display = ("kind", "number", "amount", "created_at")
    list_filter = ("kind",)
    search_fields = ("number",)


@admin.register(PropertyRecord)
class PropertyRecordAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ("certificate_number", "owner_name", "address", "area", "registration_date", "price")
    search_fields = ("certificate_number", "owner_id_number", "owner_name")


@admin.register(FraudBan)
class FraudBanAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ("depositor", "kind", "starts_on", "ends_on")
    raw_id_fields = ("depositor", "application", "created_by")


@admin.register(StandingInstruction)
class StandingInstructionAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ("account", "kind", "monthly_amount", "status", "last_month")
    list_filter = ("kind", "status")
    raw_id_fields = ("account", "created_by")


@admin.register(Recovery)
class RecoveryAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ("application", "depositor", "amount_due", "amount_recovered", "status", "ordered_on")
    list_filter = ("status",)
    search_fields = ("application__number", "depositor__name")
    raw_id_fields = ("application", "depositor", "created_by")
