from core import roles
from core.access import page
from judicial.selectors import REGISTER_ROLES, WORKBENCH_ROLES
from judicial.services.risk import LETTER_ROLES, REVIEW_ROLES
from judicial.views import counter, handling, risk, workbench

app_name = "judicial"
urlpatterns = [
    page("", workbench.workbench, name="workbench", allow=WORKBENCH_ROLES),
    page("requests/<int:pk>/", handling.detail, name="request", allow=WORKBENCH_ROLES),
    page("requests/<int:pk>/receipt/", handling.receipt, name="receipt", allow=WORKBENCH_ROLES),
    page("requests/<int:pk>/<slug:action>/", handling.act, name="act", allow=(roles.JUDICIAL_OFFICER,)),
    page("paper/new/", counter.paper_new, name="paper_new", allow=(roles.JUDICIAL_OFFICER,)),
    page("paper/<int:pk>/", counter.paper_detail, name="paper", allow=WORKBENCH_ROLES),
    page("documents/<int:pk>/", counter.document, name="document", allow=WORKBENCH_ROLES),
    page("deductions/", risk.register, name="register", allow=REGISTER_ROLES),
    page("deductions/statistics/", risk.statistics, name="statistics", allow=REGISTER_ROLES),
    page("deductions/<int:pk>/", risk.case, name="risk_case", allow=REGISTER_ROLES),
    page("deductions/<int:pk>/review/", risk.review, name="risk_review", allow=REVIEW_ROLES),
    page("deductions/<int:pk>/letter/", risk.letter, name="risk_letter", allow=REGISTER_ROLES),
    page("deductions/<int:pk>/letter/sent/", risk.letter_sent, name="risk_letter_sent", allow=LETTER_ROLES),
    page("deductions/<int:pk>/letter/<str:number>/", risk.letter, name="risk_letter_number",
         allow=REGISTER_ROLES),
]
