from django.contrib.auth.views import LogoutView
from django.urls import path

from portal import deposit_views, views

app_name = "portal"
urlpatterns = [
    path("portal/login/", views.DepositorLoginView.as_view(), name="login"),
    path("portal/logout/", LogoutView.as_view(next_page="/portal/login/"), name="logout"),
    path("portal/", views.home, name="home"),
    path("portal/profile/", views.profile, name="profile"),
    path("portal/accounts/<str:number>/deposits/", views.deposits, name="deposits"),
    path("portal/accounts/<str:number>/interest/", views.interest, name="interest"),
    path("employer/login/", views.EmployerLoginView.as_view(), name="employer_login"),
    path("employer/logout/", LogoutView.as_view(next_page="/employer/login/"), name="employer_logout"),
    path("employer/", views.employer_home, name="employer_home"),
    path("employer/remittances/new/", views.employer_generate, name="employer_generate"),
    path("employer/remittances/<str:reference>/", views.employer_remittance, name="employer_remittance"),
    path("employer/remittances/<str:reference>/template/", views.employer_template, name="employer_template"),
    path("employer/remittances/<str:reference>/upload/", views.employer_upload, name="employer_upload"),
    path("employer/remittances/<str:reference>/line/", views.employer_line, name="employer_line"),
    path("employer/remittances/<str:reference>/confirm/", views.employer_confirm, name="employer_confirm"),
    path("employer/deferrals/", deposit_views.employer_deferrals, name="employer_deferrals"),
    path("employer/deferrals/<int:pk>/", deposit_views.employer_deferral, name="employer_deferral"),
    path("employer/deferrals/<int:pk>/evidence/", deposit_views.employer_deferral_evidence,
         name="employer_deferral_evidence"),
    path("employer/bases/", deposit_views.employer_bases, name="employer_bases"),
    path("employer/bases/template/", deposit_views.employer_base_template, name="employer_base_template"),
    path("employer/bases/<int:pk>/", deposit_views.employer_base, name="employer_base"),
    path("portal/flexible/", deposit_views.flexible, name="flexible"),
]
