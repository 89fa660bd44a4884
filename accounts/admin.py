"""Employers and personal fund accounts are read-only in admin (core.readonly_admin): they carry money and
move through the account lifecycle services (open, seal, unseal, transfer, merge, close) and the counter's
employer pages. Depositors' personal details and employer agents stay editable here."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from accounts.models import AccountEvent, Depositor, Employer, EmployerAgent, EmployerRegistration, FundAccount
from core.readonly_admin import ReadOnlyAdminMixin, ReadOnlyInlineMixin


class AccountEventInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = AccountEvent
    readonly_fields = ("business_type", "from_status", "to_status", "employer", "business_date", "reason", "actor")


@admin.register(Employer)
class EmployerAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ("account_number", "name", "uscc", "status", "economic_type", "bank", "paid_up_to")
    list_filter = ("status", "economic_type", "bank")
    search_fields = ("account_number", "name", "uscc")
    readonly_fields = ("suspense_balance",)
    show_full_result_count = False

    @admin.display(description=_("Unallocated money"))
    def suspense_balance(self, obj):
        return obj.suspense_account.balance


@admin.register(Depositor)
class DepositorAdmin(SimpleHistoryAdmin):
    list_display = ("name", "id_number", "gender", "birth_date", "phone", "marital_status")
    list_filter = ("gender", "marital_status", "local_hukou")
    search_fields = ("name", "id_number", "phone")
    readonly_fields = ("id_number", "gender", "birth_date")
    raw_id_fields = ("spouse", "user")
    show_full_result_count = False


@admin.register(FundAccount)
class FundAccountAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ("number", "depositor", "employer", "status", "base", "balance", "paid_up_to")
    list_filter = ("status", "kind")
    search_fields = ("number", "depositor__name", "depositor__id_number")
    list_select_related = ("depositor", "employer", "ledger_account")
    raw_id_fields = ("depositor", "employer", "merged_into")
    readonly_fields = ("balance", "available")
    inlines = [AccountEventInline]
    show_full_result_count = False

    @admin.display(description=_("Balance"))
    def balance(self, obj):
        return obj.ledger_account.balance

    @admin.display(description=_("Available balance"))
    def available(self, obj):
        return obj.ledger_account.available


@admin.register(EmployerAgent)
class EmployerAgentAdmin(SimpleHistoryAdmin):
    list_display = ("user", "employer")
    raw_id_fields = ("user", "employer")


@admin.register(EmployerRegistration)
class EmployerRegistrationAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    """Online registrations are decided on the counter's pages (approve opens the employer account)."""

    list_display = ("reference", "name", "uscc", "status", "submitted_at", "decided_by")
    list_filter = ("status",)
    search_fields = ("reference", "name", "uscc")
    exclude = ("password_hash",)
