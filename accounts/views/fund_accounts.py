"""Counter pages for depositors and their personal fund accounts: search, open, seal, unseal. Thin:
parse, call one service (or selector), render; a business error is shown next to the form fields it concerns."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from accounts import forms, selectors, services
from accounts.models import FundAccount
from accounts.tables import LedgerLineTable
from core.errors import ApplicationError
from core.tables import list_page

LEDGER_LINES_PER_PAGE = 100


def search(request):
    q = request.GET.get("q", "").strip()
    return render(request, "accounts/search.html", {"q": q, "rows": selectors.search_depositors(viewer=request.user,
                                                                                                q=q)})


def search_results(request):
    """The rows of the search page, for htmx as the clerk types."""
    q = request.GET.get("q", "").strip()
    rows = selectors.search_depositors(viewer=request.user, q=q)
    return render(request, "accounts/_search_results.html", {"q": q, "rows": rows})


def account_detail(request, number):
    try:
        detail = selectors.account_detail(viewer=request.user, number=number)
    except FundAccount.DoesNotExist:
        raise Http404 from None
    account = detail.account
    panels = [panel for path in getattr(settings, "ACCOUNT_PAGE_PANELS", ())
              if (panel := import_string(path)(viewer=request.user, account=account))]
    return list_page(request, "accounts/account_detail.html", table=LedgerLineTable(detail.lines),
                     filename=f"account-{account.number}", per_page=LEDGER_LINES_PER_PAGE,
                     context={"detail": detail, "account": account, "panels": panels})


def account_new(request):
    form = forms.OpenAccountForm(request.POST or None, initial={"employer": request.GET.get("employer", "")})
    if request.method == "POST" and form.is_valid():
        try:
            account = services.open_account_for_person(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            form.show_error(exc)
        else:
            messages.success(request, _("Account %(number)s opened for %(name)s.")
                             % {"number": account.number, "name": account.depositor.name})
            return redirect("accounts:account", account.number)
    return render(request, "accounts/account_form.html", {"form": form})


def account_seal(request, number):
    account = get_object_or_404(selectors.fund_accounts(viewer=request.user), number=number)
    form = forms.SealForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.seal_account(actor=request.user, account=account, **form.cleaned_data)
        except ApplicationError as exc:
            form.show_error(exc)
        else:
            messages.success(request, _("Account %(number)s is sealed.") % {"number": account.number})
            return redirect("accounts:account", account.number)
    return render(request, "accounts/account_action.html", {"form": form, "account": account, "action": "seal"})


def account_unseal(request, number):
    account = get_object_or_404(selectors.fund_accounts(viewer=request.user), number=number)
    form = forms.UnsealForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.unseal_account(actor=request.user, account=account, **form.cleaned_data)
        except ApplicationError as exc:
            form.show_error(exc)
        else:
            messages.success(request, _("Account %(number)s is unsealed.") % {"number": account.number})
            return redirect("accounts:account", account.number)
    return render(request, "accounts/account_action.html", {"form": form, "account": account, "action": "unseal"})
