from django.urls import path

from deposits.api import views

urlpatterns = [
    path("employer/remittances/", views.RemittanceCreate.as_view(), name="api-remittance-create"),
    path("employer/remittances/<str:reference>/", views.RemittanceDetail.as_view(), name="api-remittance"),
    path("employer/remittances/<str:reference>/lines/", views.RemittanceLines.as_view(), name="api-remittance-lines"),
    path("employer/remittances/<str:reference>/confirm/", views.RemittanceConfirm.as_view(),
         name="api-remittance-confirm"),
]
