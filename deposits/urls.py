from core import roles
from core.access import page
from deposits.services.flexible import DEPOSIT_ROLES
from deposits.services.remittance import STATEMENT_ROLES
from deposits.views import arrears, bank, base_adjustments, deferrals, flexible, interest, remittances

READ, WRITE = roles.READ_ROLES, roles.ACCOUNT_WRITE_ROLES
app_name = "deposits"
urlpatterns = [
    page("remittances/", remittances.remittance_list, name="remittances", allow=READ),
    page("remittances/<str:reference>/", remittances.remittance_detail, name="remittance", allow=READ),
    page("remittances/<str:reference>/download/", remittances.remittance_download, name="remittance_download",
         allow=READ),
    page("remittances/<str:reference>/upload/", remittances.remittance_upload, name="remittance_upload", allow=WRITE),
    page("remittances/<str:reference>/upload/progress/", remittances.remittance_upload_progress,
         name="remittance_upload_progress", allow=READ),
    page("remittances/<str:reference>/line/", remittances.remittance_line, name="remittance_line", allow=WRITE),
    page("remittances/<str:reference>/line/remove/", remittances.remittance_remove_line, name="remittance_remove_line",
         allow=WRITE),
    page("remittances/<str:reference>/confirm/", remittances.remittance_confirm, name="remittance_confirm",
         allow=WRITE),
    page("remittances/<str:reference>/cancel/", remittances.remittance_cancel, name="remittance_cancel", allow=WRITE),
    page("remittances/<str:reference>/pay/", remittances.remittance_pay, name="remittance_pay", allow=WRITE),
    page("remittances/<str:reference>/allocate/", remittances.remittance_allocate, name="remittance_allocate",
         allow=WRITE),
    page("remittances/<str:reference>/reverse/", remittances.remittance_reverse, name="remittance_reverse",
         allow=WRITE),
    page("employers/<str:account_number>/generate/", remittances.employer_generate, name="employer_generate",
         allow=WRITE),
    page("employers/<str:account_number>/supplementary/", remittances.employer_supplementary,
         name="employer_supplementary", allow=WRITE),
    page("bank/", bank.bank, name="bank", allow=READ),
    page("bank/import/", bank.bank_import, name="bank_import", allow=(roles.FINANCE,)),  # ledger IMPORT_ROLES
    page("bank/import/progress/", bank.bank_import_progress, name="bank_import_progress", allow=(roles.FINANCE,)),
    page("bank/lines/", bank.bank_lines, name="bank_lines", allow=READ),
    page("bank/match/", bank.bank_match, name="bank_match", allow=STATEMENT_ROLES),
    page("bank/match/progress/", bank.bank_match_progress, name="bank_match_progress", allow=STATEMENT_ROLES),
    page("bank/lines/<int:pk>/suspense/", bank.bank_suspense, name="bank_suspense", allow=STATEMENT_ROLES),
    page("arrears/", arrears.arrears, name="arrears", allow=READ),
    page("arrears/detect/", arrears.arrears_detect, name="arrears_detect", allow=WRITE),
    page("deferrals/", deferrals.deferral_queue, name="deferrals", allow=READ),
    page("deferrals/<int:pk>/", deferrals.deferral_case, name="deferral", allow=READ),
    page("deferrals/<int:pk>/evidence/", deferrals.deferral_evidence, name="deferral_evidence", allow=READ),
    page("deferrals/<int:pk>/review/", deferrals.deferral_review, name="deferral_review", allow=(roles.REVIEWER,)),
    page("deferrals/<int:pk>/approve/", deferrals.deferral_approve, name="deferral_approve", allow=(roles.APPROVER,)),
    page("deferrals/<int:pk>/reject/", deferrals.deferral_reject, name="deferral_reject", allow=(roles.REVIEWER,
                                                                                                 roles.APPROVER)),
    page("flexible/", flexible.flexible, name="flexible", allow=DEPOSIT_ROLES),
    page("flexible/register/", flexible.flexible_register, name="flexible_register", allow=WRITE),
    page("flexible/deposit/", flexible.flexible_deposit, name="flexible_deposit", allow=DEPOSIT_ROLES),
    page("base-adjustments/", base_adjustments.base_adjustments, name="base_adjustments", allow=READ),
    page("base-adjustments/<int:pk>/", base_adjustments.base_adjustment, name="base_adjustment", allow=READ),
    page("interest/", interest.settlement, name="interest_settlement", allow=READ),
    page("interest/progress/", interest.settlement_progress, name="interest_progress", allow=READ),
    page("interest/settle/", interest.settlement_start, name="interest_settle", allow=(roles.FINANCE, roles.SYSADMIN)),
    page("accounts/<str:number>/interest/", interest.account_interest, name="account_interest", allow=READ),
]
