from django.urls import path

from ledger import views

app_name = "ledger"
urlpatterns = [
    path("reconciliation/", views.reconciliation, name="reconciliation"),
]
