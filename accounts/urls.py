from django.urls import path

from accounts.views import employers, fund_accounts

app_name = "accounts"
urlpatterns: list = [
    path("search/", fund_accounts.search, name="search"),
    path("search/results/", fund_accounts.search_results, name="search_results"),
    path("accounts/new/", fund_accounts.account_new, name="account_new"),
    path("accounts/<str:number>/", fund_accounts.account_detail, name="account"),
    path("accounts/<str:number>/seal/", fund_accounts.account_seal, name="account_seal"),
    path("accounts/<str:number>/unseal/", fund_accounts.account_unseal, name="account_unseal"),
    path("employers/", employers.employer_list, name="employers"),
    path("employers/new/", employers.employer_new, name="employer_new"),
    path("employers/<str:account_number>/", employers.employer_detail, name="employer"),
    path("employers/<str:account_number>/edit/", employers.employer_edit, name="employer_edit"),
    path("employers/<str:account_number>/close/", employers.employer_close, name="employer_close"),
]
