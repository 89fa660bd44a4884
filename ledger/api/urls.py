from django.urls import path

from ledger.api import views

urlpatterns = [
    path("bank/statement-lines/", views.StatementLineCreate.as_view(), name="api-statement-lines"),
]
