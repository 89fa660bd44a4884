from core import roles
from core.access import api
from withdrawals.api import views

urlpatterns = [
    api("depositor/withdrawals/", views.MyApplications, name="api-my-withdrawals", allow=(roles.DEPOSITOR,)),
    api("depositor/withdrawals/<str:number>/", views.MyApplication, name="api-my-withdrawal", allow=(roles.DEPOSITOR,)),
]
