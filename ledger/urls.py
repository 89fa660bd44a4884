from django.urls import path

from ledger.views import reconciliation

app_name = "ledger"
urlpatterns = [
    path("reconciliation/", reconciliation.reconciliation, name="reconciliation"),
]
