"""Judicial services, one module per use-case group: intake (receiving requests), control (maker-checker:
prepare, confirm, refuse), queries, freezes (freeze, renew, unfreeze, waiting queue, expiry) and deductions
(payment to the court, bank results). The public services are re-exported here."""

from judicial.services.control import confirm, prepare, refuse, send_back
from judicial.services.counter import receive_paper_request
from judicial.services.courts import register_court
from judicial.services.deductions import fail_deduction, settle_deduction, sync_bank
from judicial.services.freezes import expire_freezes
from judicial.services.intake import receive_request

__all__ = ["confirm", "expire_freezes", "fail_deduction", "prepare", "receive_paper_request", "receive_request",
           "refuse", "register_court",
           "send_back", "settle_deduction", "sync_bank"]
