"""Staff pages of documents (/counter/documents/): certificates (issue at the counter, read, download, revoke),
the annual statement runs, the auditor's exports."""

from core import roles
from core.access import page
from documents.selectors import AUDIT_ROLES, RUN_READ_ROLES, RUN_START_ROLES
from documents.services.certificates import ISSUE_ROLES, REVOKE_ROLES
from documents.services.statement_pdfs import PDF_ROLES
from documents.views import audit, statement_pdfs, statements
from documents.views import certificates as views

app_name = "documents"
urlpatterns = [
    page("accounts/<str:number>/certificates/new/", views.issue, name="issue", allow=ISSUE_ROLES),
    page("certificates/<int:pk>/", views.detail, name="certificate", allow=roles.STAFF_ROLES),
    page("certificates/<int:pk>/pdf/", views.download, name="pdf", allow=roles.STAFF_ROLES),
    page("certificates/<int:pk>/revoke/", views.revoke, name="revoke", allow=REVOKE_ROLES),
    page("statements/", statements.runs, name="statement_runs", allow=RUN_READ_ROLES),
    page("statements/progress/", statements.progress, name="statement_progress", allow=RUN_READ_ROLES),
    page("statements/build/", statements.start, name="statement_build", allow=RUN_START_ROLES),
    page("accounts/<str:number>/statement/", statement_pdfs.account_statement, name="account_statement",
         allow=PDF_ROLES),
    page("accounts/<str:number>/statement/pdf/", statement_pdfs.account_statement_pdf, name="account_statement_pdf",
         allow=PDF_ROLES),
    page("statements/zips/", statement_pdfs.zips, name="statement_zips", allow=PDF_ROLES),
    page("statements/zips/<int:pk>/", statement_pdfs.zip_detail, name="statement_zip", allow=PDF_ROLES),
    page("statements/zips/<int:pk>/progress/", statement_pdfs.zip_progress, name="statement_zip_progress",
         allow=PDF_ROLES),
    page("statements/zips/<int:pk>/download/", statement_pdfs.zip_download, name="statement_zip_download",
         allow=PDF_ROLES),
    page("audit/", audit.audit, name="audit", allow=AUDIT_ROLES),
    page("audit/journal/", audit.journal, name="audit_journal", allow=AUDIT_ROLES),
    page("audit/reconciliation/", audit.reconciliation, name="audit_reconciliation", allow=AUDIT_ROLES),
    page("audit/judicial-deductions/", audit.judicial_register, name="audit_judicial", allow=AUDIT_ROLES),
    page("audit/certificates/", audit.certificate_register, name="audit_certificates", allow=AUDIT_ROLES),
    page("audit/statements/", audit.statement_register, name="audit_statements", allow=AUDIT_ROLES),
]
