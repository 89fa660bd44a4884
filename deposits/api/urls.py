from core import roles
from core.access import api
from deposits.api import views

urlpatterns = [
    api("employer/remittances/", views.RemittanceCreate, name="api-remittance-create", allow=(roles.EMPLOYER_AGENT,)),
    api("employer/remittances/<str:reference>/", views.RemittanceDetail, name="api-remittance",
        allow=(roles.EMPLOYER_AGENT,)),
    api("employer/remittances/<str:reference>/lines/", views.RemittanceLines, name="api-remittance-lines",
        allow=(roles.EMPLOYER_AGENT,)),
    api("employer/remittances/<str:reference>/confirm/", views.RemittanceConfirm, name="api-remittance-confirm",
        allow=(roles.EMPLOYER_AGENT,)),
]
