"""Every write of the withdrawals app (DOMAIN.md §3), one module per use-case group: the workflow declaration
(:mod:`.flow`, on :mod:`core.workflow`), applying (:mod:`.applications`), the workflow steps 受理 → 审核 → 审批
(:mod:`.steps`), payouts, settlement and closing withdrawals (:mod:`.payout`), fraud bans and the real-estate
registry (:mod:`.registry`), with the checks they share in :mod:`.common`. This module only re-exports them.
Standing monthly withdrawals are in :mod:`.standing`."""

from withdrawals.services.applications import add_document, apply, preview
from withdrawals.services.common import check_card, missing_documents, no_heirs
from withdrawals.services.flow import FLOW
from withdrawals.services.payout import (
    attempt_instructions,
    change_card,
    fail_payment,
    pay,
    refuse_payment,
    settle_payment,
    sync_bank,
)
from withdrawals.services.registry import (
    PROPERTY_COLUMNS,
    apply_recovery_receipt,
    import_property_records,
    is_banned,
    record_fraud,
)
from withdrawals.services.steps import (
    accept,
    approve,
    cancel,
    compute_effect,
    reject,
    resubmit,
    return_for_documents,
    review,
)

__all__ = ["FLOW", "PROPERTY_COLUMNS", "accept", "add_document", "apply", "apply_recovery_receipt", "approve",
           "attempt_instructions", "cancel", "change_card", "check_card", "compute_effect", "fail_payment",
           "import_property_records", "is_banned", "missing_documents", "no_heirs", "pay", "preview", "record_fraud",
           "refuse_payment", "reject", "resubmit", "return_for_documents", "review", "settle_payment", "sync_bank"]
