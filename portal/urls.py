from django.contrib.auth.views import LogoutView

from core import roles
from core.access import PUBLIC, page
from portal.views import auth, cases, depositor, deposits, employer, registration

DEPOSITOR = {"allow": (roles.DEPOSITOR,), "login_url": "portal:login"}
AGENT = {"allow": (roles.EMPLOYER_AGENT,), "login_url": "portal:employer_login"}
app_name = "portal"
urlpatterns = [
    page("portal/login/", auth.DepositorLoginView.as_view(), name="login", allow=(PUBLIC,)),
    page("portal/logout/", LogoutView.as_view(next_page="/portal/login/"), name="logout", allow=(PUBLIC,)),
    page("portal/password-reset/", auth.password_reset, name="password_reset", allow=(PUBLIC,)),
    page("portal/password-reset/confirm/", auth.password_reset_confirm, name="password_reset_confirm",
         allow=(PUBLIC,)),
    page("portal/password/", auth.PortalPasswordChangeView.as_view(), name="password_change", **DEPOSITOR),
    page("employer/password/", auth.PortalPasswordChangeView.as_view(), name="employer_password_change", **AGENT),
    page("portal/", depositor.home, name="home", **DEPOSITOR),
    page("portal/profile/", depositor.profile, name="profile", **DEPOSITOR),
    page("portal/messages/", cases.messages, name="messages", **DEPOSITOR),
    page("portal/accounts/<str:number>/deposits/", depositor.deposits, name="deposits", **DEPOSITOR),
    page("portal/accounts/<str:number>/interest/", depositor.interest, name="interest", **DEPOSITOR),
    page("portal/accounts/<str:number>/statement/", depositor.statement, name="statement", **DEPOSITOR),
    page("portal/accounts/<str:number>/statement/pdf/", depositor.statement_pdf, name="statement_pdf", **DEPOSITOR),
    page("employer/login/", auth.EmployerLoginView.as_view(), name="employer_login", allow=(PUBLIC,)),
    page("employer/logout/", LogoutView.as_view(next_page="/employer/login/"), name="employer_logout", allow=(PUBLIC,)),
    page("employer/register/", registration.register, name="employer_register", allow=(PUBLIC,)),
    page("employer/register/sent/", registration.registered, name="employer_registered", allow=(PUBLIC,)),
    page("employer/", employer.employer_home, name="employer_home", **AGENT),
    page("employer/employees/<str:number>/seal/", employer.employer_seal, name="employer_seal", **AGENT),
    page("employer/remittances/new/", employer.employer_generate, name="employer_generate", **AGENT),
    page("employer/remittances/<str:reference>/", employer.employer_remittance, name="employer_remittance", **AGENT),
    page("employer/remittances/<str:reference>/template/", employer.employer_template, name="employer_template",
         **AGENT),
    page("employer/remittances/<str:reference>/upload/", employer.employer_upload, name="employer_upload", **AGENT),
    page("employer/remittances/<str:reference>/upload/progress/", employer.employer_upload_progress,
         name="employer_upload_progress", **AGENT),
    page("employer/remittances/<str:reference>/line/", employer.employer_line, name="employer_line", **AGENT),
    page("employer/remittances/<str:reference>/confirm/", employer.employer_confirm, name="employer_confirm", **AGENT),
    page("employer/deferrals/", deposits.employer_deferrals, name="employer_deferrals", **AGENT),
    page("employer/deferrals/<int:pk>/", deposits.employer_deferral, name="employer_deferral", **AGENT),
    page("employer/deferrals/<int:pk>/evidence/", deposits.employer_deferral_evidence,
         name="employer_deferral_evidence", **AGENT),
    page("employer/bases/", deposits.employer_bases, name="employer_bases", **AGENT),
    page("employer/bases/template/", deposits.employer_base_template, name="employer_base_template", **AGENT),
    page("employer/bases/<int:pk>/", deposits.employer_base, name="employer_base", **AGENT),
    page("portal/flexible/", deposits.flexible, name="flexible", **DEPOSITOR),
]
