"""The documents services: issuing and revoking certificates, the electronic archive."""

from documents.services.archive import append as archive_document
from documents.services.archive import verify_chain
from documents.services.certificates import check_upload, issue, log_verification, matches, pdf_bytes, revoke
from documents.services.statements import build_statements, plan_statements, start_statements

__all__ = ["archive_document", "check_upload", "issue", "log_verification", "matches", "pdf_bytes", "revoke",
           "verify_chain", "build_statements", "plan_statements", "start_statements"]
