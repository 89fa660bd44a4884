"""Portal login for depositors and employer agents. (Who may open a portal page is declared with its URL, in
``portal/urls.py``.)"""


from django.contrib import messages
from django.contrib.auth.views import LoginView, PasswordChangeView
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts import services as account_services
from core import audit
from core.errors import ApplicationError
from portal.forms import DepositorLoginForm, PasswordResetConfirmForm, PasswordResetRequestForm


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


RESET_SESSION_KEY = "portal_password_reset_id"


def password_reset(request):
    """Step 1: the ID number and the mobile phone on record; a code goes by SMS (the same answer either way)."""
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        account_services.request_password_reset(id_number=form.cleaned_data["id_number"],
                                                phone=form.cleaned_data["phone"])
        request.session[RESET_SESSION_KEY] = form.cleaned_data["id_number"].strip().upper()
        messages.info(request, _("If the ID number and the mobile phone match our records, a code has been sent by "
                                 "SMS."))
        return redirect("portal:password_reset_confirm")
    return render(request, "portal/password_reset.html", {"form": form, "step": "request"})


def password_reset_confirm(request):
    """Step 2: the code and the new password."""
    id_number = request.session.get(RESET_SESSION_KEY)
    if not id_number:
        return redirect("portal:password_reset")
    form = PasswordResetConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account_services.reset_password(id_number=id_number, code=form.cleaned_data["code"],
                                            new_password=form.cleaned_data["new_password1"])
        except ApplicationError as exc:
            for field, errors in (exc.fields or {}).items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            request.session.pop(RESET_SESSION_KEY, None)
            messages.success(request, _("Your password has been changed; log in with the new one."))
            return redirect("portal:login")
    return render(request, "portal/password_reset.html", {"form": form, "step": "confirm"},
                  status=400 if form.errors else 200)


class PortalPasswordChangeView(PasswordChangeView):
    """A depositor or an employer agent changes their own password."""

    template_name = "core/password_change.html"

    def get_success_url(self):
        return "/employer/" if self.request.path.startswith("/employer/") else "/portal/"

    def form_valid(self, form):
        response = super().form_valid(form)
        audit.record(actor=self.request.user, action="portal.password.change", obj=self.request.user)
        messages.success(self.request, _("Your password has been changed."))
        return response
