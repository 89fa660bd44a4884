from core.access import page
from judicial.selectors import WORKBENCH_ROLES
from judicial.views import workbench

app_name = "judicial"
urlpatterns = [
    page("", workbench.workbench, name="workbench", allow=WORKBENCH_ROLES),
]
