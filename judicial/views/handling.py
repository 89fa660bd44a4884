"""One judicial request at the counter: the operator prepares it, a different officer confirms, refuses or sends
it back (judicial.services.control), and the printable receipt (回执) for a paper request. Thin: parse, call
one service."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import ApplicationError
from judicial import selectors, services

ACTIONS = {
    "prepare": lambda user, req, c: services.prepare(actor=user, request=req),
    "confirm": lambda user, req, c: services.confirm(actor=user, request=req),
    "refuse": lambda user, req, c: services.refuse(actor=user, request=req, reason=c),
    "send_back": lambda user, req, c: services.send_back(actor=user, request=req, comment=c),
}


def _page(request, pk):
    page = selectors.request_page(viewer=request.user, pk=pk)
    if page is None:
        raise Http404
    return page


def detail(request, pk):
    return render(request, "judicial/request.html", _page(request, pk))


def receipt(request, pk):
    page = _page(request, pk)
    return render(request, "judicial/receipt.html", page)


@require_POST
def act(request, pk, action):
    req = _page(request, pk)["req"]
    if action not in ACTIONS:
        raise Http404
    comment = (request.POST.get("comment") or "").strip()[:300]
    try:
        done = ACTIONS[action](request.user, req, comment)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        if done.state == done.State.REFUSED and action == "confirm":
            messages.error(request, done.refusal_reason)
        else:
            messages.success(request, _("Done."))
    return redirect("judicial:request", pk=pk)
