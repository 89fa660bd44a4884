"""Self-service pages for employer agents (/employer/): home and the monthly remittance lists. They call
the deposits services and show only the agent's own employer."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import services as account_services
from core.errors import ApplicationError
from deposits.services import list_uploads, remittance_files
from deposits.services import remittance as remittance_services
from portal import selectors
from portal.forms import EmployeeSearchForm, LineForm, MonthForm, SealEmployeeForm, UploadForm


def _show_error(request, exc: ApplicationError):
    rows = exc.fields.get("rows", [])
    summary = getattr(exc, "summary", None)
    if rows and summary:  # a heading, then every row (the first one once)
        messages.error(request, summary)
        rows_shown = rows[:30]
    else:
        messages.error(request, exc.message)
        rows_shown = rows[1:30]
    for problem in rows_shown:
        messages.error(request, problem)


def employer_home(request):
    employer = selectors.employer_of(viewer=request.user)
    search = EmployeeSearchForm(request.GET)
    q = search.cleaned_data["q"] if search.is_valid() else ""
    employees, q = selectors.employee_page(employer, viewer=request.user, q=q, page=request.GET.get("page"))
    return render(request, "portal/employer_home.html", {
        "employer": employer, "employees": employees, "q": q, "search_form": search,
        "remittances": selectors.remittances(employer, viewer=request.user),
        "due": selectors.amount_due(employer, viewer=request.user),
        "pay_into": selectors.collection_account(employer),
        "month_form": MonthForm(initial={"month": selectors.next_list_month(employer, viewer=request.user)}),
        "portal": "employer",
    })


def _own_employee(request, number):
    employer = selectors.employer_of(viewer=request.user)
    account = (selectors.employees(employer, viewer=request.user).filter(number=str(number)[:20].upper())
               .select_related("employer").first())
    if account is None:
        raise Http404
    return employer, account


def employer_seal(request, number):
    """The agent seals (封存) the account of an employee who left: the date of leaving and the reason."""
    employer, account = _own_employee(request, number)
    form = SealEmployeeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            account_services.seal_account(actor=request.user, account=account, reason=form.cleaned_data["reason"],
                                          sealed_on=form.cleaned_data["sealed_on"])
        except ApplicationError as exc:
            form.show_error(exc)
        else:
            messages.success(request, _("The account %(n)s of %(p)s is sealed; its balance stays and keeps earning "
                                        "interest.") % {"n": account.number, "p": account.depositor.name})
            return redirect("portal:employer_home")
    return render(request, "portal/employer_seal.html", {"employer": employer, "account": account, "form": form,
                                                         "portal": "employer"},
                  status=400 if form.errors else 200)


@require_POST
def employer_generate(request):
    employer = selectors.employer_of(viewer=request.user)
    form = MonthForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a month."))
        return redirect("portal:employer_home")
    try:
        remittance = remittance_services.generate_list(actor=request.user, employer=employer,
                                                       month=form.cleaned_data["month"])
    except ApplicationError as exc:
        _show_error(request, exc)
        return redirect("portal:employer_home")
    return redirect("portal:employer_remittance", reference=remittance.reference)


def employer_remittance(request, reference):
    employer = selectors.employer_of(viewer=request.user)
    remittance = selectors.remittance_of(employer, reference, viewer=request.user)
    lines = remittance.lines.select_related("account__depositor").order_by("account__number", "month")
    return render(request, "portal/employer_remittance.html", {
        "employer": employer, "remittance": remittance, "lines": lines, "upload_form": UploadForm(),
        "line_form": LineForm(), "portal": "employer", **_upload_runs(remittance),
    })


def _upload_runs(remittance):
    """The list's background uploads (the same runs the counter's page shows), polled on the portal's URL."""
    runs = list_uploads.recent(remittance)
    return {"upload_runs": runs, "upload_running": any(r.status in list_uploads.LIVE for r in runs),
            "upload_progress_url": reverse("portal:employer_upload_progress", args=[remittance.reference])}


def employer_upload_progress(request, reference):
    """The list's background uploads with their progress bars, polled by htmx while one is going."""
    return render(request, "deposits/_upload_runs.html", _upload_runs(_own_list(request, reference)))


def employer_template(request, reference):
    remittance = _own_list(request, reference)
    fmt = "csv" if request.GET.get("format") == "csv" else "xlsx"
    return remittance_files.template_download(remittance, fmt)


def _own_list(request, reference):
    """The agent's own list; someone else's is a 404 before anything in the request is read."""
    return selectors.remittance_of(selectors.employer_of(viewer=request.user), reference, viewer=request.user)


def _remittance_action(request, reference, action, success):
    remittance = _own_list(request, reference)
    try:
        action(remittance)
        messages.success(request, success)
    except ApplicationError as exc:
        _show_error(request, exc)
    return redirect("portal:employer_remittance", reference=reference)


@require_POST
def employer_upload(request, reference):
    remittance = _own_list(request, reference)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file to upload."))
        return redirect("portal:employer_remittance", reference=reference)
    upload = form.cleaned_data["file"]
    try:
        outcome = list_uploads.start(actor=request.user, remittance=remittance, filename=upload.name,
                                     data=upload.read())
    except ApplicationError as exc:
        _show_error(request, exc)
    else:
        if not outcome["background"]:
            messages.success(request, _("The file was loaded into the list."))
        elif outcome["queued"]:
            messages.success(request, _("The file is large: it is checked and loaded in the background; its "
                                        "progress is shown below."))
        else:
            messages.success(request, _("The file is recorded; the task queue cannot be reached now, so it will be "
                                        "loaded as soon as the queue is back."))
    return redirect("portal:employer_remittance", reference=reference)


@require_POST
def employer_line(request, reference):
    _own_list(request, reference)
    form = LineForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a personal account number and, if it changes, the base."))
        return redirect("portal:employer_remittance", reference=reference)
    data = form.cleaned_data
    if request.POST.get("remove"):
        return _remittance_action(request, reference, lambda r: remittance_services.remove_line(
            actor=request.user, remittance=r, account_number=data["account"]), _("The employee was removed."))
    return _remittance_action(request, reference, lambda r: remittance_services.set_line(
        actor=request.user, remittance=r, account_number=data["account"], base=data["base"]),
        _("The list was updated."))


@require_POST
def employer_confirm(request, reference):
    return _remittance_action(
        request, reference, lambda r: remittance_services.confirm_list(actor=request.user, remittance=r),
        _("The list is confirmed. Pay the total to the center's account quoting the payment reference."))
