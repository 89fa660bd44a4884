from core import roles
from core.access import PUBLIC, page
from core.views import auth, home

app_name = "core"
urlpatterns = [
    page("", home.home, name="home", allow=roles.STAFF_ROLES),
    page("home/runs/", home.runs, name="home_runs", allow=(roles.FINANCE, roles.AUDITOR, roles.SYSADMIN)),
    page("login/", auth.StaffLoginView.as_view(), name="login", allow=(PUBLIC,)),
    page("logout/", auth.logout_view, name="logout", allow=(PUBLIC,)),
    page("two-factor/", auth.two_factor, name="two_factor", allow=roles.STAFF_ROLES),
    page("password/", auth.StaffPasswordChangeView.as_view(), name="password_change", allow=roles.STAFF_ROLES),
]
