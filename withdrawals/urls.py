from django.urls import path

from withdrawals.views import applications as views

app_name = "withdrawals"
urlpatterns = [
    path("withdrawals/", views.queue, name="queue"),
    path("withdrawals/new/", views.new, name="new"),
    path("withdrawals/preview/", views.preview, name="preview"),
    path("withdrawals/<str:number>/", views.case, name="case"),
    path("withdrawals/<str:number>/documents/<int:pk>/", views.document, name="document"),
    path("withdrawals/<str:number>/fraud/", views.fraud, name="fraud"),
    path("withdrawals/<str:number>/recovery/", views.recovery_receipt, name="recovery_receipt"),
    path("withdrawals/<str:number>/<str:action>/", views.act, name="act"),
]
