"""Counter pages for remittance lists (汇缴/补缴 清册), and the lists the counter makes for an employer.

Thin: parse a form, call one service, and on success say so and redirect; on a business error show the
page again with the service's message above the form and under the fields it names (an upload lists every
bad row). The services check the roles again."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import selectors as account_selectors
from core import failed_forms, roles
from core.errors import ApplicationError
from core.money import format_yuan
from core.tables import list_page
from deposits import forms, selectors
from deposits.filters import RemittanceFilter
from deposits.services import list_uploads, remittance_files
from deposits.services import remittance as services
from deposits.tables import RemittanceLineTable, RemittanceTable
from ledger import selectors as ledger_selectors

LISTS_PER_PAGE = 50
LINES_PER_PAGE = 200
CANDIDATES_SHOWN = 50


def remittance_list(request):
    table = RemittanceTable(selectors.remittance_lists(request.GET, viewer=request.user))
    return list_page(request, "deposits/remittance_list.html", table=table, filename="remittance-lists",
                     filterset=RemittanceFilter(request.GET or None), per_page=LISTS_PER_PAGE)


def _remittance(request, reference):
    return get_object_or_404(selectors.remittance_for_page(viewer=request.user), reference=reference)


def _detail(request, remittance, **bound):
    """The list's page; ``bound`` holds the form that failed, shown with its errors instead of an empty one.
    Its message (and an upload's row problems) go above everything, so they show whatever the list's state."""
    candidates = []
    if remittance.status == remittance.Status.CONFIRMED:
        candidates = list(selectors.payment_candidates(remittance, viewer=request.user)[:CANDIDATES_SHOWN])
    failed = next(iter(bound.values()), None)
    pay_form = bound.pop("pay_form", None) or forms.PaymentForm()
    pay_form.show_candidates(candidates)
    can_write = roles.has_role(request.user, *roles.ACCOUNT_WRITE_ROLES)
    removable = remittance.status == remittance.Status.DRAFT and can_write
    table = RemittanceLineTable(selectors.remittance_lines(remittance, viewer=request.user),
                                exclude=() if removable else ("remove",))
    return list_page(request, "deposits/remittance_detail.html", table=table, filename=remittance.reference,
                     per_page=LINES_PER_PAGE, context={
        "remittance": remittance, "employer": remittance.employer,
        "candidates": candidates, "general_suspense": selectors.general_suspense_balance(),
        "upload_form": forms.UploadForm(), "line_form": forms.LineForm(), "allocate_form": forms.AllocateForm(),
        "reverse_form": forms.ReverseForm(), "pay_form": pay_form, "failed": failed,
        **_upload_runs(remittance), **bound,
    })


# The forms of the list's page, by the name the page shows them under (a refused one comes back with its errors).
PAGE_FORMS = {"upload_form": forms.UploadForm, "line_form": forms.LineForm, "action_form": forms.DepositForm,
              "pay_form": forms.PaymentForm, "allocate_form": forms.AllocateForm, "reverse_form": forms.ReverseForm}


def remittance_detail(request, reference):
    remittance = _remittance(request, reference)
    return _detail(request, remittance, **failed_forms.restore(request, f"remittance:{reference}", PAGE_FORMS))


def _act(request, reference, form_name, form, call, success):
    """With a valid form, run ``call(remittance, cleaned_data)`` (one service call). Success: a message built by
    ``success(result)`` and back to the list's page. Otherwise back to the list's page too, which shows the form
    with its errors (an upload's rows included) once."""
    remittance = _remittance(request, reference)
    if form.is_valid():
        try:
            result = call(remittance, form.cleaned_data)
        except ApplicationError as exc:
            form.show_error(exc)
        else:
            messages.success(request, success(result))
            return redirect("deposits:remittance", reference)
    failed_forms.keep(request, f"remittance:{reference}", form_name, form)
    return redirect("deposits:remittance", reference)


@require_POST
def remittance_upload(request, reference):
    def call(remittance, data):
        upload = data["file"]
        return list_uploads.start(actor=request.user, remittance=remittance, filename=upload.name,
                                  data=upload.read())

    def success(outcome):
        if outcome["background"]:
            return (_("The file is large: it is checked and loaded in the background; its progress is shown below.")
                    if outcome["queued"] else
                    _("The file is recorded; the task queue cannot be reached now, so it will be loaded as soon as "
                      "the queue is back."))
        r = outcome["remittance"]
        return _("The file was loaded: %(n)d employees, total %(t)s yuan.") % {"n": r.headcount,
                                                                               "t": format_yuan(r.total)}

    return _act(request, reference, "upload_form", forms.UploadForm(request.POST, request.FILES), call, success)


def remittance_upload_progress(request, reference):
    """The list's background uploads with their progress bars, polled by htmx while one is going."""
    return render(request, "deposits/_upload_runs.html", _upload_runs(_remittance(request, reference)))


def _upload_runs(remittance):
    runs = list_uploads.recent(remittance)
    return {"upload_runs": runs, "upload_running": any(r.status in list_uploads.LIVE for r in runs),
            "upload_progress_url": reverse("deposits:remittance_upload_progress", args=[remittance.reference])}


@require_POST
def remittance_line(request, reference):
    def call(remittance, data):
        return services.set_line(actor=request.user, remittance=remittance, account_number=data["account"],
                                 base=data["base"], employee_ratio=data["employee_ratio"],
                                 employer_ratio=data["employer_ratio"], month=data["month"])

    return _act(request, reference, "line_form", forms.LineForm(request.POST), call,
                lambda line: _("Account %(n)s: %(m)s, %(a)s yuan.")
                % {"n": line.account.number, "m": f"{line.month:%Y-%m}", "a": format_yuan(line.amount)})


@require_POST
def remittance_remove_line(request, reference):
    def call(remittance, data):
        return services.remove_line(actor=request.user, remittance=remittance, account_number=data["account"],
                                    month=data["month"])

    form = forms.RemoveLineForm(request.POST)
    return _act(request, reference, "action_form", form, call,
                lambda r: _("Account %(n)s was removed from the list.") % {"n": form.cleaned_data["account"]})


@require_POST
def remittance_confirm(request, reference):
    return _act(request, reference, "action_form", forms.DepositForm(request.POST),
                lambda remittance, _data: services.confirm_list(actor=request.user, remittance=remittance),
                lambda r: _("The list is confirmed: %(t)s yuan are due, quoting %(ref)s.")
                % {"t": format_yuan(r.total), "ref": r.reference})


@require_POST
def remittance_cancel(request, reference):
    return _act(request, reference, "action_form", forms.DepositForm(request.POST),
                lambda remittance, _data: services.cancel_list(actor=request.user, remittance=remittance),
                lambda r: _("The list %(ref)s is cancelled.") % {"ref": r.reference})


@require_POST
def remittance_pay(request, reference):
    form = forms.PaymentForm(request.POST, queryset=selectors.unmatched_incoming(viewer=request.user))
    return _act(request, reference, "pay_form", form,
                lambda remittance, data: services.pay_from_statement(actor=request.user, remittance=remittance,
                                                                     line=data["line"]),
                lambda r: _("The payment is recorded and %(t)s yuan are credited to %(n)d employees.")
                % {"t": format_yuan(r.total), "n": r.headcount})


@require_POST
def remittance_allocate(request, reference):
    def call(remittance, data):
        general = data["source"] == forms.AllocateForm.GENERAL
        return services.allocate_from_suspense(actor=request.user, remittance=remittance,
                                               suspense=ledger_selectors.general_suspense() if general else None)

    return _act(request, reference, "allocate_form", forms.AllocateForm(request.POST), call,
                lambda r: _("%(t)s yuan were allocated from suspense and credited to %(n)d employees.")
                % {"t": format_yuan(r.total), "n": r.headcount})


@require_POST
def remittance_reverse(request, reference):
    return _act(request, reference, "reverse_form", forms.ReverseForm(request.POST),
                lambda remittance, data: services.reverse_list(actor=request.user, remittance=remittance,
                                                               reason=data["reason"]),
                lambda r: _("The list is corrected: %(t)s yuan went back to the employer's suspense.")
                % {"t": format_yuan(r.total)})


def remittance_download(request, reference):
    remittance = _remittance(request, reference)
    fmt = "csv" if request.GET.get("format") == "csv" else "xlsx"
    return remittance_files.template_download(remittance, fmt)


# --- lists made for an employer ------------------------------------------------------------------------

def _employer(request, account_number):
    return get_object_or_404(account_selectors.employers(viewer=request.user), account_number=account_number)


@require_POST
def employer_generate(request, account_number):
    employer = _employer(request, account_number)
    form = forms.GenerateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the month of the list."))
        return redirect("accounts:employer", employer.account_number)
    try:
        remittance = services.generate_list(actor=request.user, employer=employer, month=form.cleaned_data["month"])
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("accounts:employer", employer.account_number)
    messages.success(request, _("The list for %(m)s is made: %(n)d employees, %(t)s yuan.")
                     % {"m": f"{remittance.month:%Y-%m}", "n": remittance.headcount,
                        "t": format_yuan(remittance.total)})
    return redirect("deposits:remittance", remittance.reference)


def employer_supplementary(request, account_number):
    employer = _employer(request, account_number)
    form = forms.SupplementaryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            remittance = services.supplementary_list(actor=request.user, employer=employer, months=data["months"],
                                                     account_numbers=data["account_numbers"], reason=data["reason"])
        except ApplicationError as exc:
            form.show_error(exc)
        else:
            messages.success(request, _("The supplementary list %(ref)s is made: %(t)s yuan.")
                             % {"ref": remittance.reference, "t": format_yuan(remittance.total)})
            return redirect("deposits:remittance", remittance.reference)
    return render(request, "deposits/supplementary.html", {"employer": employer, "form": form})
