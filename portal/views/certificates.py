"""The depositor's certificates (/portal/certificates/): issue one online, download it, and see who verified
their certificates and when."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.business_date import today
from core.errors import ApplicationError
from documents import forms as document_forms
from documents import selectors as document_selectors
from documents import services as document_services
from documents.responses import pdf_response
from portal import selectors


def certificates(request):
    account = selectors.current_account(viewer=request.user)
    form = document_forms.IssueForm(request.POST or None,
                                    contracts=document_selectors.paid_off_contracts(account.depositor))
    if request.method == "POST" and form.is_valid():
        try:
            certificate = document_services.issue(actor=request.user, account_number=account.number,
                                                  base_url=request.build_absolute_uri("/"), **form.service_data())
        except ApplicationError as exc:
            form.show_error(exc)
        else:
            messages.success(request, _("Certificate %(number)s issued. Download it below.")
                             % {"number": certificate.number})
            return redirect("certificates_portal:list")
    return render(request, "portal/certificates.html", {
        "account": account, "form": form, "today": today(),
        "certificates": document_selectors.certificates(viewer=request.user),
        "verifications": document_selectors.verification_log(viewer=request.user)})


def download(request, pk):
    certificate = document_selectors.certificate(viewer=request.user, pk=pk)
    return pdf_response(certificate, document_services.pdf_bytes(certificate))
