"""Self-service pages for depositors (/portal/): home, deposit history, profile, interest. They show only
the logged-in depositor's own data."""

from django.contrib import messages
from django.shortcuts import redirect, render

from core import bounds
from core.errors import ApplicationError
from core.visibility import own_rows
from deposits.services import interest as deposit_interest
from documents import selectors as document_selectors
from documents.responses import pdf_response
from documents.services import statement_pdfs
from judicial import selectors as judicial_selectors
from loans import selectors as loan_selectors
from portal import selectors


def home(request):
    account = selectors.current_account(viewer=request.user)
    return render(request, "portal/home.html", {
        "account": account, "depositor": account.depositor, "holds": selectors.holds(account, viewer=request.user),
        "deposits": selectors.deposit_history(account, viewer=request.user, limit=12),
        "loans": own_rows("portal_loans", request.user, lambda user: loan_selectors.disbursed_contracts(viewer=user)),
        "freezes": judicial_selectors.freezes_in_force(account, viewer=request.user),
    })


def deposits(request, number):
    account = selectors.account_of(viewer=request.user, number=number)
    return render(request, "portal/deposits.html", {
        "account": account, "deposits": selectors.deposit_history(account, viewer=request.user),
        "lines": selectors.ledger_history(account, viewer=request.user),
    })


def profile(request):
    return render(request, "portal/profile.html", {"depositor": selectors.depositor_of(viewer=request.user),
                                                   "accounts": selectors.accounts_of(viewer=request.user),
                                                   "access_log": selectors.access_log(viewer=request.user)})


def interest(request, number):
    account = selectors.account_of(viewer=request.user, number=number)
    result, problem = deposit_interest.breakdown_for_page(account, request.GET.get("year"))
    if problem:
        messages.error(request, problem)
    return render(request, "portal/interest.html", {"account": account, "result": result})


def statement(request, number):
    """The annual statement (年度对账单) of one of the depositor's accounts for an interest year (default: the
    latest one built)."""
    account = selectors.account_of(viewer=request.user, number=number)
    context, error, notice = document_selectors.statement_page(account, request.GET.get("year"), viewer=request.user)
    if error:
        messages.error(request, error)
    if notice:
        messages.info(request, notice)
    return render(request, "portal/statement.html", context)


def statement_pdf(request, number):
    """The statement of a year as a signed PDF (rendered on the first download, the same bytes afterwards)."""
    account = selectors.account_of(viewer=request.user, number=number)
    try:
        statement = statement_pdfs.statement_of(account=account, year=bounds.year(request.GET.get("year", "")))
        document = statement_pdfs.issue(actor=request.user, statement=statement,
                                           base_url=request.build_absolute_uri("/"))
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("portal:statement", account.number)
    return pdf_response(document, statement_pdfs.pdf_bytes(document))
