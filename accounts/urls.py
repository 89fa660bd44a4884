from accounts.views import cases, employers, fund_accounts, registrations
from core import roles
from core.access import page

READ, WRITE = roles.READ_ROLES, roles.ACCOUNT_WRITE_ROLES
app_name = "accounts"
urlpatterns: list = [
    page("search/", fund_accounts.search, name="search", allow=READ),
    page("search/results/", fund_accounts.search_results, name="search_results", allow=READ),
    page("cases/", cases.case_search, name="cases", allow=READ),
    page("lookup/employers/", cases.lookup_employers, name="lookup_employers", allow=READ),
    page("lookup/accounts/", cases.lookup_accounts, name="lookup_accounts", allow=READ),
    page("accounts/new/", fund_accounts.account_new, name="account_new", allow=WRITE),
    page("accounts/<str:number>/", fund_accounts.account_detail, name="account", allow=READ),
    page("accounts/<str:number>/seal/", fund_accounts.account_seal, name="account_seal", allow=WRITE),
    page("accounts/<str:number>/unseal/", fund_accounts.account_unseal, name="account_unseal", allow=WRITE),
    page("employers/", employers.employer_list, name="employers", allow=READ),
    page("employer-registrations/", registrations.registration_list, name="registrations", allow=READ),
    page("employer-registrations/<int:pk>/", registrations.registration_detail, name="registration", allow=READ),
    page("employer-registrations/<int:pk>/approve/", registrations.registration_approve,
         name="registration_approve", allow=WRITE),
    page("employer-registrations/<int:pk>/refuse/", registrations.registration_refuse, name="registration_refuse",
         allow=WRITE),
    page("employers/new/", employers.employer_new, name="employer_new", allow=WRITE),
    page("employers/<str:account_number>/", employers.employer_detail, name="employer", allow=READ),
    page("employers/<str:account_number>/edit/", employers.employer_edit, name="employer_edit", allow=WRITE),
    page("employers/<str:account_number>/close/", employers.employer_close, name="employer_close", allow=WRITE),
]
