"""Deposit business in admin: read-only (core.readonly_admin). Remittance lists, deferral applications, base
adjustments, arrears and flexible-worker deposits move through their services and counter pages."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.readonly_admin import ReadOnlyAdminMixin, WorkflowStepsMixin
from deposits.models import ArrearsRecord, BaseAdjustment, DeferralApplication, FlexibleDeposit, RemittanceList


@admin.register(DeferralApplication)
class DeferralApplicationAdmin(ReadOnlyAdminMixin, WorkflowStepsMixin, SimpleHistoryAdmin):
    list_display = ("id", "employer", "kind", "month_from", "month_to", "status", "submitted_at", "started_on",
                    "ended_on")
    list_filter = ("status", "kind")
    search_fields = ("employer__name", "employer__account_number")
    list_select_related = ("employer",)
    readonly_fields = ("workflow_steps",)


@admin.register(RemittanceList)
class RemittanceListAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ("reference", "employer", "kind", "month", "status", "headcount", "total")
    list_filter = ("status", "kind")
    search_fields = ("reference", "employer__name", "employer__account_number")
    list_select_related = ("employer",)
    show_full_result_count = False


@admin.register(BaseAdjustment)
class BaseAdjustmentAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ("id", "employer", "effective_from", "status")
    list_filter = ("status",)
    search_fields = ("employer__name", "employer__account_number")
    list_select_related = ("employer",)


@admin.register(ArrearsRecord)
class ArrearsRecordAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("employer", "month", "amount_due", "deadline", "status")
    list_filter = ("status",)
    search_fields = ("employer__name", "employer__account_number")
    list_select_related = ("employer",)
    show_full_result_count = False


@admin.register(FlexibleDeposit)
class FlexibleDepositAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ("reference", "account", "month_from", "month_to", "amount", "created_at")
    search_fields = ("reference", "account__number")
    list_select_related = ("account",)
    show_full_result_count = False
