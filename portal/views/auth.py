"""Portal login for depositors and employer agents, and the role checks every portal page uses."""

from functools import wraps

from django.contrib.auth.views import LoginView, redirect_to_login
from django.core.exceptions import PermissionDenied

from core import roles
from portal.forms import DepositorLoginForm


def role_required(role, login_url):
    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), login_url)
            if not roles.has_role(request.user, role):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


depositor_required = role_required(roles.DEPOSITOR, "portal:login")
agent_required = role_required(roles.EMPLOYER_AGENT, "portal:employer_login")


class DepositorLoginView(LoginView):
    template_name = "portal/login.html"
    authentication_form = DepositorLoginForm
    redirect_authenticated_user = False
    extra_context = {"portal": "depositor"}

    def get_default_redirect_url(self):
        return "/portal/"


class EmployerLoginView(LoginView):
    template_name = "portal/login.html"
    extra_context = {"portal": "employer"}

    def get_default_redirect_url(self):
        return "/employer/"
