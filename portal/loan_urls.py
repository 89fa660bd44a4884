"""The depositor's loan pages under /portal/ (their own URL namespace, ``loans_portal``); the calculator is
public."""

from core import roles
from core.access import PUBLIC, page
from portal.views import loans as views

DEPOSITOR = {"allow": (roles.DEPOSITOR,), "login_url": "portal:login"}
app_name = "loans_portal"
urlpatterns = [
    page("loans/calculator/", views.calculator, name="calculator", allow=(PUBLIC,)),
    page("loans/", views.my_loans, name="list", **DEPOSITOR),
    page("loans/apply/", views.apply, name="apply", **DEPOSITOR),
    page("loans/contracts/<str:number>/", views.my_loan, name="contract", **DEPOSITOR),
    page("loans/contracts/<str:number>/fund/", views.fund_repay, name="fund_repay", **DEPOSITOR),
    page("loans/contracts/<str:number>/prepay/", views.prepayment, name="prepayment", **DEPOSITOR),
    page("loans/contracts/<str:number>/prepay/<int:pk>/cancel/", views.prepayment_cancel, name="prepayment_cancel",
         **DEPOSITOR),
    page("loans/<str:number>/", views.detail, name="detail", **DEPOSITOR),
    page("loans/<str:number>/edit/", views.apply, name="edit", **DEPOSITOR),
    page("loans/<str:number>/submit/", views.submit, name="submit", **DEPOSITOR),
    page("loans/<str:number>/resubmit/", views.resubmit, name="resubmit", **DEPOSITOR),
    page("loans/<str:number>/cancel/", views.cancel, name="cancel", **DEPOSITOR),
    page("loans/<str:number>/documents/", views.upload, name="upload", **DEPOSITOR),
    page("loans/<str:number>/documents/<int:pk>/", views.document, name="document", **DEPOSITOR),
]
