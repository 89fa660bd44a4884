"""The depositor's certificates under /portal/ (their own URL namespace, ``certificates_portal``)."""

from core import roles
from core.access import page
from portal.views import certificates as views

DEPOSITOR = {"allow": (roles.DEPOSITOR,), "login_url": "portal:login"}
app_name = "certificates_portal"
urlpatterns = [
    page("certificates/", views.certificates, name="list", **DEPOSITOR),
    page("certificates/<int:pk>/pdf/", views.download, name="pdf", **DEPOSITOR),
]
