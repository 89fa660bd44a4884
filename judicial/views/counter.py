"""Paper requests at the counter: the entry form, the request with its scans, a scan's download (judicial staff
only; every opening is recorded)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core import audit
from core.errors import ApplicationError
from core.views_helpers import file_download
from judicial import forms, selectors
from judicial.services.counter import receive_paper_request


def paper_new(request):
    form = forms.PaperRequestForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            req = receive_paper_request(actor=request.user, court=form.cleaned_data["court"],
                                        data=form.service_data(), documents=form.documents())
        except ApplicationError as exc:
            form.show_error(exc)
        else:
            messages.success(request, _("Request %(n)s of %(c)s received.") % {"n": req.number, "c": req.court.name})
            return redirect("judicial:paper", req.pk)
    return render(request, "judicial/paper_form.html", {"form": form})


def paper_detail(request, pk):
    req = selectors.paper_request(viewer=request.user, pk=pk)
    return render(request, "judicial/paper_detail.html",
                  {"req": req, "documents": selectors.documents_of(req, viewer=request.user)})


def document(request, pk):
    doc = selectors.document(viewer=request.user, pk=pk)
    # Recorded for the audit, not in the depositor's access log: a person is not told of judicial requests.
    audit.record(actor=request.user, action="judicial.document.view", obj=doc.request,
                 after={"document": doc.pk, "sha256": doc.sha256})
    return file_download(doc.file, filename=f"{doc.request.number}-{doc.doc_type}.{doc.file.name.rsplit('.', 1)[-1]}")
