from django.urls import path

from core.views import auth, home

app_name = "core"
urlpatterns = [
    path("", home.home, name="home"),
    path("login/", auth.StaffLoginView.as_view(), name="login"),
    path("logout/", auth.logout_view, name="logout"),
]
