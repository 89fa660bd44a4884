"""Counter pages for online employer registrations: the queue, and one application with approve (opens the
employer account) and refuse (with the reason the applicant is told)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import forms, selectors, services
from accounts.models import EmployerRegistration
from core import failed_forms
from core.errors import ApplicationError

PER_PAGE = 50


def registration_list(request):
    status = request.GET.get("status") or ""
    rows = selectors.employer_registrations(viewer=request.user, status=status)
    return render(request, "accounts/registration_list.html", {
        "page_obj": Paginator(rows, PER_PAGE).get_page(request.GET.get("page")), "status": status,
        "statuses": EmployerRegistration.Status.choices})


def _registration(request, pk):
    return get_object_or_404(selectors.employer_registrations(viewer=request.user), pk=pk)


def _page(pk):
    return f"accounts:registration:{pk}"


def registration_detail(request, pk):
    registration = _registration(request, pk)
    failed = failed_forms.restore(request, _page(pk), {"refuse_form": forms.RefuseRegistrationForm})
    return render(request, "accounts/registration_detail.html", {
        "registration": registration, "refuse_form": failed.get("refuse_form") or forms.RefuseRegistrationForm()})


@require_POST
def registration_approve(request, pk):
    registration = _registration(request, pk)
    try:
        registration = services.approve_registration(actor=request.user, registration=registration)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("accounts:registration", pk)
    messages.success(request, _("Employer %(name)s registered with account number %(number)s.")
                     % {"name": registration.employer.name, "number": registration.employer.account_number})
    return redirect("accounts:employer", registration.employer.account_number)


@require_POST
def registration_refuse(request, pk):
    registration = _registration(request, pk)
    form = forms.RefuseRegistrationForm(request.POST)
    if form.is_valid():
        try:
            services.refuse_registration(actor=request.user, registration=registration,
                                         reason=form.cleaned_data["reason"])
        except ApplicationError as exc:
            form.show_error(exc)
        else:
            messages.success(request, _("Application %(r)s is refused; the applicant is told the reason.")
                             % {"r": registration.reference})
            return redirect("accounts:registrations")
    failed_forms.keep(request, _page(pk), "refuse_form", form)  # shown on the application's page, once
    return redirect("accounts:registration", pk)
