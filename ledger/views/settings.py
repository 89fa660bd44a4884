"""Four-eyes changes of the ledger's settings (an account's overdraft permission, a bank account's statement
opening balance): requested by one person, confirmed or rejected by another."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import ApplicationError
from ledger import forms, selectors, services


def _page(request, overdraft_form=None, opening_form=None, status=200):
    changes = selectors.setting_changes(viewer=request.user)[:200]
    return render(
        request,
        "ledger/setting_changes.html",
        {
            "changes": changes,
            "overdraft_form": overdraft_form or forms.OverdraftChangeForm(),
            "opening_form": opening_form or forms.OpeningBalanceChangeForm(),
        },
        status=status,
    )


def setting_changes(request):
    return _page(request)


def _request_change(request, form, form_name, change):
    """Run ``change(form.cleaned_data)`` (a setting-change request a second person must confirm) for a valid form;
    an invalid form or a refused request shows the page again with the form's errors and writes nothing."""
    if form.is_valid():
        try:
            change(form.cleaned_data)
        except ApplicationError as exc:
            form.show_error(exc)
        else:
            messages.success(request, _("The change is requested; another person must confirm it."))
            return redirect("ledger:setting_changes")
    return _page(request, **{form_name: form}, status=400)


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
