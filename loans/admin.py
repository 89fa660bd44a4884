"""Loan applications, their parties, contracts, schedules, repayments and escrow accounts are read-only in admin
(core.readonly_admin): they move through the loan services and the workflow; admin shows them and their history."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.readonly_admin import ReadOnlyAdminMixin, ReadOnlyInlineMixin, WorkflowStepsMixin
from loans.models import (
    EscrowAccount,
    LoanApplication,
    LoanContract,
    LoanDebit,
    LoanDebitBatch,
    LoanDocument,
    LoanParty,
    LoanRepayment,
    PrepaymentRequest,
    ScheduleInstallment,
    SchedulePlan,
)


class LoanPartyInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = LoanParty
    fields = ("role", "depositor", "name", "id_number", "female_category", "other_center_balance")
    raw_id_fields = ("depositor",)


class LoanDocumentInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = LoanDocument
    fields = ("doc_type", "original_name", "sha256", "size", "uploaded_by", "uploaded_at")
    readonly_fields = fields


@admin.register(LoanApplication)
class LoanApplicationAdmin(ReadOnlyAdminMixin, WorkflowStepsMixin, SimpleHistoryAdmin):
    list_display = (
        "number",
        "borrower",
        "state",
        "requested_amount",
        "limit_amount",
        "term_months",
        "application_date",
        "decision_due",
    )
    list_filter = ("state", "purpose", "channel", "method")
    search_fields = ("number", "borrower__name")
    raw_id_fields = ("borrower", "account", "created_by")
    readonly_fields = ("workflow_steps",)
    inlines = (LoanPartyInline, LoanDocumentInline)


@admin.register(LoanParty)
class LoanPartyAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ("application", "role", "name", "depositor")
    search_fields = ("name", "application__number")
    raw_id_fields = ("application", "depositor")


class ScheduleInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = ScheduleInstallment
    fields = (
        "number",
        "due_date",
        "principal",
        "interest",
        "payment",
        "balance",
        "annual_rate",
        "principal_paid",
        "interest_paid",
        "penalty_paid",
        "superseded_on",
    )


@admin.register(LoanContract)
class LoanContractAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = (
        "number",
        "borrower",
        "status",
        "principal",
        "annual_rate",
        "term_months",
        "signed_on",
        "disbursed_on",
    )
    list_filter = ("status", "method")
    search_fields = ("number", "borrower__name")
    raw_id_fields = ("application", "borrower", "ledger_account", "disbursement")
    inlines = (ScheduleInline,)


@admin.register(ScheduleInstallment)
class ScheduleInstallmentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("contract", "number", "due_date", "principal", "interest", "payment", "balance")
    search_fields = ("contract__number",)
    raw_id_fields = ("contract",)


@admin.register(SchedulePlan)
class SchedulePlanAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("contract", "first_number", "balance", "annual_rate", "created_on", "superseded_on")
    search_fields = ("contract__number",)
    raw_id_fields = ("contract",)


@admin.register(LoanRepayment)
class LoanRepaymentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("contract", "kind", "source", "paid_on", "amount", "principal", "interest", "penalty")
    list_filter = ("kind", "source")
    search_fields = ("contract__number",)
    raw_id_fields = ("contract", "entry", "statement_line", "created_by")


@admin.register(EscrowAccount)
class EscrowAccountAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ("number", "name", "kind", "bank", "project", "active")
    list_filter = ("kind", "active")
    search_fields = ("number", "name", "project")


@admin.register(LoanDebitBatch)
class LoanDebitBatchAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("reference", "due_on", "status", "count", "amount", "debited", "applied_at")
    list_filter = ("status", "due_on")
    search_fields = ("reference",)
    raw_id_fields = ("run", "bank_account", "statement_line", "entry")


@admin.register(LoanDebit)
class LoanDebitAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("reference", "contract", "amount", "status", "result", "debited", "excess")
    list_filter = ("status", "result")
    search_fields = ("reference", "contract__number", "bank_reference")
    raw_id_fields = ("batch", "contract", "repayment")


@admin.register(PrepaymentRequest)
class PrepaymentRequestAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ("contract", "mode", "amount", "keep", "state", "requested_on", "closed_on")
    list_filter = ("state", "mode")
    search_fields = ("contract__number",)
    raw_id_fields = ("contract", "repayment", "requested_by", "closed_by")
