from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns: list = [
    path("search/", views.search, name="search"),
    path("search/results/", views.search_results, name="search_results"),
    path("accounts/new/", views.account_new, name="account_new"),
    path("accounts/<str:number>/", views.account_detail, name="account"),
    path("accounts/<str:number>/seal/", views.account_seal, name="account_seal"),
    path("accounts/<str:number>/unseal/", views.account_unseal, name="account_unseal"),
    path("employers/", views.employer_list, name="employers"),
    path("employers/new/", views.employer_new, name="employer_new"),
    path("employers/<str:account_number>/", views.employer_detail, name="employer"),
    path("employers/<str:account_number>/edit/", views.employer_edit, name="employer_edit"),
    path("employers/<str:account_number>/close/", views.employer_close, name="employer_close"),
]
