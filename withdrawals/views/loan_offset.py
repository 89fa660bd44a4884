"""Counter page of 按月冲还贷 for the center's own loans: find the contract, tick the borrower's and/or the
spouse's fund account (their signatures are on the paper form), set it up. Thin: parse, call one service."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from withdrawals import selectors
from withdrawals.services import loan_funding


def loan_offset(request):
    number = (request.POST.get("contract") or request.GET.get("contract") or "").strip()[:30]
    setup = selectors.loan_offset_setup(number=number) if number else None
    error = _("There is no loan contract %(n)s.") % {"n": number} if number and setup is None else ""
    if request.method == "POST" and setup is not None:
        chosen = []
        for value in request.POST.getlist("accounts")[:10]:
            if value.isdigit() and len(value) < 19:
                chosen.append(int(value))
        try:
            made = loan_funding.set_up_loan_offset(actor=request.user, contract_number=number, accounts=chosen)
            messages.success(request, _("Monthly loan offset set up for %(n)d account(s).") % {"n": len(made)})
            return redirect(f"{request.path}?contract={setup['contract']}")
        except ApplicationError as exc:
            error = exc.message
    return render(request, "withdrawals/loan_offset.html", {"number": number, "setup": setup, "error": error})
