from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from accounts.models import AccountEvent, Depositor, Employer, EmployerAgent, FundAccount


class AccountEventInline(admin.TabularInline):
    model = AccountEvent
    extra = 0
    can_delete = False
    readonly_fields = ("business_type", "from_status", "to_status", "employer", "business_date", "reason", "actor")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Employer)
class EmployerAdmin(SimpleHistoryAdmin):
    list_display = ("account_number", "name", "uscc", "status", "economic_type", "bank", "paid_up_to")
    list_filter = ("status", "economic_type", "bank")
    search_fields = ("account_number", "name", "uscc")
    readonly_fields = ("account_number", "uscc", "suspense_account", "status", "opened_on", "closed_on",
                       "suspense_balance")
    show_full_result_count = False

    @admin.display(description="暂收未分摊")
    def suspense_balance(self, obj):
        return obj.suspense_account.balance

    def has_change_permission(self, request, obj=None):
        # Changes go through the counter's employer pages (the service checks the ratio bounds and audits them).
        return False


@admin.register(Depositor)
class DepositorAdmin(SimpleHistoryAdmin):
    list_display = ("name", "id_number", "gender", "birth_date", "phone", "marital_status")
    list_filter = ("gender", "marital_status", "local_hukou")
    search_fields = ("name", "id_number", "phone")
    readonly_fields = ("id_number", "gender", "birth_date")
    raw_id_fields = ("spouse", "user")
    show_full_result_count = False


@admin.register(FundAccount)
class FundAccountAdmin(SimpleHistoryAdmin):
    list_display = ("number", "depositor", "employer", "status", "base", "balance", "paid_up_to")
    list_filter = ("status", "kind")
    search_fields = ("number", "depositor__name", "depositor__id_number")
    list_select_related = ("depositor", "employer", "ledger_account")
    raw_id_fields = ("depositor", "employer", "merged_into")
    readonly_fields = ("number", "ledger_account", "balance", "available", "status", "opened_on", "sealed_on",
                       "closed_on", "merged_into")
    inlines = [AccountEventInline]
    show_full_result_count = False

    @admin.display(description="余额")
    def balance(self, obj):
        return obj.ledger_account.balance

    @admin.display(description="可用余额")
    def available(self, obj):
        return obj.ledger_account.available


@admin.register(EmployerAgent)
class EmployerAgentAdmin(SimpleHistoryAdmin):
    list_display = ("user", "employer")
    raw_id_fields = ("user", "employer")
