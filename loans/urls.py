from core import roles
from core.access import page
from loans.views import applications as views
from loans.views import debits as debit_views
from loans.views import disbursement, repayments
from loans.views import overdue as overdue_views

DECIDERS = (roles.LOAN_OFFICER, roles.REVIEWER, roles.APPROVER)
app_name = "loans"
DEBIT_ROLES = (roles.FINANCE,)
urlpatterns = [
    page("loans/debits/", debit_views.runs, name="debit_runs", allow=(*DEBIT_ROLES, roles.AUDITOR)),
    page("loans/debits/result/", debit_views.result, name="debit_result", allow=DEBIT_ROLES),
    page("loans/debits/confirm/<int:pk>/", debit_views.confirm, name="debit_statement_confirm", allow=DEBIT_ROLES),
    page("loans/debits/run/", debit_views.run, name="debit_run", allow=(*DEBIT_ROLES, roles.AUDITOR)),
    page("loans/debits/orders/", debit_views.orders, name="debit_orders", allow=DEBIT_ROLES),
    page("loans/overdue/", overdue_views.dashboard, name="overdue", allow=roles.STAFF_ROLES),
    page("loans/overdue/progress/", overdue_views.progress, name="overdue_progress", allow=roles.STAFF_ROLES),
    page("loans/overdue/close/", overdue_views.start, name="overdue_close", allow=overdue_views.RUN_ROLES),
    page("loans/overdue/credit-report/", overdue_views.credit_report, name="credit_report",
         allow=(roles.FINANCE,)),
    page("loans/collection/", overdue_views.workbench, name="collection", allow=roles.STAFF_ROLES),
    page("loans/collection/<str:number>/", overdue_views.case, name="collection_case", allow=roles.STAFF_ROLES),
    page("loans/collection/<str:number>/record/", overdue_views.record, name="collection_record",
         allow=(roles.LOAN_OFFICER, roles.FINANCE)),
    page("loans/collection/<str:number>/request/", overdue_views.request_action, name="collection_request",
         allow=(roles.LOAN_OFFICER,)),
    page("loans/collection/<str:number>/decide/<int:pk>/", overdue_views.decide, name="collection_decide",
         allow=(roles.APPROVER,)),
    page("loans/", views.queue, name="queue", allow=roles.STAFF_ROLES),
    page("loans/new/", views.new, name="new", allow=(roles.LOAN_OFFICER,)),
    page("loans/lookup/", views.lookup, name="lookup", allow=(roles.LOAN_OFFICER,)),
    page("loans/contracts/<str:number>/", views.contract, name="contract", allow=roles.STAFF_ROLES),
    page("loans/contracts/<str:number>/repayment/", repayments.repayment, name="repayment",
         allow=(roles.FINANCE, roles.LOAN_OFFICER)),
    page("loans/contracts/<str:number>/release/", repayments.release, name="release", allow=(roles.LOAN_OFFICER,)),
    page("loans/contracts/<str:number>/disburse/", disbursement.disburse, name="disburse", allow=(roles.FINANCE,)),
    page("loans/contracts/<str:number>/paid/", disbursement.confirm, name="disbursed", allow=(roles.FINANCE,)),
    page("loans/contracts/<str:number>/failed/", disbursement.fail, name="disbursement_failed", allow=(roles.FINANCE,)),
    page("loans/<str:number>/", views.case, name="case", allow=roles.STAFF_ROLES),
    page("loans/<str:number>/edit/", views.edit, name="edit", allow=(roles.LOAN_OFFICER,)),
    page("loans/<str:number>/assess/", views.assess, name="assess", allow=DECIDERS),
    page("loans/<str:number>/sign/", views.sign, name="sign", allow=(roles.LOAN_OFFICER,)),
    page("loans/<str:number>/documents/", views.upload, name="upload", allow=(roles.LOAN_OFFICER,)),
    page("loans/<str:number>/documents/<int:pk>/", views.document, name="document", allow=roles.STAFF_ROLES),
    page("loans/<str:number>/<str:action>/", views.act, name="act", allow=DECIDERS),
]
