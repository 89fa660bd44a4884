"""Counter pages for arrears (欠缴), deferral and ratio reduction (缓缴/降比例), flexible workers (灵活就业)
and annual base adjustments (基数调整).

Thin like ``deposits.views``: parse a form, call one service, show the service's message or redirect. The
services check the roles and the four eyes again; the buttons shown only follow them."""

import csv
import io

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import FundAccount
from core import roles
from core.errors import ApplicationError, InvalidInput
from core.money import format_yuan
from core.views_helpers import staff_required
from deposits import forms, selectors
from deposits.models import BaseAdjustment, DeferralApplication, FlexibleDeposit
from deposits.services import arrears as arrears_services
from deposits.services import deferral as deferral_services
from deposits.services import flexible as flexible_services

READ = roles.READ_ROLES
WRITE = roles.ACCOUNT_WRITE_ROLES
FLEXIBLE_WRITE = flexible_services.DEPOSIT_ROLES  # clerks register; finance also books payments
ROWS_PER_PAGE = 100
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Status = DeferralApplication.Status


# --- arrears ---------------------------------------------------------------------------------------------

def _arrears_rows(records):
    for r in records:
        yield [r.employer.account_number, r.employer.name, f"{r.month:%Y-%m}", r.headcount,
               format_yuan(r.amount_expected), format_yuan(r.amount_received), format_yuan(r.amount_due),
               r.deadline.isoformat(), r.get_status_display()]


def _arrears_export(records, fmt):
    header = [_("Employer account number"), _("Employer"), _("Month"), _("Employees"), _("Amount expected"),
              _("Amount received"), _("Amount in arrears"), _("Deadline"), _("Status")]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(_arrears_rows(records.iterator(chunk_size=2000)))
        response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="arrears.csv"'
        return response
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Arrears"))
    ws.append(header)
    for row in _arrears_rows(records.iterator(chunk_size=2000)):
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="arrears.xlsx"'
    return response


@staff_required(*READ)
def arrears(request):
    form = forms.ArrearsFilterForm(request.GET if "status" in request.GET else {**request.GET.dict(),
                                                                               "status": "open"})
    filters = form.cleaned_data if form.is_valid() else {"status": "open"}
    records = selectors.arrears_list(filters, viewer=request.user)
    if request.GET.get("export") in ("csv", "xlsx"):
        return _arrears_export(records, request.GET["export"])
    query = request.GET.copy()
    for key in ("page", "export"):
        query.pop(key, None)
    return render(request, "deposits/arrears.html", {
        "form": form, "page": Paginator(records, ROWS_PER_PAGE).get_page(request.GET.get("page")),
        "summary": list(selectors.arrears_by_employer(filters, viewer=request.user)[:ROWS_PER_PAGE]),
        "query": query.urlencode(), "can_write": roles.has_role(request.user, *WRITE),
    })


@staff_required(*WRITE)
@require_POST
def arrears_detect(request):
    try:
        result = arrears_services.detect_arrears(actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Arrears checked: %(e)d employers owe %(m)d months, %(a)s yuan in all "
                                    "(%(n)d new, %(c)d cleared, %(r)d reminders).")
                         % {"e": result["employers"], "m": result["months"], "a": format_yuan(result["amount_due"]),
                            "n": result["new"], "c": result["cleared"], "r": result["reminders"]})
    return redirect("deposits:arrears")


# --- deferral and ratio reduction ------------------------------------------------------------------------

def _default_queue(user):
    """Reviewers first see what waits for review, approvers what waits for approval."""
    if roles.has_role(user, roles.REVIEWER):
        return Status.SUBMITTED
    if roles.has_role(user, roles.APPROVER):
        return Status.REVIEWED
    return ""


@staff_required(*READ)
def deferral_queue(request):
    data = request.GET if "status" in request.GET else {**request.GET.dict(), "status": _default_queue(request.user)}
    form = forms.DeferralQueueForm(data)
    filters = form.cleaned_data if form.is_valid() else {}
    page = Paginator(selectors.deferral_applications(filters, viewer=request.user), ROWS_PER_PAGE).get_page(
        request.GET.get("page"))
    counts = {s: selectors.deferral_applications({"status": s}, viewer=request.user).count()
              for s in (Status.SUBMITTED, Status.REVIEWED)}
    return render(request, "deposits/deferral_queue.html", {"form": form, "page": page, "counts": counts})


def _application(request, pk):
    return get_object_or_404(selectors.deferral_applications(viewer=request.user), pk=pk)


def deferral_context(application, evidence_url) -> dict:
    """What the case pages (counter and employer portal) show: the effect and the history."""
    employer = application.employer
    transitions = list(application.transitions.select_related("actor").order_by("id"))
    labels = dict(Status.choices)
    for step in transitions:
        step.label = labels.get(step.to_status, step.to_status)
    return {
        "application": application, "effect": selectors.deferral_effect(application),
        "transitions": transitions, "evidence_url": reverse(evidence_url, args=[application.pk]),
        "ratios_before": (application.previous_employee_ratio or employer.employee_ratio,
                          application.previous_employer_ratio or employer.employer_ratio),
    }


def _case(request, application, form=None):
    user = request.user
    return render(request, "deposits/deferral_case.html", {
        **deferral_context(application, "deposits:deferral_evidence"), "form": form or forms.DecisionForm(),
        "can_review": application.status == Status.SUBMITTED and roles.has_role(user, roles.REVIEWER),
        "can_approve": application.status == Status.REVIEWED and roles.has_role(user, roles.APPROVER),
    })


@staff_required(*READ)
def deferral_case(request, pk):
    return _case(request, _application(request, pk))


def evidence_response(application):
    if not application.evidence:
        return HttpResponse(status=404)
    return FileResponse(application.evidence.open("rb"), as_attachment=True,
                        filename=application.evidence.name.rsplit("/", 1)[-1])


@staff_required(*READ)
def deferral_evidence(request, pk):
    return evidence_response(_application(request, pk))


def _decide(request, pk, call, success):
    """One workflow step from the case page; the service's refusal (four eyes, state, role) is shown there."""
    application = _application(request, pk)
    form = forms.DecisionForm(request.POST)
    if form.is_valid():
        try:
            call(application, form.cleaned_data["comment"])
        except ApplicationError as exc:
            form.show_error(exc)
        else:
            messages.success(request, success)
            return redirect("deposits:deferral", pk)
    application.refresh_from_db()
    return _case(request, application, form)


@staff_required(roles.REVIEWER)
@require_POST
def deferral_review(request, pk):
    return _decide(request, pk, lambda a, comment: deferral_services.review_application(
        actor=request.user, application=a, comment=comment), _("The application is reviewed."))


@staff_required(roles.APPROVER)
@require_POST
def deferral_approve(request, pk):
    return _decide(request, pk, lambda a, comment: deferral_services.approve_application(
        actor=request.user, application=a, comment=comment), _("The application is approved."))


@staff_required(roles.REVIEWER, roles.APPROVER)
@require_POST
def deferral_reject(request, pk):
    return _decide(request, pk, lambda a, comment: deferral_services.reject_application(
        actor=request.user, application=a, comment=comment), _("The application is rejected."))


# --- flexible workers ------------------------------------------------------------------------------------

def _flexible_page(request, register_form=None, deposit_form=None):
    lines = selectors.unmatched_incoming(viewer=request.user).order_by("value_date", "id")
    return render(request, "deposits/flexible.html", {
        "register_form": register_form or forms.FlexibleRegisterForm(),
        "deposit_form": deposit_form or forms.FlexibleDepositForm(queryset=lines),
        "deposits": FlexibleDeposit.objects.select_related("account__depositor", "statement_line")[:20],
        "can_register": roles.has_role(request.user, *WRITE),
    })


@staff_required(*FLEXIBLE_WRITE)
def flexible(request):
    return _flexible_page(request)


@staff_required(*WRITE)
@require_POST
def flexible_register(request):
    form = forms.FlexibleRegisterForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            account = flexible_services.register_flexible(actor=request.user, base=data["base"], ratio=data["ratio"],
                                                          name=data["name"], id_number=data["id_number"],
                                                          phone=data["phone"])
        except ApplicationError as exc:
            form.show_error(exc)
        else:
            messages.success(request, _("Flexible worker's account %(n)s is open: %(a)s yuan a month.")
                             % {"n": account.number, "a": format_yuan(account.monthly_total)})
            return redirect("deposits:flexible")
    return _flexible_page(request, register_form=form)


@staff_required(*FLEXIBLE_WRITE)
@require_POST
def flexible_deposit(request):
    form = forms.FlexibleDepositForm(request.POST, queryset=selectors.unmatched_incoming(viewer=request.user))
    if form.is_valid():
        data = form.cleaned_data
        account = FundAccount.objects.filter(number=data["account"]).first()
        try:
            if account is None:
                raise InvalidInput(_("Unknown account number."), fields={"account": [_("Unknown account number.")]})
            deposit = flexible_services.flexible_deposit(actor=request.user, account=account, months=data["months"],
                                                         statement_line=data["line"])
        except ApplicationError as exc:
            form.show_error(exc)
        else:
            messages.success(request, _("Deposit %(r)s booked: %(a)s yuan for %(m)d month(s).")
                             % {"r": deposit.reference, "a": format_yuan(deposit.amount), "m": deposit.months})
            return redirect("deposits:flexible")
    return _flexible_page(request, deposit_form=form)


# --- base adjustments ------------------------------------------------------------------------------------

@staff_required(*READ)
def base_adjustments(request):
    form = forms.BaseAdjustmentFilterForm(request.GET or None)
    qs = BaseAdjustment.objects.select_related("employer", "submitted_by")
    if form.is_valid():
        if form.cleaned_data["employer_number"]:
            qs = qs.filter(employer__account_number=form.cleaned_data["employer_number"].strip().upper())
        if form.cleaned_data["status"]:
            qs = qs.filter(status=form.cleaned_data["status"])
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "deposits/base_adjustments.html", {
        "form": form, "page": Paginator(qs.order_by("employer__account_number", "-effective_from", "-id"),
                                        ROWS_PER_PAGE).get_page(request.GET.get("page")),
        "query": query.urlencode()})


@staff_required(*READ)
def base_adjustment(request, pk):
    adjustment = get_object_or_404(BaseAdjustment.objects.select_related("employer", "submitted_by"), pk=pk)
    return render(request, "deposits/base_adjustment.html", {
        "adjustment": adjustment, "clamped": selectors.clamped_lines(adjustment),
        "lines": Paginator(adjustment.lines.select_related("account__depositor").order_by("row"),
                           ROWS_PER_PAGE * 5).get_page(request.GET.get("page"))})
