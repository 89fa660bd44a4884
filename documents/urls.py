"""Staff pages of certificates (/counter/documents/): issue at the counter, read, download, revoke."""

from core import roles
from core.access import page
from documents.services.certificates import ISSUE_ROLES, REVOKE_ROLES
from documents.views import certificates as views

app_name = "documents"
urlpatterns = [
    page("accounts/<str:number>/certificates/new/", views.issue, name="issue", allow=ISSUE_ROLES),
    page("certificates/<int:pk>/", views.detail, name="certificate", allow=roles.STAFF_ROLES),
    page("certificates/<int:pk>/pdf/", views.download, name="pdf", allow=roles.STAFF_ROLES),
    page("certificates/<int:pk>/revoke/", views.revoke, name="revoke", allow=REVOKE_ROLES),
]
