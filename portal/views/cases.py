"""The depositor's case pages (/portal/...): one withdrawal with its timeline 受理 → 审核 → 审批 → 支付 → 办结, the
documents sent and the decision; a document of it (the owner only); the portal inbox, each message linking to the
case it is about. Reads only, from ``portal.case_selectors``."""

from django.shortcuts import render

from core.views_helpers import file_download
from portal import case_selectors


def withdrawal(request, number):
    case = case_selectors.withdrawal_case(viewer=request.user, number=number)
    return render(request, "portal/withdrawal_detail.html",
                  {"account": case["application"].account, "portal": "depositor", **case})


def withdrawal_document(request, number, pk):
    return file_download(case_selectors.withdrawal_document(viewer=request.user, number=number, pk=pk).file)


def messages(request):
    return render(request, "portal/messages.html",
                  {"portal": "depositor", "notes": case_selectors.inbox(viewer=request.user)})
