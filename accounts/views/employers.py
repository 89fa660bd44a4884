"""Counter pages for employers: list, register, change, close. Thin: parse, call one service (or selector),
render; a business error is shown next to the form fields it concerns."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accounts import forms, selectors, services
from accounts.filters import EmployerFilter
from accounts.tables import EmployeeTable, EmployerTable
from core.errors import ApplicationError
from core.tables import list_page

EMPLOYEES_PER_PAGE = 100


def employer_list(request):
    table = EmployerTable(selectors.employers(viewer=request.user, filters=request.GET))
    return list_page(request, "accounts/employer_list.html", table=table, filename="employers",
                     filterset=EmployerFilter(request.GET or None))


def employer_detail(request, account_number):
    employer = get_object_or_404(selectors.employers(viewer=request.user), account_number=account_number)
    employees = selectors.employer_employees(viewer=request.user, employer=employer)
    return list_page(request, "accounts/employer_detail.html", table=EmployeeTable(employees),
                     filename=f"employees-{employer.account_number}", per_page=EMPLOYEES_PER_PAGE,
                     context={"employer": employer, "counts": selectors.status_counts(employees)})


def employer_new(request):
    form = forms.EmployerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            employer = services.register_employer(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            form.show_error(exc)
        else:
            messages.success(request, _("Employer %(name)s registered with account number %(number)s.")
                             % {"name": employer.name, "number": employer.account_number})
            return redirect("accounts:employer", employer.account_number)
    return render(request, "accounts/employer_form.html", {"form": form})


def employer_edit(request, account_number):
    employer = get_object_or_404(selectors.employers(viewer=request.user), account_number=account_number)
    form = forms.EmployerChangeForm(request.POST or None, employer=employer)
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        try:
            if changes:
                services.change_employer(actor=request.user, employer=employer, **changes)
        except ApplicationError as exc:
            form.show_error(exc)
        else:
            messages.success(request, _("Employer %(name)s: %(n)d change(s) saved.")
                             % {"name": employer.name, "n": len(changes)})
            return redirect("accounts:employer", employer.account_number)
    return render(request, "accounts/employer_form.html", {"form": form, "employer": employer})


def employer_close(request, account_number):
    employer = get_object_or_404(selectors.employers(viewer=request.user), account_number=account_number)
    form = forms.EmployerCloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.close_employer(actor=request.user, employer=employer, reason=form.cleaned_data["reason"])
        except ApplicationError as exc:
            form.show_error(exc)
        else:
            messages.success(request, _("Employer %(name)s is closed.") % {"name": employer.name})
            return redirect("accounts:employer", employer.account_number)
    return render(request, "accounts/employer_form.html", {"form": form, "employer": employer, "closing": True})
