"""Every write of the loans app (one module per use-case group); this package only re-exports."""

from loans.services.applications import (
    accept,
    approve,
    assess,
    create_draft,
    reject,
    review,
    submit,
    update_draft,
)
from loans.services.close_of_business import close_business
from loans.services.collection import decide, record_contact, request_action
from loans.services.contracts import sign_contract
from loans.services.disbursement import (
    allowed_payees,
    confirm_disbursement,
    disburse,
    fail_disbursement,
    register_escrow_account,
    sync_disbursements,
)
from loans.services.documents import add_documents, missing_types, required_types
from loans.services.flow import FLOW
from loans.services.fund_repayments import (
    cancel_prepayment_request,
    complete_prepayment_request,
    fund_preview,
    offset_installments,
    pay_from_fund,
    record_mortgage_release,
    request_prepayment,
)
from loans.services.overdue import classify_overdue
from loans.services.repayments import amount_due, pay_off, payoff_quote, prepay, repay
from loans.services.returns import cancel, resubmit, return_for_documents
from loans.services.schedules import store_schedule, store_schedules

__all__ = [
    "FLOW",
    "accept",
    "add_documents",
    "cancel",
    "missing_types",
    "required_types",
    "resubmit",
    "return_for_documents",
    "allowed_payees",
    "amount_due",
    "approve",
    "cancel_prepayment_request",
    "complete_prepayment_request",
    "fund_preview",
    "offset_installments",
    "pay_from_fund",
    "record_mortgage_release",
    "request_prepayment",
    "assess",
    "classify_overdue",
    "close_business",
    "decide",
    "record_contact",
    "request_action",
    "confirm_disbursement",
    "disburse",
    "fail_disbursement",
    "pay_off",
    "payoff_quote",
    "prepay",
    "register_escrow_account",
    "repay",
    "create_draft",
    "reject",
    "review",
    "sign_contract",
    "store_schedule",
    "store_schedules",
    "submit",
    "sync_disbursements",
    "update_draft",
]
