"""The depositor's withdrawal pages under /portal/ (their own URL namespace, ``withdrawals_portal``)."""

from django.urls import path

from portal.views import withdrawals as views

app_name = "withdrawals_portal"
urlpatterns = [
    path("withdrawals/", views.my_withdrawals, name="list"),
    path("withdrawals/apply/", views.apply, name="apply"),
    path("withdrawals/preview/", views.preview, name="preview"),
    path("withdrawals/<str:number>/cancel/", views.cancel, name="cancel"),
    path("standing/new/", views.standing_new, name="standing_new"),
    path("standing/<int:pk>/stop/", views.standing_stop, name="standing_stop"),
]
