"""Depositor self-service pages for withdrawals (/portal/withdrawals/...): apply online (reason, maximum and
documents needed, uploads), follow the status, cancel before approval, set up or stop a standing withdrawal.
Only the depositor's own data; every write is a service call."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import failed_forms
from core.errors import ApplicationError
from portal import selectors as portal_selectors
from portal.forms import PortalApplicationForm, StandingForm
from withdrawals import forms, selectors, services
from withdrawals.models import Reason
from withdrawals.services import standing


def my_withdrawals(request):
    account = portal_selectors.current_account(viewer=request.user)
    return render(request, "portal/withdrawals.html", {
        "account": account, "portal": "depositor", "rows": selectors.applications(viewer=request.user)
        .filter(depositor__user=request.user).order_by("-id"),
        "standing": selectors.standing_instructions(viewer=request.user).filter(status="active"),
        "standing_form": failed_forms.restore(request, "withdrawals_portal:list", {"standing_form": StandingForm})
        .get("standing_form") or StandingForm()})


def apply(request):
    account = portal_selectors.current_account(viewer=request.user)
    form = PortalApplicationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        docs = forms.uploaded_documents(request.FILES)
        try:
            app = services.apply(actor=request.user, account=account, reason=data["reason"],
                                 amount=data["amount"] or None, facts=form.facts(), payee_card=data["payee_card"],
                                 payee_name=data["payee_name"], documents=docs)
            messages.success(request, _("Application %(n)s: %(s)s") % {"n": app.number,
                                                                       "s": app.get_state_display()})
            return redirect("withdrawals_portal:list")
        except ApplicationError as exc:
            form.add_error(None, exc.message)
    options = [o for o in selectors.options() if o["reason"] != Reason.DEATH]
    return render(request, "portal/withdrawal_apply.html", {
        "account": account, "portal": "depositor", "form": form, "options": options,
        **forms.form_context(options, reverse("withdrawals_portal:preview"))})


@require_POST
def cancel(request, number):
    app = get_object_or_404(selectors.applications(viewer=request.user).filter(depositor__user=request.user),
                            number=number)
    try:
        services.cancel(actor=request.user, application=app)
        messages.success(request, _("The application was cancelled."))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("withdrawals_portal:list")


@require_POST
def standing_new(request):
    account = portal_selectors.current_account(viewer=request.user)
    form = StandingForm(request.POST)
    if form.is_valid():
        try:
            standing.create_standing(actor=request.user, account=account, **form.cleaned_data)
            messages.success(request, _("The standing withdrawal is set up."))
            return redirect("withdrawals_portal:list")
        except ApplicationError as exc:
            form.add_error(None, exc.message)
    failed_forms.keep(request, "withdrawals_portal:list", "standing_form", form)  # shown with its errors
    return redirect("withdrawals_portal:list")


@require_POST
def standing_stop(request, pk):
    instr = get_object_or_404(selectors.standing_instructions(viewer=request.user), pk=pk)
    try:
        standing.stop_standing(actor=request.user, instruction=instr, reason=_("Stopped by the depositor"))
        messages.success(request, _("The standing withdrawal is stopped."))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("withdrawals_portal:list")


@require_POST
def preview(request):
    """htmx: the maximum and the checks for what the depositor has filled in so far."""
    account = portal_selectors.current_account(viewer=request.user)
    form = PortalApplicationForm(request.POST)
    return render(request, "withdrawals/_preview.html", forms.preview_context(form, account))
