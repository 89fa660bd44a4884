from core import roles
from core.access import page
from ledger.views import reconciliation, statements

app_name = "ledger"
urlpatterns = [
    page("reconciliation/", reconciliation.reconciliation, name="reconciliation",
         allow=(roles.FINANCE, roles.AUDITOR, roles.SYSADMIN)),
    page("statements/", statements.statements, name="statements", allow=(roles.FINANCE, roles.AUDITOR, roles.SYSADMIN)),
    page("statements/<int:pk>/confirm/", statements.statement_confirm, name="statement_confirm",
         allow=(roles.FINANCE,)),  # ledger.services.CONFIRM_ROLES
]
