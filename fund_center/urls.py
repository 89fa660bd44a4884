from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from core.access import PUBLIC, page
from core.views import display

urlpatterns = [
    page("", RedirectView.as_view(pattern_name="core:home", permanent=False), name="root", allow=(PUBLIC,)),
    path("i18n/", include("django.conf.urls.i18n")),
    page("display/elderly/", display.elderly_mode, name="elderly_mode", allow=(PUBLIC,)),
    path("admin/", admin.site.urls),
    path("counter/", include("core.urls")),
    path("counter/", include("accounts.urls")),
    path("counter/ledger/", include("ledger.urls")),
    path("counter/deposits/", include("deposits.urls")),
    path("counter/", include("withdrawals.urls")),
    path("counter/", include("loans.urls")),
    path("counter/judicial/", include("judicial.urls")),
    path("counter/documents/", include("documents.urls")),
    path("portal/", include("portal.withdrawal_urls")),
    path("portal/", include("portal.loan_urls")),
    path("portal/", include("portal.certificate_urls")),
    path("", include("documents.public_urls")),
    path("", include("portal.urls")),
    path("api/v1/", include("fund_center.api_urls")),
    page("api/schema/", SpectacularAPIView.as_view(), name="schema", allow=(PUBLIC,)),
    # Swagger UI's script is a file (the split view), but it injects <style> elements: allowed on this page only.
    page("api/docs/", csp_update({"style-src-elem": ["'unsafe-inline'"]})(
        SpectacularSwaggerSplitView.as_view(url_name="schema")), name="api-docs", allow=(PUBLIC,)),
]
# Uploaded documents are never served from MEDIA_URL, in any mode: only through the pages that check who may see
# them (e.g. withdrawals.views.applications.document), as attachments.
