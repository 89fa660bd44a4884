from django.urls import path

from withdrawals.api import views

urlpatterns = [
    path("depositor/withdrawals/", views.MyApplications.as_view(), name="api-my-withdrawals"),
    path("depositor/withdrawals/<str:number>/", views.MyApplication.as_view(), name="api-my-withdrawal"),
]
