"""Counter pages for flexible workers (灵活就业): registration and deposits from the bank's statement lines."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import FundAccount
from core import failed_forms, roles
from core.errors import ApplicationError, InvalidInput
from core.money import format_yuan
from core.tables import list_page
from deposits import forms, selectors
from deposits.services import flexible as flexible_services
from deposits.tables import FlexibleDepositTable

WRITE = roles.ACCOUNT_WRITE_ROLES


def _flexible_page(request, register_form=None, deposit_form=None):
    lines = selectors.unmatched_incoming(viewer=request.user).order_by("value_date", "id")
    table = FlexibleDepositTable(selectors.flexible_deposits(viewer=request.user))
    return list_page(request, "deposits/flexible.html", table=table, filename="flexible-deposits", context={
        "register_form": register_form or forms.FlexibleRegisterForm(),
        "deposit_form": deposit_form or forms.FlexibleDepositForm(queryset=lines),
        "can_register": roles.has_role(request.user, *WRITE),
    })


def flexible(request):
    lines = selectors.unmatched_incoming(viewer=request.user).order_by("value_date", "id")
    failed = failed_forms.restore(request, "deposits:flexible", {
        "register_form": forms.FlexibleRegisterForm,
        "deposit_form": lambda **kwargs: forms.FlexibleDepositForm(queryset=lines, **kwargs)})
    return _flexible_page(request, **failed)


@require_POST
def flexible_register(request):
    form = forms.FlexibleRegisterForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            account = flexible_services.register_flexible(actor=request.user, base=data["base"], ratio=data["ratio"],
                                                          name=data["name"], id_number=data["id_number"],
                                                          phone=data["phone"])
        except ApplicationError as exc:
            form.show_error(exc)
        else:
            messages.success(request, _("Flexible worker's account %(n)s is open: %(a)s yuan a month.")
                             % {"n": account.number, "a": format_yuan(account.monthly_total)})
            return redirect("deposits:flexible")
    failed_forms.keep(request, "deposits:flexible", "register_form", form)
    return redirect("deposits:flexible")


@require_POST
def flexible_deposit(request):
    form = forms.FlexibleDepositForm(request.POST, queryset=selectors.unmatched_incoming(viewer=request.user))
    if form.is_valid():
        data = form.cleaned_data
        account = FundAccount.objects.visible_to(request.user).filter(number=data["account"]).first()
        try:
            if account is None:
                raise InvalidInput(_("Unknown account number."), fields={"account": [_("Unknown account number.")]})
            deposit = flexible_services.flexible_deposit(actor=request.user, account=account, months=data["months"],
                                                         statement_line=data["line"])
        except ApplicationError as exc:
            form.show_error(exc)
        else:
            messages.success(request, _("Deposit %(r)s booked: %(a)s yuan for %(m)d month(s).")
                             % {"r": deposit.reference, "a": format_yuan(deposit.amount), "m": deposit.months})
            return redirect("deposits:flexible")
    failed_forms.keep(request, "deposits:flexible", "deposit_form", form)
    return redirect("deposits:flexible")
