"""The public verification page of issued documents (no login)."""

from core.access import PUBLIC, page
from documents.views import verify

app_name = "verification"
urlpatterns = [
    page("verify/<str:code>/", verify.page, name="page", allow=(PUBLIC,)),
]
