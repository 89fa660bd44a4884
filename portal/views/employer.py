"""Self-service pages for depositors (/portal/) and employer agents (/employer/). They call services
and selectors of the other apps and show only the user's own data."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import LoginView, redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import roles
from core.errors import ApplicationError
from deposits import interest as deposit_interest
from deposits import uploads
from deposits.services import remittance as remittance_services
from portal import selectors
from portal.forms import DepositorLoginForm, LineForm, MonthForm, UploadForm


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


@depositor_required
def home(request):
    account = selectors.current_account(request.user)
    return render(request, "portal/home.html", {
        "account": account, "depositor": account.depositor, "holds": selectors.holds(account),
        "deposits": selectors.deposit_history(account, limit=12),
    })


@depositor_required
def deposits(request, number):
    account = selectors.account_of(request.user, number)
    return render(request, "portal/deposits.html", {
        "account": account, "deposits": selectors.deposit_history(account),
        "lines": selectors.ledger_history(account),
    })


@depositor_required
def profile(request):
    return render(request, "portal/profile.html", {"depositor": selectors.depositor_of(request.user),
                                                   "accounts": selectors.accounts_of(request.user)})


def _show_error(request, exc: ApplicationError):
    messages.error(request, exc.message)
    for problem in exc.fields.get("rows", [])[1:30]:
        messages.error(request, problem)


@agent_required
def employer_home(request):
    employer = selectors.employer_of(request.user)
    return render(request, "portal/employer_home.html", {
        "employer": employer, "employees": selectors.employees(employer),
        "remittances": selectors.remittances(employer), "due": selectors.amount_due(employer),
        "month_form": MonthForm(), "portal": "employer",
    })


@agent_required
@require_POST
def employer_generate(request):
    employer = selectors.employer_of(request.user)
    form = MonthForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a month."))
        return redirect("portal:employer_home")
    try:
        remittance = remittance_services.generate_list(actor=request.user, employer=employer,
                                                       month=form.cleaned_data["month"])
    except ApplicationError as exc:
        _show_error(request, exc)
        return redirect("portal:employer_home")
    return redirect("portal:employer_remittance", reference=remittance.reference)


@agent_required
def employer_remittance(request, reference):
    employer = selectors.employer_of(request.user)
    remittance = selectors.remittance_of(employer, reference)
    lines = remittance.lines.select_related("account__depositor").order_by("account__number", "month")
    return render(request, "portal/employer_remittance.html", {
        "employer": employer, "remittance": remittance, "lines": lines, "upload_form": UploadForm(),
        "line_form": LineForm(), "portal": "employer",
    })


@agent_required
def employer_template(request, reference):
    remittance = selectors.remittance_of(selectors.employer_of(request.user), reference)
    if request.GET.get("format") == "csv":
        response = HttpResponse(uploads.template_csv(remittance), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{remittance.reference}.csv"'
        return response
    response = HttpResponse(uploads.template_xlsx(remittance),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{remittance.reference}.xlsx"'
    return response


def _remittance_action(request, reference, action, success):
    remittance = selectors.remittance_of(selectors.employer_of(request.user), reference)
    try:
        action(remittance)
        messages.success(request, success)
    except ApplicationError as exc:
        _show_error(request, exc)
    return redirect("portal:employer_remittance", reference=reference)


@agent_required
@require_POST
def employer_upload(request, reference):
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file to upload."))
        return redirect("portal:employer_remittance", reference=reference)
    upload = form.cleaned_data["file"]
    return _remittance_action(
        request, reference,
        lambda r: remittance_services.upload_list(actor=request.user, remittance=r, filename=upload.name,
                                                  data=upload.read()),
        _("The file was loaded into the list."))


@agent_required
@require_POST
def employer_line(request, reference):
    form = LineForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a personal account number and, if it changes, the base."))
        return redirect("portal:employer_remittance", reference=reference)
    data = form.cleaned_data
    if request.POST.get("remove"):
        return _remittance_action(request, reference, lambda r: remittance_services.remove_line(
            actor=request.user, remittance=r, account_number=data["account"]), _("The employee was removed."))
    return _remittance_action(request, reference, lambda r: remittance_services.set_line(
        actor=request.user, remittance=r, account_number=data["account"], base=data["base"]),
        _("The list was updated."))


@agent_required
@require_POST
def employer_confirm(request, reference):
    return _remittance_action(
        request, reference, lambda r: remittance_services.confirm_list(actor=request.user, remittance=r),
        _("The list is confirmed. Pay the total to the center's account quoting the payment reference."))


@depositor_required
def interest(request, number):
    account = selectors.account_of(request.user, number)
    result, problem = deposit_interest.breakdown_for_page(account, request.GET.get("year"))
    if problem:
        messages.error(request, problem)
    return render(request, "portal/interest.html", {"account": account, "result": result})
