from core import roles
from core.access import page
from judicial.selectors import WORKBENCH_ROLES
from judicial.views import counter, handling, workbench

app_name = "judicial"
urlpatterns = [
    page("", workbench.workbench, name="workbench", allow=WORKBENCH_ROLES),
    page("requests/<int:pk>/", handling.detail, name="request", allow=WORKBENCH_ROLES),
    page("requests/<int:pk>/receipt/", handling.receipt, name="receipt", allow=WORKBENCH_ROLES),
    page("requests/<int:pk>/<slug:action>/", handling.act, name="act", allow=(roles.JUDICIAL_OFFICER,)),
    page("paper/new/", counter.paper_new, name="paper_new", allow=(roles.JUDICIAL_OFFICER,)),
    page("paper/<int:pk>/", counter.paper_detail, name="paper", allow=WORKBENCH_ROLES),
    page("documents/<int:pk>/", counter.document, name="document", allow=WORKBENCH_ROLES),
]
