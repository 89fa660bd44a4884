"""Ledger writes other than posting itself (that is ``ledger.posting``), one module per use-case group:
sub_accounts, holds, bank_accounts, instructions (payments out) and statements (money in, suspense).
The public services are re-exported here, so ``ledger.services.place_hold`` names them."""

from ledger.services.bank_accounts import create_bank_account, default_bank_account
from ledger.services.holds import place_hold, release_hold
from ledger.services.instructions import (
    BATCH_PAYEE,
    create_payment,
    fail_instruction,
    record_batch_payment,
    settle_instruction,
    simulate_bank,
)
from ledger.services.setting_changes import (
    SETTING_ROLES,
    change_opening_balance,
    confirm_setting_change,
    reject_setting_change,
    set_overdraft,
)
from ledger.services.statements import (
    CONFIRM_ROLES,
    IMPORT_ROLES,
    STATEMENT_COLUMNS,
    STATEMENT_ROLES,
    book_to_suspense,
    confirm_statement,
    import_statement,
    import_statement_file,
    lock_receipt,
    mark_booked,
    receipts_usable_by,
)
from ledger.services.sub_accounts import close_account, open_sub_account

__all__ = [
    "BATCH_PAYEE", "CONFIRM_ROLES", "SETTING_ROLES", "confirm_setting_change", "reject_setting_change",
    "IMPORT_ROLES", "STATEMENT_COLUMNS", "STATEMENT_ROLES", "book_to_suspense",
    "change_opening_balance", "close_account", "confirm_statement", "create_bank_account",
    "create_payment", "default_bank_account", "fail_instruction", "import_statement", "import_statement_file",
    "lock_receipt", "mark_booked", "open_sub_account", "place_hold", "receipts_usable_by", "record_batch_payment",
    "release_hold",
    "set_overdraft", "settle_instruction", "simulate_bank",
]
