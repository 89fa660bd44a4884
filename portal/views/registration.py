"""Online employer registration (public): the form, and the answer with the application's reference. The counter
decides in ``accounts.views.registrations``."""

from axes.helpers import get_client_ip_address
from django.core.exceptions import ValidationError
from django.core.validators import validate_ipv46_address
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts import services as account_services
from core.errors import ApplicationError
from portal.forms import EmployerRegistrationForm

SESSION_KEY = "employer_registration_reference"


def _address(request):
    address = get_client_ip_address(request)
    try:
        validate_ipv46_address(address or "")
    except ValidationError:
        return None
    return address


def register(request):
    form = EmployerRegistrationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("password1", "password2")}
        try:
            registration = account_services.submit_registration(password=form.cleaned_data["password1"],
                                                                submitted_from=_address(request), **data)
        except ApplicationError as exc:
            form.show_error(exc)
        else:
            request.session[SESSION_KEY] = registration.reference
            return redirect("portal:employer_registered")
    if form.errors:
        form.add_error(None, _("The application was not sent; correct the fields marked below."))
    return render(request, "portal/employer_register.html", {"form": form, "portal": "employer",
                                                             "hide_portal_nav": True},
                  status=400 if form.errors else 200)


def registered(request):
    reference = request.session.get(SESSION_KEY)
    if not reference:
        return redirect("portal:employer_register")
    return render(request, "portal/employer_registered.html", {"reference": reference, "portal": "employer",
                                                               "hide_portal_nav": True})
