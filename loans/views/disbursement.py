"""Counter pages for disbursement (放款) on the contract page: finance sends the payment to the payee the home
allows (a new home: only a registered presale-funds supervision account), then records the bank's answer (paid:
the loan is 正常; failed: back to awaiting disbursement). Thin: parse, call one service."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import ApplicationError
from loans import forms, selectors, services


def _contract(request, number):
    found = selectors.contracts(viewer=request.user).filter(number=number[:30]).first()
    if found is None:
        raise Http404
    return found


def _errors(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


@require_POST
def disburse(request, number):
    contract = _contract(request, number)
    form = forms.DisburseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _errors(form))
        return redirect("loans:contract", number=contract.number)
    data = form.cleaned_data
    try:
        services.disburse(
            actor=request.user,
            contract=contract,
            payee_kind=data["payee_kind"],
            payee_account=data["payee_account"],
            payee_name=data["payee_name"],
            payee_bank=data["payee_bank"],
        )
        messages.success(request, _("The payment is sent to the bank."))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("loans:contract", number=contract.number)


@require_POST
def confirm(request, number):
    contract = _contract(request, number)
    try:
        services.confirm_disbursement(actor=request.user, contract=contract)
        messages.success(request, _("The bank paid the loan; it is now normal."))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("loans:contract", number=contract.number)


@require_POST
def fail(request, number):
    contract = _contract(request, number)
    form = forms.FailForm(request.POST)
    if not form.is_valid():
        messages.error(request, _errors(form))
        return redirect("loans:contract", number=contract.number)
    try:
        services.fail_disbursement(actor=request.user, contract=contract, reason=form.cleaned_data["reason"])
        messages.success(request, _("The payment failed; the contract waits for disbursement again."))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("loans:contract", number=contract.number)
