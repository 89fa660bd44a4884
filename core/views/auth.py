"""Staff login and logout, the second factor (TOTP) and the password change."""

import base64

import segno
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import LoginView, PasswordChangeView
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import audit


class StaffLoginView(LoginView):
    template_name = "core/login.html"
    redirect_authenticated_user = True


@require_POST
def logout_view(request):
    logout(request)
    return redirect("core:login")


def _safe_next(request, default="core:home"):
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target[:500]
    return resolve_url(default)


def two_factor(request):
    """The second factor: set up an authenticator app (QR code, key and otpauth URL of a new TOTP device, confirmed
    by its first code) or, with a device, enter its current code."""
    from django_otp import login as otp_login
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if not request.user.is_authenticated:
        return redirect("core:login")
    if request.user.is_verified():
        return redirect(_safe_next(request))
    confirmed = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    device = confirmed or TOTPDevice.objects.filter(user=request.user, confirmed=False).first() or \
        TOTPDevice.objects.create(user=request.user, name=_("Authenticator app"), confirmed=False)
    error = ""
    if request.method == "POST":
        token = "".join((request.POST.get("token") or "").split())[:12]
        if token.isdigit() and len(token) == 6 and device.verify_token(token):
            if not device.confirmed:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                audit.record(actor=request.user, action="staff.two_factor.setup", obj=request.user)
            otp_login(request, device)
            audit.record(actor=request.user, action="staff.two_factor.verify", obj=request.user)
            return redirect(_safe_next(request))
        error = _("The code is wrong or has expired; enter the 6 digits your authenticator app shows now.")
    context = {"setup": not device.confirmed, "error": error, "next": _safe_next(request)}
    if not device.confirmed:
        url = device.config_url
        context.update(otpauth_url=url, secret=base64.b32encode(device.bin_key).decode(),
                       qr_svg=segno.make(url, error="m").svg_inline(scale=4))
    return render(request, "core/two_factor.html", context, status=400 if error else 200)


class StaffPasswordChangeView(PasswordChangeView):
    template_name = "core/password_change.html"
    success_url = reverse_lazy("core:home")

    def form_valid(self, form):
        response = super().form_valid(form)
        audit.record(actor=self.request.user, action="staff.password.change", obj=self.request.user)
        messages.success(self.request, _("Your password has been changed."))
        return response
