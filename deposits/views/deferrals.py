"""Counter pages for deferral and ratio reduction (缓缴/降比例): queue, case, evidence and the workflow steps.

The services check the roles and the four eyes again; the buttons shown only follow them."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import failed_forms, roles
from core.errors import ApplicationError
from core.tables import list_page
from core.views_helpers import file_download
from deposits import forms, selectors
from deposits.filters import DeferralFilter
from deposits.models import DeferralApplication
from deposits.services import deferral as deferral_services
from deposits.tables import DeferralTable

ROWS_PER_PAGE = 100
Status = DeferralApplication.Status


def _default_queue(user):
    """Reviewers first see what waits for review, approvers what waits for approval."""
    if roles.has_role(user, roles.REVIEWER):
        return Status.SUBMITTED
    if roles.has_role(user, roles.APPROVER):
        return Status.REVIEWED
    return ""


def deferral_queue(request):
    data = request.GET if "status" in request.GET else {**request.GET.dict(), "status": _default_queue(request.user)}
    counts = {s: selectors.deferral_applications({"status": s}, viewer=request.user).count()
              for s in (Status.SUBMITTED, Status.REVIEWED)}
    table = DeferralTable(selectors.deferral_applications(data, viewer=request.user))
    return list_page(request, "deposits/deferral_queue.html", table=table, filename="deferrals",
                     filterset=DeferralFilter(data), context={"counts": counts})


def _application(request, pk):
    return get_object_or_404(selectors.deferral_applications(viewer=request.user), pk=pk)


def _case(request, application, form=None):
    actions = {t.action for t in deferral_services.FLOW.actions_for(application, request.user)}
    return render(request, "deposits/deferral_case.html", {
        **selectors.deferral_case(application),
        "evidence_url": reverse("deposits:deferral_evidence", args=[application.pk]),
        "form": form or forms.DecisionForm(),
        "can_review": "review" in actions, "can_approve": "approve" in actions,
    })


def deferral_case(request, pk):
    failed = failed_forms.restore(request, f"deferral:{pk}", {"form": forms.DecisionForm})
    return _case(request, _application(request, pk), failed.get("form"))


def deferral_evidence(request, pk):
    return file_download(_application(request, pk).evidence)


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
    failed_forms.keep(request, f"deferral:{pk}", "form", form)  # shown on the case page, once
    return redirect("deposits:deferral", pk)


@require_POST
def deferral_review(request, pk):
    return _decide(request, pk, lambda a, comment: deferral_services.review_application(
        actor=request.user, application=a, comment=comment), _("The application is reviewed."))


@require_POST
def deferral_approve(request, pk):
    return _decide(request, pk, lambda a, comment: deferral_services.approve_application(
        actor=request.user, application=a, comment=comment), _("The application is approved."))


@require_POST
def deferral_reject(request, pk):
    return _decide(request, pk, lambda a, comment: deferral_services.reject_application(
        actor=request.user, application=a, comment=comment), _("The application is rejected."))
