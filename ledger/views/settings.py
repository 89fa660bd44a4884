"""Four-eyes changes of the ledger's settings (an account's overdraft permission, a bank account's statement
opening balance): requested by one person, confirmed or rejected by another."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import failed_forms
from core.errors import ApplicationError
from ledger import forms, selectors, services

PAGE = "ledger:setting_changes"
PAGE_FORMS = {"overdraft_form": forms.OverdraftChangeForm, "opening_form": forms.OpeningBalanceChangeForm}


def setting_changes(request):
    """The changes requested, latest first, and the two request forms; a form refused on its POST is shown once
    more here with what was typed and its errors (post/redirect/get)."""
    failed = failed_forms.restore(request, PAGE, PAGE_FORMS)
    return render(
        request,
        "ledger/setting_changes.html",
        {
            "changes": selectors.setting_changes(viewer=request.user)[:200],
            "overdraft_form": failed.get("overdraft_form") or forms.OverdraftChangeForm(),
            "opening_form": failed.get("opening_form") or forms.OpeningBalanceChangeForm(),
        },
    )


def _request_change(request, form, form_name, change):
    """Run ``change(form.cleaned_data)`` (a setting-change request a second person must confirm) for a valid form;
    an invalid form or a refused request writes nothing and redirects to the page, which shows the form's errors."""
    if form.is_valid():
        try:
            change(form.cleaned_data)
        except ApplicationError as exc:
            form.show_error(exc)
        else:
            messages.success(request, _("The change is requested; another person must confirm it."))
            return redirect(PAGE)
    failed_forms.keep(request, PAGE, form_name, form)
    return redirect(PAGE)


@require_POST
def request_overdraft(request):
    return _request_change(request, forms.OverdraftChangeForm(request.POST), "overdraft_form", lambda data: (
        services.set_overdraft(actor=request.user, account=data["account"], allowed=data["allowed"],
                               reason=data["reason"])))


@require_POST
def request_opening_balance(request):
    return _request_change(request, forms.OpeningBalanceChangeForm(request.POST), "opening_form", lambda data: (
        services.change_opening_balance(actor=request.user, bank_account=data["bank_account"],
                                        opening_balance=data["opening_balance"], reason=data["reason"])))


@require_POST
def confirm(request, pk):
    return _decide(request, pk, "confirm")


@require_POST
def reject(request, pk):
    return _decide(request, pk, "reject")


def _decide(request, pk, action):
    change = get_object_or_404(selectors.setting_changes(viewer=request.user), pk=pk)
    form = forms.DecisionForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    service = services.confirm_setting_change if action == "confirm" else services.reject_setting_change
    try:
        service(actor=request.user, change=change, comment=comment)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Change #%(n)d confirmed and applied.") % {"n": pk}
            if action == "confirm"
            else _("Change #%(n)d rejected.") % {"n": pk},
        )
    return redirect("ledger:setting_changes")
