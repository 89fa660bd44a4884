"""The depositor's withdrawal pages under /portal/ (their own URL namespace, ``withdrawals_portal``)."""


from core import roles
from core.access import page
from portal.views import cases
from portal.views import withdrawals as views

DEPOSITOR = {"allow": (roles.DEPOSITOR,), "login_url": "portal:login"}
app_name = "withdrawals_portal"
urlpatterns = [
    page("withdrawals/", views.my_withdrawals, name="list", **DEPOSITOR),
    page("withdrawals/apply/", views.apply, name="apply", **DEPOSITOR),
    page("withdrawals/preview/", views.preview, name="preview", **DEPOSITOR),
    page("withdrawals/<str:number>/", cases.withdrawal, name="detail", **DEPOSITOR),
    page("withdrawals/<str:number>/documents/<int:pk>/", cases.withdrawal_document, name="document", **DEPOSITOR),
    page("withdrawals/<str:number>/documents/", cases.withdrawal_add_document, name="add_document", **DEPOSITOR),
    page("withdrawals/<str:number>/resubmit/", cases.withdrawal_resubmit, name="resubmit", **DEPOSITOR),
    page("withdrawals/<str:number>/cancel/", views.cancel, name="cancel", **DEPOSITOR),
    page("standing/new/", views.standing_new, name="standing_new", **DEPOSITOR),
    page("standing/<int:pk>/stop/", views.standing_stop, name="standing_stop", **DEPOSITOR),
]
