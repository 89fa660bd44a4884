from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core import roles


class StaffLoginView(LoginView):
    template_name = "core/login.html"
    redirect_authenticated_user = True


@require_POST
def logout_view(request):
    logout(request)
    return redirect("core:login")


@login_required
def home(request):
    if not roles.is_staff_user(request.user):
        return render(request, "core/no_access.html", status=403)
    return render(request, "core/home.html")
