"""Portal login for depositors and employer agents. (Who may open a portal page is declared with its URL, in
``portal/urls.py``.)"""


from django.contrib.auth.views import LoginView

from portal.forms import DepositorLoginForm


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
