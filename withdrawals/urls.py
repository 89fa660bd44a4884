from core import roles
from core.access import page
from withdrawals.views import applications as views
from withdrawals.views import loan_offset

app_name = "withdrawals"
urlpatterns = [
    page("withdrawals/", views.queue, name="queue", allow=roles.STAFF_ROLES),
    page("withdrawals/new/", views.new, name="new", allow=(roles.CLERK,)),
    page("withdrawals/preview/", views.preview, name="preview", allow=(roles.CLERK,)),
    page("withdrawals/loan-offset/", loan_offset.loan_offset, name="loan_offset",
         allow=(roles.CLERK, roles.LOAN_OFFICER)),
    page("withdrawals/<str:number>/", views.case, name="case", allow=roles.STAFF_ROLES),
    page("withdrawals/<str:number>/documents/<int:pk>/", views.document, name="document", allow=roles.STAFF_ROLES),
    page("withdrawals/<str:number>/fraud/", views.fraud, name="fraud", allow=(roles.REVIEWER, roles.APPROVER)),
    page("withdrawals/<str:number>/recovery/", views.recovery_receipt, name="recovery_receipt", allow=(roles.FINANCE,)),
    page("withdrawals/<str:number>/<str:action>/", views.act, name="act",
         allow=(roles.CLERK, roles.REVIEWER, roles.APPROVER, roles.FINANCE)),
]
