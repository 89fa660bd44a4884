"""Counter pages of certificates: issue one from a depositor's account page, read it, download its PDF, revoke it.
Thin: parse, call one service (or selector), render."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import FundAccount
from core import audit, roles
from core.business_date import today
from core.errors import ApplicationError
from documents import forms, selectors, services
from documents.responses import pdf_response
from documents.services.certificates import REVOKE_ROLES


def issue(request, number):
    account = get_object_or_404(FundAccount.objects.visible_to(request.user).select_related("depositor"),
                                number=number)
    form = forms.IssueForm(request.POST or None, contracts=selectors.paid_off_contracts(account.depositor))
    if request.method == "POST" and form.is_valid():
        try:
            certificate = services.issue(actor=request.user, account_number=account.number,
                                         base_url=request.build_absolute_uri("/"), **form.service_data())
        except ApplicationError as exc:
            form.show_error(exc)
        else:
            messages.success(request, _("Certificate %(number)s issued.") % {"number": certificate.number})
            return redirect("documents:certificate", certificate.pk)
    return render(request, "documents/issue.html", {"form": form, "account": account})


def detail(request, pk):
    certificate = selectors.certificate(viewer=request.user, pk=pk)
    return render(request, "documents/certificate.html", {
        "certificate": certificate, "state": certificate.state_on(today()),
        "verifications": certificate.verifications.all()[:50],
        "can_revoke": roles.has_role(request.user, *REVOKE_ROLES) and not certificate.revoked_at,
        "revoke_form": forms.RevokeForm()})


def download(request, pk):
    certificate = selectors.certificate(viewer=request.user, pk=pk)
    audit.record(actor=request.user, action="certificate.download", obj=certificate,
                 after={"number": certificate.number})
    return pdf_response(certificate, services.pdf_bytes(certificate))


@require_POST
def revoke(request, pk):
    certificate = selectors.certificate(viewer=request.user, pk=pk)
    form = forms.RevokeForm(request.POST)
    if form.is_valid():
        try:
            services.revoke(actor=request.user, certificate=certificate, reason=form.cleaned_data["reason"])
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Certificate %(number)s revoked.") % {"number": certificate.number})
    else:
        messages.error(request, _("Give the reason for the revocation."))
    return redirect("documents:certificate", certificate.pk)
