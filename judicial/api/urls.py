from core import roles
from core.access import api
from judicial.api import views

urlpatterns = [
    api("judicial/requests/", views.Requests, name="api-judicial-requests", allow=(roles.COURT_CLIENT,)),
    api("judicial/requests/<str:number>/", views.RequestReceipt, name="api-judicial-receipt",
        allow=(roles.COURT_CLIENT,)),
]
