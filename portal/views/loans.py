"""Depositor pages for housing loans (/portal/loans/...): the public loan calculator (no login), the online
application (save a draft, submit), "my loan applications" and the detail of one with its timeline and the
decision. Only the depositor's own data; every write is a service call, every figure from ``loans``."""

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import roles
from core.errors import ApplicationError
from core.money import format_yuan
from core.views_helpers import file_download
from loans import selectors, services
from loans.forms import (
    ApplicationForm,
    CalculatorForm,
    FundRepaymentForm,
    PrepaymentRequestForm,
    add_errors,
    document_inputs,
    uploaded_documents,
)
from loans.models import LoanApplication
from loans.services import fund_repayments
from portal import case_selectors
from portal import selectors as portal_selectors
from withdrawals import selectors as withdrawal_selectors
from withdrawals.services import loan_funding

S = LoanApplication.State
CHART_BARS = 40  # the chart shows at most this many bars (years, or groups of months)


def _mine(request):
    return selectors.applications(viewer=request.user).filter(borrower__user=request.user).order_by("-id")


def _own(request, number) -> LoanApplication:
    app = _mine(request).filter(number=number[:30]).first()
    if app is None:
        raise Http404
    return app


def _chart(installments) -> list[dict]:
    """Principal and interest paid per year of the loan, as shares of the largest year (for the bars)."""
    years = {}
    for i in installments:
        year = (i.number - 1) // 12 + 1
        p, n = years.get(year, (0, 0))
        years[year] = (p + i.principal, n + i.interest)
    top = max((p + n for p, n in years.values()), default=0) or 1
    return [
        {"year": y, "principal": p, "interest": n, "p_pct": int(p * 100 / top), "i_pct": int(n * 100 / top)}
        for y, (p, n) in list(years.items())[:CHART_BARS]
    ]


def calculator(request):
    """Public: the schedule of a loan (``loans.calculations.simulate``, the same as the calculator API)."""
    form = CalculatorForm(request.GET or None)
    result = None
    if form.is_bound and form.is_valid():
        try:
            result = form.simulate()
        except ApplicationError as exc:
            form.add_errors(exc)
    context = {
        "form": form,
        "result": result,
        "portal": "depositor",
        "hide_portal_nav": not roles.has_role(request.user, roles.DEPOSITOR),
    }
    if result is not None:
        context |= {
            "rows": result.installments,
            "chart": _chart(result.installments),
            "first": result.installments[0],
            "months": len(result.installments),
        }
    return render(request, "portal/loan_calculator.html", context)


def my_loans(request):
    account = portal_selectors.current_account(viewer=request.user)
    return render(request, "portal/loans.html", {"account": account, "portal": "depositor", "rows": _mine(request)})


def apply(request, number=None):
    """A new application for the depositor's own account, or a draft changed; "submit" sends it to the center."""
    account = portal_selectors.current_account(viewer=request.user)
    app = _own(request, number) if number else None
    if app is not None and app.state != S.DRAFT:
        messages.error(
            request, _("Only a draft can be changed; this application is %(s)s.") % {"s": app.get_state_display()}
        )
        return redirect("loans_portal:detail", number=app.number)
    form = ApplicationForm(request.POST or None, initial=ApplicationForm.initial_from(app) if app else None)
    if request.method == "POST" and form.is_valid():
        docs = uploaded_documents(request.FILES)
        try:
            if app is None:
                app = services.create_draft(
                    actor=request.user, account=account, data=form.service_data(), documents=docs
                )
            else:
                app = services.update_draft(
                    actor=request.user, application=app, data=form.service_data(), documents=docs
                )
        except ApplicationError as exc:
            add_errors(form, exc)
        else:
            if "submit" in request.POST:
                try:
                    app = services.submit(actor=request.user, application=app)
                except ApplicationError as exc:  # the draft and its documents are saved; say what is missing
                    messages.error(request, exc.message)
                    return redirect("loans_portal:detail", number=app.number)
            messages.success(request, _("Application %(n)s: %(s)s") % {"n": app.number, "s": app.get_state_display()})
            return redirect("loans_portal:detail", number=app.number)
    required = services.required_types(app) if app else ()
    return render(
        request,
        "portal/loan_apply.html",
        {
            "account": account,
            "portal": "depositor",
            "form": form,
            "application": app,
            "document_inputs": document_inputs(required),
        },
    )


@require_POST
def submit(request, number):
    app = _own(request, number)
    try:
        app = services.submit(actor=request.user, application=app)
        messages.success(request, _("Application %(n)s: %(s)s") % {"n": app.number, "s": app.get_state_display()})
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("loans_portal:detail", number=app.number)


@require_POST
def resubmit(request, number):
    """The borrower sends a returned application back with the documents asked for."""
    app = _own(request, number)
    try:
        app = services.resubmit(actor=request.user, application=app)
        messages.success(request, _("Application %(n)s: %(s)s") % {"n": app.number, "s": app.get_state_display()})
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("loans_portal:detail", number=app.number)


@require_POST
def cancel(request, number):
    app = _own(request, number)
    try:
        app = services.cancel(actor=request.user, application=app, reason=request.POST.get("reason", "")[:500])
        messages.success(request, _("Application %(n)s: %(s)s") % {"n": app.number, "s": app.get_state_display()})
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("loans_portal:detail", number=app.number)


@require_POST
def upload(request, number):
    """The borrower adds scanned documents to a draft or to a returned application."""
    app = _own(request, number)
    try:
        added = services.add_documents(actor=request.user, application=app, documents=uploaded_documents(request.FILES))
        messages.success(request, _("%(n)d documents added.") % {"n": len(added)})
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("loans_portal:detail", number=app.number)


def document(request, number, pk):
    """A scanned document of an application the depositor borrows on (borrower, spouse or co-borrower); 404 for
    anyone else's."""
    doc = selectors.document(viewer=request.user, number=number, pk=pk)
    if doc is None:
        raise Http404
    return file_download(doc.file)


def detail(request, number):
    app = _own(request, number)
    account = portal_selectors.current_account(viewer=request.user)
    checklist = selectors.documents_checklist(app)
    contract = selectors.contracts(viewer=request.user).select_related("disbursement").filter(application=app).first()
    return render(
        request,
        "portal/loan_detail.html",
        {
            "account": account,
            "portal": "depositor",
            "application": app,
            "timeline": case_selectors.loan_timeline(app, contract),
            "parties": list(app.parties.all()),
            "limit": app.assessment.get("limit"),
            "clock": selectors.decision_clock(app),
            "contract": contract if contract is not None and contract.disbursed_on else None,
            "documents": list(selectors.documents(viewer=request.user, application=app)),
            "checklist": checklist,
            "steps": selectors.steps(app),
            "can_upload": app.state in services.documents.UPLOADABLE,
            "can_cancel": app.state in services.flow.APPLICANT_MAY_CANCEL,
            "document_inputs": document_inputs([c["type"] for c in checklist if not c["present"]]),
        },
    )


def my_loan(request, number):
    """A disbursed loan the depositor borrows on (borrower, spouse or co-borrower): the contract, what is
    outstanding and due, the schedule with each installment's status, and the repayments."""
    overview = selectors.loan_overview(viewer=request.user, number=number)
    if overview is None:
        raise Http404
    account = portal_selectors.current_account(viewer=request.user)
    return render(request, "portal/loan_contract.html", {"account": account, "portal": "depositor", **overview})


def fund_repay(request, number):
    """一键还贷: the depositor's own fund balance on a loan they borrow on (borrower or spouse; each person from
    their own account): the preview (what is usable, what is due, what the amount pays and the new payment or
    term, or the payoff), then "confirm" pays it (a withdrawal service, one transaction)."""
    account = portal_selectors.current_account(viewer=request.user)
    usable = withdrawal_selectors.loan_funding_usable(viewer=request.user, account=account)
    form = FundRepaymentForm(request.POST or request.GET or None)
    valid = form.is_bound and form.is_valid()
    amount, keep = (form.cleaned_data["amount"], form.cleaned_data["keep"]) if valid else (None, "term")
    preview = selectors.fund_repayment_page(viewer=request.user, number=number, usable=usable["usable"],
                                            amount=amount, keep=keep)
    if preview is None:
        raise Http404
    if request.method == "POST" and valid and _previewed(request, amount):
        try:
            app = loan_funding.repay_loan_from_fund(actor=request.user, account=account, contract_number=number,
                                                    amount=amount, keep=keep)
            messages.success(request, _("%(a)s of your fund balance repaid the loan (withdrawal %(n)s).")
                             % {"a": format_yuan(app.amount_approved), "n": app.number})
            return redirect("loans_portal:contract", number=preview["contract"].number)
        except ApplicationError as exc:
            add_errors(form, exc)
    return render(request, "portal/loan_fund_repay.html",
                  {"account": account, "portal": "depositor", "form": form, "funding": usable, **preview})


def _previewed(request, amount) -> bool:
    """The confirmation is for the amount whose effect the depositor saw (the preview's hidden field)."""
    try:
        return Decimal(request.POST.get("previewed", "")[:24]) == amount
    except (InvalidOperation, ValueError):
        return False


def prepayment(request, number):
    """The prepayment calculator of the depositor's loan (both results: keep the term, keep the payment) and the
    request to prepay from their own money (the center applies it when the money arrives)."""
    contract = selectors.disbursed_contracts(viewer=request.user).filter(number=number[:30]).first()
    if contract is None:
        raise Http404
    account = portal_selectors.current_account(viewer=request.user)
    form = PrepaymentRequestForm(request.POST or request.GET or None)
    options = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data["mode"] == "partial" and contract.status in services.repayments.ACTIVE:
            options = selectors.prepayment_options(contract=contract, amount=data["amount"])
        if request.method == "POST":
            try:
                fund_repayments.request_prepayment(actor=request.user, contract=contract, mode=data["mode"],
                                                   amount=data.get("amount"), keep=data.get("keep") or "")
                messages.success(request, _("Your prepayment request was sent; transfer the money to the center."))
                return redirect("loans_portal:prepayment", number=contract.number)
            except ApplicationError as exc:
                add_errors(form, exc)
    quote = selectors.payoff_or_none(contract=contract)
    return render(request, "portal/loan_prepayment.html", {
        "account": account, "portal": "depositor", "contract": contract, "form": form, "options": options,
        "quote": quote, "requests": selectors.prepayment_requests(viewer=request.user, contract_id=contract.pk)})


@require_POST
def prepayment_cancel(request, number, pk):
    req = selectors.prepayment_requests(viewer=request.user).filter(pk=pk, contract__number=number[:30]).first()
    if req is None:
        raise Http404
    try:
        fund_repayments.cancel_prepayment_request(actor=request.user, request=req)
        messages.success(request, _("The prepayment request was cancelled."))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("loans_portal:prepayment", number=req.contract.number)
