from django.urls import path

from deposits import more_views, views

app_name = "deposits"
urlpatterns = [
    path("remittances/", views.remittance_list, name="remittances"),
    path("remittances/<str:reference>/", views.remittance_detail, name="remittance"),
    path("remittances/<str:reference>/download/", views.remittance_download, name="remittance_download"),
    path("remittances/<str:reference>/upload/", views.remittance_upload, name="remittance_upload"),
    path("remittances/<str:reference>/line/", views.remittance_line, name="remittance_line"),
    path("remittances/<str:reference>/line/remove/", views.remittance_remove_line, name="remittance_remove_line"),
    path("remittances/<str:reference>/confirm/", views.remittance_confirm, name="remittance_confirm"),
    path("remittances/<str:reference>/cancel/", views.remittance_cancel, name="remittance_cancel"),
    path("remittances/<str:reference>/pay/", views.remittance_pay, name="remittance_pay"),
    path("remittances/<str:reference>/allocate/", views.remittance_allocate, name="remittance_allocate"),
    path("remittances/<str:reference>/reverse/", views.remittance_reverse, name="remittance_reverse"),
    path("employers/<str:account_number>/generate/", views.employer_generate, name="employer_generate"),
    path("employers/<str:account_number>/supplementary/", views.employer_supplementary,
         name="employer_supplementary"),
    path("bank/", views.bank, name="bank"),
    path("bank/import/", views.bank_import, name="bank_import"),
    path("bank/match/", views.bank_match, name="bank_match"),
    path("bank/lines/<int:pk>/suspense/", views.bank_suspense, name="bank_suspense"),
    path("arrears/", more_views.arrears, name="arrears"),
    path("arrears/detect/", more_views.arrears_detect, name="arrears_detect"),
    path("deferrals/", more_views.deferral_queue, name="deferrals"),
    path("deferrals/<int:pk>/", more_views.deferral_case, name="deferral"),
    path("deferrals/<int:pk>/evidence/", more_views.deferral_evidence, name="deferral_evidence"),
    path("deferrals/<int:pk>/review/", more_views.deferral_review, name="deferral_review"),
    path("deferrals/<int:pk>/approve/", more_views.deferral_approve, name="deferral_approve"),
    path("deferrals/<int:pk>/reject/", more_views.deferral_reject, name="deferral_reject"),
    path("flexible/", more_views.flexible, name="flexible"),
    path("flexible/register/", more_views.flexible_register, name="flexible_register"),
    path("flexible/deposit/", more_views.flexible_deposit, name="flexible_deposit"),
    path("base-adjustments/", more_views.base_adjustments, name="base_adjustments"),
    path("base-adjustments/<int:pk>/", more_views.base_adjustment, name="base_adjustment"),
]
