"""Counter pages for money on a disbursed loan: finance applies money received at the bank (a transfer, or cash
paid in at the bank's counter) as an installment repayment, a partial prepayment (either way) or the payoff —
or completes a borrower's prepayment request with it; the loan officer records the mortgage release after the
payoff. Thin: parse, call one service."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import roles
from core.errors import ApplicationError
from ledger.selectors import unmatched_incoming
from loans import forms, selectors, services
from loans.models import PrepaymentRequest
from loans.services import fund_repayments
from loans.services.repayments import ACTIVE

RECEIPTS_SHOWN = 200
ACTIONS = {
    "repay": lambda user, c, line: services.repay(actor=user, contract=c, line=line),
    "prepay_term": lambda user, c, line: services.prepay(actor=user, contract=c, line=line, keep="term"),
    "prepay_payment": lambda user, c, line: services.prepay(actor=user, contract=c, line=line, keep="payment"),
    "payoff": lambda user, c, line: services.pay_off(actor=user, contract=c, line=line),
}


def _contract(request, number):
    found = selectors.contracts(viewer=request.user).filter(number=number[:30], disbursed_on__isnull=False).first()
    if found is None:
        raise Http404
    return found


def repayment(request, number):
    """What the loan owes now and its payoff amount, the open prepayment request, the money received not yet
    used; POST applies one bank line as the chosen repayment (or to the open request)."""
    contract = _contract(request, number)
    form = forms.CounterRepaymentForm(request.POST or None)
    pending = selectors.prepayment_requests(viewer=request.user, contract_id=contract.pk,
                                            state=PrepaymentRequest.State.REQUESTED).first()
    if request.method == "POST" and form.is_valid():
        line = unmatched_incoming(viewer=request.user).filter(pk=form.cleaned_data["line"]).first()
        if line is None:
            form.add_error("line", _("This bank line is not money received waiting to be used."))
        else:
            try:
                if pending is not None and "request" in request.POST:
                    fund_repayments.complete_prepayment_request(actor=request.user, request=pending, line=line)
                else:
                    ACTIONS[form.cleaned_data["action"]](request.user, contract, line)
                messages.success(request, _("The money was applied to loan %(n)s.") % {"n": contract.number})
                return redirect("loans:repayment", number=contract.number)
            except ApplicationError as exc:
                forms.add_errors(form, exc)
    active = contract.status in ACTIVE
    return render(request, "loans/repayment.html", {
        "contract": contract,
        "form": form,
        "due": services.amount_due(contract=contract) if active else None,
        "quote": selectors.payoff_or_none(contract=contract),
        "pending": pending,
        "receipts": list(unmatched_incoming(viewer=request.user).order_by("-value_date", "-id")[:RECEIPTS_SHOWN]),
        "repayments": list(selectors.repayments(viewer=request.user, contract_id=contract.pk)),
        "release_form": forms.ReleaseForm() if roles.has_role(request.user, roles.LOAN_OFFICER) else None,
    })


@require_POST
def release(request, number):
    contract = _contract(request, number)
    form = forms.ReleaseForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("loans:repayment", number=contract.number)
    try:
        fund_repayments.record_mortgage_release(actor=request.user, contract=contract,
                                                released_on=form.cleaned_data["released_on"],
                                                number=form.cleaned_data["number"])
        messages.success(request, _("The mortgage release was recorded."))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("loans:repayment", number=contract.number)
