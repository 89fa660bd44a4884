from django.urls import include, path

urlpatterns = [
    path("", include("ledger.api.urls")),
    path("", include("deposits.api.urls")),
    path("", include("withdrawals.api.urls")),
    path("", include("loans.api.urls")),
    path("", include("judicial.api.urls")),
]
