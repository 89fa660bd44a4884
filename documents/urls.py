from core.access import page
from documents.selectors import AUDIT_ROLES, RUN_READ_ROLES, RUN_START_ROLES
from documents.views import audit, statements

app_name = "documents"
urlpatterns = [
    page("statements/", statements.runs, name="statement_runs", allow=RUN_READ_ROLES),
    page("statements/progress/", statements.progress, name="statement_progress", allow=RUN_READ_ROLES),
    page("statements/build/", statements.start, name="statement_build", allow=RUN_START_ROLES),
    page("audit/", audit.audit, name="audit", allow=AUDIT_ROLES),
    page("audit/journal/", audit.journal, name="audit_journal", allow=AUDIT_ROLES),
    page("audit/reconciliation/", audit.reconciliation, name="audit_reconciliation", allow=AUDIT_ROLES),
    page("audit/judicial-deductions/", audit.judicial_register, name="audit_judicial", allow=AUDIT_ROLES),
    page("audit/statements/", audit.statement_register, name="audit_statements", allow=AUDIT_ROLES),
]
