from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from ledger.models import (
    Account,
    BankAccount,
    BankInstruction,
    BankStatementLine,
    Hold,
    JournalEntry,
    JournalLine,
    ReconciliationRun,
)


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Account)
class AccountAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "kind", "role", "status", "balance", "held")
    list_filter = ("kind", "role", "status")
    search_fields = ("code", "name")
    readonly_fields = ("balance", "held", "code", "kind", "role", "parent", "status", "opened_on", "closed_on")
    list_select_related = ("parent",)
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class JournalLineInline(ReadOnlyMixin, admin.TabularInline):
    model = JournalLine
    fields = ("account", "side", "amount", "memo")
    readonly_fields = fields
    extra = 0


@admin.register(JournalEntry)
class JournalEntryAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("id", "business_date", "business_type", "memo", "total", "line_count", "actor")
    list_filter = ("business_type", "business_date")
    search_fields = ("memo", "idempotency_key", "source")
    inlines = [JournalLineInline]
    show_full_result_count = False


@admin.register(Hold)
class HoldAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    list_display = ("account", "amount", "kind", "status", "reference", "created_on")
    list_filter = ("kind", "status")
    search_fields = ("reference", "account__code")
    raw_id_fields = ("account",)


@admin.register(BankAccount)
class BankAccountAdmin(SimpleHistoryAdmin):
    list_display = ("bank", "number", "name", "purpose", "ledger_account")
    readonly_fields = ("ledger_account",)


@admin.register(BankInstruction)
class BankInstructionAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    list_display = ("reference", "amount", "payee_name", "status", "created_on", "settled_on")
    list_filter = ("status",)
    search_fields = ("reference", "payee_name", "payee_account")


@admin.register(BankStatementLine)
class BankStatementLineAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("bank_reference", "bank_account", "value_date", "direction", "amount", "counterparty_name",
                    "match_status")
    list_filter = ("direction", "match_status", "bank_account")
    search_fields = ("bank_reference", "counterparty_name", "remark")


@admin.register(ReconciliationRun)
class ReconciliationRunAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("business_date", "created_at", "ok")
