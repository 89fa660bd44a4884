from core import roles
from core.access import page
from ledger.views import reconciliation, settings, statements

READERS = (roles.FINANCE, roles.AUDITOR, roles.SYSADMIN)
SETTING_ROLES = (roles.FINANCE, roles.SYSADMIN)  # ledger.services.SETTING_ROLES

app_name = "ledger"
urlpatterns = [
    page("reconciliation/", reconciliation.reconciliation, name="reconciliation",
         allow=(roles.FINANCE, roles.AUDITOR, roles.SYSADMIN)),
    page("reconciliation/progress/", reconciliation.reconciliation_progress, name="reconciliation_progress",
         allow=READERS),
    page("ageing/", reconciliation.ageing_report, name="ageing", allow=READERS),
    page("statements/", statements.statements, name="statements", allow=(roles.FINANCE, roles.AUDITOR, roles.SYSADMIN)),
    page("statements/<int:pk>/confirm/", statements.statement_confirm, name="statement_confirm",
         allow=(roles.FINANCE,)),  # ledger.services.CONFIRM_ROLES
    page("settings/", settings.setting_changes, name="setting_changes", allow=READERS),
    page("settings/overdraft/", settings.request_overdraft, name="request_overdraft", allow=SETTING_ROLES),
    page("settings/opening-balance/", settings.request_opening_balance, name="request_opening_balance",
         allow=SETTING_ROLES),
    page("settings/<int:pk>/confirm/", settings.confirm, name="setting_change_confirm", allow=SETTING_ROLES),
    page("settings/<int:pk>/reject/", settings.reject, name="setting_change_reject", allow=SETTING_ROLES),
]
