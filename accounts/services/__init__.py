"""Every write to employers, depositors and fund accounts (DOMAIN.md §1.7), one module per use-case group:
employers, depositors, fund_accounts (opening) and lifecycle (seal, unseal, transfer, merge, close).
The public services are re-exported here, so ``accounts.services.seal_account`` names them."""

from accounts.services.common import validated_id
from accounts.services.depositors import link_spouses, register_depositor
from accounts.services.employers import change_employer, close_employer, link_employer_agent, register_employer
from accounts.services.fund_accounts import open_account, open_account_for_person, open_ledger_account
from accounts.services.lifecycle import close_account, merge_accounts, seal_account, transfer_account, unseal_account
from accounts.services.portal_passwords import request_password_reset, reset_password
from accounts.services.registrations import approve_registration, refuse_registration, submit_registration

__all__ = [
    "approve_registration", "change_employer", "close_account", "close_employer", "link_employer_agent",
    "link_spouses", "merge_accounts", "open_account", "open_account_for_person", "open_ledger_account",
    "refuse_registration", "register_depositor", "register_employer", "request_password_reset", "reset_password",
    "seal_account", "submit_registration", "transfer_account", "unseal_account", "validated_id",
]
