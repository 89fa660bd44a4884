"""Counter pages for withdrawals: the queue per role, the case page (history, documents, computed effect,
actions) and the acceptance of a new application with scanned documents. Thin: parse, call one service."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import FundAccount
from core import audit, bounds
from core.errors import ApplicationError
from core.tables import list_page
from core.views_helpers import file_download
from ledger.models import BankStatementLine
from withdrawals import forms, selectors, services
from withdrawals.filters import ApplicationFilter
from withdrawals.models import Recovery, WithdrawalApplication
from withdrawals.tables import ApplicationTable

ACTIONS = {
    "review": lambda user, app, c: services.review(actor=user, application=app, comment=c),
    "approve": lambda user, app, c: services.approve(actor=user, application=app, comment=c),
    "return": lambda user, app, c: services.return_for_documents(actor=user, application=app, reason=c),
    "reject": lambda user, app, c: services.reject(actor=user, application=app, reason=c),
    "cancel": lambda user, app, c: services.cancel(actor=user, application=app, comment=c),
    "accept": lambda user, app, c: services.accept(actor=user, application=app, comment=c),
    "resubmit": lambda user, app, c: services.resubmit(actor=user, application=app, comment=c),
    "pay": lambda user, app, c: services.pay(actor=user, application=app),
}


def queue(request):
    table = ApplicationTable(selectors.queue(viewer=request.user, filters=request.GET))
    return list_page(request, "withdrawals/queue.html", table=table, filename="withdrawals",
                     filterset=ApplicationFilter(request.GET or None))


def case(request, number):
    try:
        page = selectors.case_page(viewer=request.user, number=number)
    except WithdrawalApplication.DoesNotExist:
        raise Http404 from None
    return render(request, "withdrawals/case.html", {**page, "form": forms.DecisionForm()})


@require_POST
def act(request, number, action):
    if action not in ACTIONS:
        raise Http404
    app = selectors.applications(viewer=request.user).filter(number=number).first()
    if app is None:
        raise Http404
    form = forms.DecisionForm(request.POST)
    form.is_valid()
    try:
        result = ACTIONS[action](request.user, app, form.cleaned_data.get("comment", ""))
        if action in ("approve", "pay") and result.state == result.State.REJECTED:  # the payment was refused
            messages.error(request, result.refusal_reason)
        else:
            messages.success(request, _("Done."))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("withdrawals:case", number=number)


def new(request):
    form = forms.ApplicationForm(request.POST or None, request.FILES or None,
                                 initial={"account": request.GET.get("account", "")[:20]})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        account = FundAccount.objects.visible_to(request.user).filter(number=data["account"]).first()
        if account is None:
            form.add_error("account", _("No such account."))
        else:
            docs = forms.uploaded_documents(request.FILES)
            try:
                app = services.apply(actor=request.user, account=account, reason=data["reason"],
                                     amount=data["amount"] or None, facts=form.facts(),
                                     payee_card=data["payee_card"], payee_name=data["payee_name"], documents=docs)
                return redirect("withdrawals:case", number=app.number)
            except ApplicationError as exc:
                form.add_error(None, exc.message)
    return render(request, "withdrawals/new.html",
                  {"form": form, **forms.form_context(selectors.options(), reverse("withdrawals:preview"))})


def _case_or_404(request, number):
    app = selectors.applications(viewer=request.user).filter(number=number).first()
    if app is None:
        raise Http404
    return app


@require_POST
def preview(request):
    """htmx: the maximum and the checks for the application being filled in at the counter."""
    form = forms.ApplicationForm(request.POST)
    number = (request.POST.get("account") or "").strip()
    account = FundAccount.objects.visible_to(request.user).filter(number=number).first()
    return render(request, "withdrawals/_preview.html", forms.preview_context(form, account))


def document(request, number, pk):
    """A scanned document of the case, for the staff who may see the case; every opening is audited."""
    app = _case_or_404(request, number)
    doc = get_object_or_404(app.documents, pk=pk)
    audit.record_view(viewer=request.user, action="withdrawal.document.view", obj=app, depositor_id=app.depositor_id,
                      document=doc.pk)
    return file_download(doc.file)


@require_POST
def fraud(request, number):
    """A fraud finding on the case: the bans of the 2026 rules and, when money was paid, the order to return it."""
    app = _case_or_404(request, number)
    try:
        services.record_fraud(actor=request.user, depositor=app.depositor, reason=request.POST.get("reason", ""),
                              application=app)
        messages.success(request, _("The fraud finding was recorded."))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("withdrawals:case", number=number)


@require_POST
def recovery_receipt(request, number):
    app = _case_or_404(request, number)
    recovery = get_object_or_404(Recovery.objects.visible_to(request.user), application=app)
    line = BankStatementLine.objects.visible_to(request.user).filter(
        pk=bounds.record_id(request.POST.get("statement_line")) or 0).first()
    if line is None:
        messages.error(request, _("Choose the bank receipt of the money returned."))
        return redirect("withdrawals:case", number=number)
    try:
        recovery = services.apply_recovery_receipt(actor=request.user, recovery=recovery, statement_line=line)
        messages.success(request, _("Applied; %(o)s is still owed.") % {"o": recovery.outstanding})
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("withdrawals:case", number=number)
