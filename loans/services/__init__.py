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
from loans.services.contracts import sign_contract
from loans.services.flow import FLOW
from loans.services.schedules import store_schedule

__all__ = [
    "FLOW",
    "accept",
    "approve",
    "assess",
    "create_draft",
    "reject",
    "review",
    "sign_contract",
    "store_schedule",
    "submit",
    "update_draft",
]
