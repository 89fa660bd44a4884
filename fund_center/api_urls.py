from django.urls import include, path

from core.access import PUBLIC, api
from fund_center.api_index import ApiIndex

urlpatterns = [
    api("", ApiIndex, name="api-index", allow=(PUBLIC,)),
    path("", include("ledger.api.urls")),
    path("", include("deposits.api.urls")),
    path("", include("withdrawals.api.urls")),
    path("", include("loans.api.urls")),
    path("", include("judicial.api.urls")),
]
