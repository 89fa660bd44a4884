from core import roles
from core.access import page
from ledger.views import reconciliation

app_name = "ledger"
urlpatterns = [
    page("reconciliation/", reconciliation.reconciliation, name="reconciliation",
         allow=(roles.FINANCE, roles.AUDITOR, roles.SYSADMIN)),
]
