from django.contrib.auth.views import LogoutView
from django.urls import path

from portal.views import auth, depositor, deposits, employer

app_name = "portal"
urlpatterns = [
    path("portal/login/", auth.DepositorLoginView.as_view(), name="login"),
    path("portal/logout/", LogoutView.as_view(next_page="/portal/login/"), name="logout"),
    path("portal/", depositor.home, name="home"),
    path("portal/profile/", depositor.profile, name="profile"),
    path("portal/accounts/<str:number>/deposits/", depositor.deposits, name="deposits"),
    path("portal/accounts/<str:number>/interest/", depositor.interest, name="interest"),
    path("employer/login/", auth.EmployerLoginView.as_view(), name="employer_login"),
    path("employer/logout/", LogoutView.as_view(next_page="/employer/login/"), name="employer_logout"),
    path("employer/", employer.employer_home, name="employer_home"),
    path("employer/remittances/new/", employer.employer_generate, name="employer_generate"),
    path("employer/remittances/<str:reference>/", employer.employer_remittance, name="employer_remittance"),
    path("employer/remittances/<str:reference>/template/", employer.employer_template, name="employer_template"),
    path("employer/remittances/<str:reference>/upload/", employer.employer_upload, name="employer_upload"),
    path("employer/remittances/<str:reference>/line/", employer.employer_line, name="employer_line"),
    path("employer/remittances/<str:reference>/confirm/", employer.employer_confirm, name="employer_confirm"),
    path("employer/deferrals/", deposits.employer_deferrals, name="employer_deferrals"),
    path("employer/deferrals/<int:pk>/", deposits.employer_deferral, name="employer_deferral"),
    path("employer/deferrals/<int:pk>/evidence/", deposits.employer_deferral_evidence,
         name="employer_deferral_evidence"),
    path("employer/bases/", deposits.employer_bases, name="employer_bases"),
    path("employer/bases/template/", deposits.employer_base_template, name="employer_base_template"),
    path("employer/bases/<int:pk>/", deposits.employer_base, name="employer_base"),
    path("portal/flexible/", deposits.flexible, name="flexible"),
]
