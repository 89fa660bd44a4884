from django.urls import path

from withdrawals import views

app_name = "withdrawals"
urlpatterns = [
    path("withdrawals/", views.queue, name="queue"),
    path("withdrawals/new/", views.new, name="new"),
    path("withdrawals/<str:number>/", views.case, name="case"),
    path("withdrawals/<str:number>/<str:action>/", views.act, name="act"),
]
