"""Ledger models in admin: all read-only (core.readonly_admin); money moves only through the posting service,
bank instructions and statements. An account's overdraft permission (``allow_negative``) and a bank account's
statement opening balance are shown, never edited here: a change is requested and confirmed by two people on the
ledger settings page (ledger.services.set_overdraft, change_opening_balance, confirm_setting_change)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.readonly_admin import ReadOnlyAdminMixin, ReadOnlyInlineMixin, WorkflowStepsMixin
from ledger.models import (
    Account,
    BankAccount,
    BankInstruction,
    BankStatement,
    BankStatementLine,
    Hold,
    JournalEntry,
    JournalLine,
    ReconciliationRun,
    SettingChange,
)


@admin.register(Account)
class AccountAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ("code", "name", "kind", "role", "status", "allow_negative", "balance", "held")
    list_filter = ("kind", "role", "status", "allow_negative")
    search_fields = ("code", "name")
    list_select_related = ("parent",)
    show_full_result_count = False


class JournalLineInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = JournalLine
    fields = ("account", "side", "amount", "memo")
    readonly_fields = fields
    extra = 0


@admin.register(JournalEntry)
class JournalEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "business_date", "business_type", "memo", "total", "line_count", "actor")
    list_filter = ("business_type", "business_date")
    search_fields = ("memo", "idempotency_key", "source")
    inlines = [JournalLineInline]
    show_full_result_count = False


@admin.register(Hold)
class HoldAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ("account", "amount", "kind", "status", "reference", "created_on")
    list_filter = ("kind", "status")
    search_fields = ("reference", "account__code")
    raw_id_fields = ("account",)


@admin.register(BankAccount)
class BankAccountAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ("bank", "number", "name", "purpose", "ledger_account", "opening_balance")


@admin.register(BankInstruction)
class BankInstructionAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ("reference", "amount", "payee_name", "status", "created_on", "settled_on")
    list_filter = ("status",)
    search_fields = ("reference", "payee_name", "payee_account")


@admin.register(BankStatementLine)
class BankStatementLineAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("bank_reference", "bank_account", "value_date", "direction", "amount", "counterparty_name",
                    "match_status")
    list_filter = ("direction", "match_status", "bank_account")
    search_fields = ("bank_reference", "counterparty_name", "remark")


@admin.register(ReconciliationRun)
class ReconciliationRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("business_date", "created_at", "ok")


@admin.register(BankStatement)
class BankStatementAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "bank_account", "channel", "status", "imported_by", "imported_at", "line_count",
                    "closing_balance", "confirmed_by")
    list_filter = ("channel", "status")
    search_fields = ("file_sha256", "bank_account__number")


@admin.register(SettingChange)
class SettingChangeAdmin(WorkflowStepsMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "kind", "account", "bank_account", "allow_negative", "opening_balance", "state",
                    "requested_at")
    list_filter = ("kind", "state")
    readonly_fields = ("workflow_steps",)
