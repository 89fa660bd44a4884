"""The depositor's case pages (/portal/...): one withdrawal with its timeline 受理 → 审核 → 审批 → 支付 → 办结, the
documents sent and the decision, with the documents asked for on a return added and the case sent back; a
document of it (the owner only); the portal inbox, each message linking to the case it is about. Reads come
from ``portal.case_selectors``; every write is a withdrawal service (and marking messages read, a core one)."""

from django.contrib import messages as flash
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import workflow
from core.errors import ApplicationError
from core.views_helpers import file_download
from portal import case_selectors
from portal.forms import CaseDocumentForm
from withdrawals import services


def withdrawal(request, number):
    case = case_selectors.withdrawal_case(viewer=request.user, number=number)
    return render(request, "portal/withdrawal_detail.html", {
        "account": case["application"].account, "portal": "depositor",
        "document_form": CaseDocumentForm(wanted=case["missing_types"]), **case})


def withdrawal_document(request, number, pk):
    return file_download(case_selectors.withdrawal_document(viewer=request.user, number=number, pk=pk).file)


@require_POST
def withdrawal_add_document(request, number):
    app = case_selectors.own_withdrawal(viewer=request.user, number=number)
    form = CaseDocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.add_document(actor=request.user, application=app, doc_type=form.cleaned_data["doc_type"],
                                  file=form.cleaned_data["file"])
            flash.success(request, _("The document was added."))
        except ApplicationError as exc:
            flash.error(request, exc.message)
    else:
        flash.error(request, _("Choose the document type and a file."))
    return redirect("withdrawals_portal:detail", number=app.number)


@require_POST
def withdrawal_resubmit(request, number):
    app = case_selectors.own_withdrawal(viewer=request.user, number=number)
    try:
        services.resubmit(actor=request.user, application=app)
        flash.success(request, _("The documents were sent to the center."))
    except ApplicationError as exc:
        flash.error(request, exc.message)
    return redirect("withdrawals_portal:detail", number=app.number)


def messages(request):
    """The depositor's messages, newest first; those not read before are marked new on this page and read from
    now on."""
    notes = case_selectors.inbox(viewer=request.user)
    for note in notes:
        note.is_new = note.read_at is None
    workflow.mark_read([note.pk for note in notes if note.is_new])
    return render(request, "portal/messages.html", {"portal": "depositor", "notes": notes})
