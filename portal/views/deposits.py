"""Portal pages for deferral and ratio reduction and the annual base adjustment (employer agents) and for
continuing a sealed account as a flexible worker (depositors). Every lookup starts from the logged-in user;
the services check the roles again."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import FundAccount
from core import failed_forms, tabular
from core.business_date import today
from core.errors import ApplicationError
from core.money import format_yuan
from core.views_helpers import file_download
from deposits import forms, selectors
from deposits.services import base_adjustment as base_services
from deposits.services import deferral as deferral_services
from deposits.services import flexible as flexible_services
from portal import selectors as portal_selectors

# --- deferral and ratio reduction (employer agents) -----------------------------------------------------

def _deferral_page(request, employer, form):
    return render(request, "portal/employer_deferrals.html", {
        "employer": employer, "form": form, "portal": "employer",
        "applications": selectors.deferral_applications({"employer": employer}, viewer=request.user)[:50],
        "outstanding": selectors.outstanding_deferred_months(employer, viewer=request.user),
    })


def employer_deferrals(request):
    employer = portal_selectors.employer_of(viewer=request.user)
    if request.method != "POST":
        failed = failed_forms.restore(request, "portal:employer_deferrals", {"form": forms.DeferralApplyForm})
        return _deferral_page(request, employer, failed.get("form") or forms.DeferralApplyForm())
    form = forms.DeferralApplyForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            application = deferral_services.submit_application(
                actor=request.user, employer=employer, kind=data["kind"], month_from=data["month_from"],
                month_to=data["month_to"], reason=data["reason"], evidence=data["evidence"],
                decision_date=data["decision_date"], employee_ratio=data["employee_ratio"],
                employer_ratio=data["employer_ratio"])
        except ApplicationError as exc:
            form.show_error(exc)
        else:
            messages.success(request, _("The application is submitted; the center will review it."))
            return redirect("portal:employer_deferral", application.pk)
    failed_forms.keep(request, "portal:employer_deferrals", "form", form)  # shown on the page (GET), once
    return redirect("portal:employer_deferrals")


def _own_application(request, pk):
    employer = portal_selectors.employer_of(viewer=request.user)
    application = selectors.deferral_applications({"employer": employer}, viewer=request.user).filter(pk=pk).first()
    if application is None:
        raise Http404
    return employer, application


def employer_deferral(request, pk):
    employer, application = _own_application(request, pk)
    return render(request, "portal/employer_deferral.html", {
        **selectors.deferral_case(application), "employer": employer, "portal": "employer",
        "evidence_url": reverse("portal:employer_deferral_evidence", args=[application.pk])})


def employer_deferral_evidence(request, pk):
    return file_download(_own_application(request, pk)[1].evidence)


# --- annual base adjustment (employer agents) ----------------------------------------------------------

def _bases_page(request, employer, form):
    return render(request, "portal/employer_bases.html", {
        "employer": employer, "form": form, "portal": "employer",
        "adjustments": employer.base_adjustments.select_related("submitted_by").order_by("-id")[:20],
        "year_start": base_services.year_start(today()),
    })


def employer_bases(request):
    employer = portal_selectors.employer_of(viewer=request.user)
    if request.method != "POST":
        failed = failed_forms.restore(request, "portal:employer_bases", {"form": forms.BaseFileForm})
        return _bases_page(request, employer, failed.get("form") or forms.BaseFileForm())
    form = forms.BaseFileForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            adjustment = base_services.submit_base_file(actor=request.user, employer=employer, filename=upload.name,
                                                        data=upload.read())
        except ApplicationError as exc:
            form.show_error(exc)
        else:
            messages.success(request, _("The bases of %(n)d employees are accepted; %(c)d were raised to the floor "
                                        "or lowered to the cap.") % {"n": adjustment.line_count,
                                                                     "c": adjustment.clamped_count})
            return redirect("portal:employer_base", adjustment.pk)
    failed_forms.keep(request, "portal:employer_bases", "form", form)  # the rows refused, shown on the page once
    return redirect("portal:employer_bases")


def employer_base(request, pk):
    employer = portal_selectors.employer_of(viewer=request.user)
    adjustment = selectors.base_adjustments(viewer=request.user).filter(employer=employer, pk=pk).first()
    if adjustment is None:
        raise Http404
    return render(request, "portal/employer_base.html", {
        "employer": employer, "adjustment": adjustment, "clamped": selectors.clamped_lines(adjustment,
                                                                                           viewer=request.user),
        "portal": "employer"})


def employer_base_template(request):
    employer = portal_selectors.employer_of(viewer=request.user)
    return tabular.download(base_services.template_xlsx(employer), "xlsx",
                            filename=f"bases-{employer.account_number}")


# --- flexible deposits (depositors) ----------------------------------------------------------------------

def flexible(request):
    account = portal_selectors.current_account(viewer=request.user)
    form = forms.FlexibleSelfForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account = flexible_services.register_flexible(actor=request.user, base=form.cleaned_data["base"],
                                                          ratio=form.cleaned_data["ratio"])
        except ApplicationError as exc:
            form.show_error(exc)
        else:
            messages.success(request, _("Your account %(n)s continues as a flexible worker's account: %(a)s yuan "
                                        "a month.") % {"n": account.number, "a": format_yuan(account.monthly_total)})
            return redirect("portal:flexible")
    return render(request, "portal/flexible.html", {
        "account": account, "form": form,
        "can_switch": account.status == FundAccount.Status.SEALED,
        "is_flexible": account.kind == FundAccount.Kind.FLEXIBLE and not account.is_closed,
        "deposits": account.flexible_deposits.order_by("-id")[:24],
    })
