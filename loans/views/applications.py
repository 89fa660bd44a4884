"""Counter pages for housing loans: the loan officer's list of applications, the entry form (save a draft or
accept at once), the case page (parties, home, limit with every component, eligibility checks, schedule preview,
history, the next step for the viewer's role) and the contract with its schedule. Thin: parse, call one service."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.models import FundAccount
from core import audit, roles
from core.errors import ApplicationError
from core.tables import list_page
from core.views_helpers import file_download
from loans import forms, selectors, services
from loans.filters import ApplicationFilter
from loans.models import LoanApplication
from loans.tables import ApplicationTable, InstallmentTable

ACTIONS = {
    "accept": lambda user, app, c: services.accept(actor=user, application=app, comment=c),
    "review": lambda user, app, c: services.review(actor=user, application=app, comment=c),
    "approve": lambda user, app, c: services.approve(actor=user, application=app, comment=c),
    "reject": lambda user, app, c: services.reject(actor=user, application=app, reason=c),
    "return": lambda user, app, c: services.return_for_documents(actor=user, application=app, reason=c),
    "resubmit": lambda user, app, c: services.resubmit(actor=user, application=app, comment=c),
    "cancel": lambda user, app, c: services.cancel(actor=user, application=app, reason=c),
}
# Button and history labels of the loan workflow's steps (the workflow's own labels are shared with other cases).
STEP_LABELS = {
    "create": gettext_lazy("Entered as a draft"),
    "submit": gettext_lazy("Submitted online"),
    "accept": gettext_lazy("Accept the application (受理)"),
    "review": gettext_lazy("Review (审核)"),
    "approve": gettext_lazy("Approve the loan (审批)"),
    "reject": gettext_lazy("Reject the loan"),
    "return": gettext_lazy("Return for more documents (退回补正)"),
    "resubmit": gettext_lazy("Documents complete: back to accepted"),
    "resubmit_online": gettext_lazy("Documents completed online"),
    "cancel": gettext_lazy("Cancel the application"),
}
PREVIEW_ROWS = 12


def queue(request):
    table = ApplicationTable(selectors.queue(viewer=request.user, filters=request.GET))
    return list_page(
        request,
        "loans/queue.html",
        table=table,
        filename="loan_applications",
        filterset=ApplicationFilter(request.GET or None),
        context={
            "can_enter": roles.has_role(request.user, roles.LOAN_OFFICER),
            "queues": selectors.state_counts(viewer=request.user),
        },
    )


def _case(request, number) -> LoanApplication:
    app = selectors.applications(viewer=request.user).filter(number=number[:30]).first()
    if app is None:
        raise Http404
    return app


def _depositor_by_account(request):
    def find(number):
        account = (
            FundAccount.objects.visible_to(request.user).filter(number=number[:20]).select_related("depositor").first()
        )
        return account.depositor if account else None

    return find


def _save(request, form, app=None):
    """Create or change the draft from a valid form, with the scanned documents uploaded; with ``accept`` in the
    POST, accept it too. Returns the application, or None with the refusal on the form (nothing written: the
    services are atomic)."""
    data = form.cleaned_data
    docs = forms.uploaded_documents(request.FILES)
    try:
        parties = form.parties(_depositor_by_account(request))
    except ValidationError as exc:
        form.add_error("co_borrowers", exc)
        return None
    try:
        if app is None:
            account = FundAccount.objects.visible_to(request.user).filter(number=data["account"].strip()).first()
            if account is None:
                form.add_error("account", _("No such account."))
                return None
            app = services.create_draft(
                actor=request.user, account=account, data=form.service_data(), parties=parties, documents=docs
            )
        else:
            app = services.update_draft(
                actor=request.user, application=app, data=form.service_data(), parties=parties, documents=docs
            )
    except ApplicationError as exc:
        forms.add_errors(form, exc)
        return None
    if "accept" in request.POST:
        try:
            app = services.submit(actor=request.user, application=app)
        except ApplicationError as exc:  # the draft is saved; the page says what is still missing
            messages.error(request, exc.message)
    return app


def _with_lookup(form):
    """The account field asks for the borrower's summary (htmx) as the officer types."""
    form.fields["account"].widget.attrs.update(
        {"hx-get": reverse("loans:lookup"), "hx-trigger": "change, keyup changed delay:400ms", "hx-target": "#borrower"}
    )
    return form


def lookup(request):
    """htmx: who the account number belongs to (name, ID as the viewer may see it, status, balance, spouse)."""
    number = (request.GET.get("account") or "").strip()[:20]
    account = None
    if number:
        account = (
            FundAccount.objects.visible_to(request.user)
            .select_related("depositor", "depositor__spouse", "ledger_account")
            .filter(number=number)
            .first()
        )
    return render(request, "loans/_borrower.html", {"account": account, "number": number})


def new(request):
    form = _with_lookup(forms.CounterApplicationForm(request.POST or None,
                                                     initial={"account": request.GET.get("account", "")[:20]}))
    if request.method == "POST" and form.is_valid():
        app = _save(request, form)
        if app is not None:
            messages.success(request, _("Application %(n)s: %(s)s") % {"n": app.number, "s": app.get_state_display()})
            return redirect("loans:case", number=app.number)
    return render(request, "loans/form.html", {"form": form, "document_inputs": forms.document_inputs()})


def edit(request, number):
    app = _case(request, number)
    if app.state != LoanApplication.State.DRAFT:
        messages.error(
            request, _("Only a draft can be changed; this application is %(s)s.") % {"s": app.get_state_display()}
        )
        return redirect("loans:case", number=app.number)
    initial = {**forms.ApplicationForm.initial_from(app), **forms.parties_initial(app), "account": app.account.number}
    form = forms.CounterApplicationForm(request.POST or None, initial=initial)
    form.fields["account"].disabled = True
    if request.method == "POST" and form.is_valid():
        if _save(request, form, app) is not None:
            messages.success(request, _("Saved."))
            return redirect("loans:case", number=app.number)
    return render(
        request,
        "loans/form.html",
        {
            "form": form,
            "application": app,
            "document_inputs": forms.document_inputs(services.required_types(app)),
        },
    )


def case(request, number):
    app = _case(request, number)
    page = selectors.application_case(viewer=request.user, pk=app.pk)
    preview = selectors.schedule_preview(app)
    buttons = [(t.action, STEP_LABELS[t.action]) for t in page["actions"] if t.action in ACTIONS]
    states = dict(LoanApplication.State.choices)
    history = [
        {
            "at": t.at,
            "step": STEP_LABELS.get(t.action, t.action),
            "from_state": states.get(t.from_state, ""),
            "to_state": states.get(t.to_state, t.to_state),
            "actor": t.actor,
            "comment": t.localized_comment,
        }
        for t in page["history"]
    ]
    return render(
        request,
        "loans/case.html",
        {
            **page,
            "history": history,
            "form": forms.DecisionForm(),
            "credit_form": forms.CreditForm(),
            "buttons": buttons,
            "preview": preview[:PREVIEW_ROWS],
            "preview_last": preview[-1] if len(preview) > PREVIEW_ROWS else None,
            "preview_count": len(preview),
            "commercial_preview": services.applications.commercial_schedule(app)[:PREVIEW_ROWS],
            "sign_form": forms.SignForm(),
            "contract": selectors.contracts(viewer=request.user).filter(application=app).first(),
            "can_edit": app.state == LoanApplication.State.DRAFT and roles.has_role(request.user, roles.LOAN_OFFICER),
            "can_sign": app.state == LoanApplication.State.APPROVED
            and roles.has_role(request.user, roles.LOAN_OFFICER),
            "can_assess": app.state in services.applications.ASSESSABLE
            and roles.has_role(request.user, roles.LOAN_OFFICER, roles.REVIEWER, roles.APPROVER),
            "can_upload": app.state in services.documents.UPLOADABLE
            and roles.has_role(request.user, roles.LOAN_OFFICER),
            "document_inputs": forms.document_inputs([c["type"] for c in page["checklist"] if not c["present"]]),
        },
    )


@require_POST
def upload(request, number):
    """A loan officer adds scanned documents to a draft or to a returned case."""
    app = _case(request, number)
    try:
        added = services.add_documents(
            actor=request.user, application=app, documents=forms.uploaded_documents(request.FILES)
        )
        messages.success(request, _("%(n)d documents added.") % {"n": len(added)})
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("loans:case", number=app.number)


def document(request, number, pk):
    """A scanned document of a case, for the staff who may see it; every opening is recorded."""
    doc = selectors.document(viewer=request.user, number=number, pk=pk)
    if doc is None:
        raise Http404
    app = doc.application
    audit.record_view(
        viewer=request.user, action="loan.document.view", obj=app, depositor_id=app.borrower_id, document=doc.pk
    )
    return file_download(doc.file)


@require_POST
def act(request, number, action):
    if action not in ACTIONS:
        raise Http404
    app = _case(request, number)
    form = forms.DecisionForm(request.POST)
    form.is_valid()
    try:
        ACTIONS[action](request.user, app, form.cleaned_data.get("comment", ""))
        messages.success(request, _("Done."))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("loans:case", number=app.number)


@require_POST
def assess(request, number):
    """Assess again now; a loan officer or reviewer records the credit check at the same time."""
    app = _case(request, number)
    form = forms.CreditForm(request.POST)
    credit = form.cleaned_data["credit_ok"] if form.is_valid() else None
    try:
        services.assess(actor=request.user, application=app, credit_ok=credit)
        messages.success(request, _("The eligibility and the limit were computed again."))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("loans:case", number=app.number)


@require_POST
def sign(request, number):
    app = _case(request, number)
    form = forms.SignForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("loans:case", number=app.number)
    try:
        contract = services.sign_contract(
            actor=request.user,
            application=app,
            title_number=form.cleaned_data["title_number"],
            mortgage_registered_on=form.cleaned_data["mortgage_registered_on"],
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("loans:case", number=app.number)
    messages.success(request, _("Contract %(n)s signed.") % {"n": contract.number})
    return redirect("loans:contract", number=contract.number)


def contract(request, number):
    found = selectors.contracts(viewer=request.user).filter(number=number[:30]).first()
    if found is None:
        raise Http404
    table = InstallmentTable(selectors.schedule(viewer=request.user, contract_id=found.pk))
    return list_page(
        request,
        "loans/contract.html",
        table=table,
        filename=f"schedule_{found.number}",
        context={
            "contract": found,
            "rate_history": selectors.rate_history(found),
            **disbursement_context(request, found),
        },
        per_page=60,
    )


def disbursement_context(request, contract) -> dict:
    """What the contract page's disbursement card needs: the payees the home allows, the registered escrow
    accounts, and which step the viewer (finance) may take now."""
    status = contract.Status
    finance = roles.has_role(request.user, roles.FINANCE)
    allowed = services.allowed_payees(contract.application)
    form = forms.DisburseForm(initial={"payee_kind": allowed[0]})
    form.fields["payee_kind"].choices = [(k, label) for k, label in form.fields["payee_kind"].choices if k in allowed]
    return {
        "disburse_form": form,
        "fail_form": forms.FailForm(),
        "escrow_accounts": selectors.escrow_accounts(payee_kinds=allowed),
        "can_disburse": finance and contract.status == status.AWAITING_DISBURSEMENT,
        "can_confirm": finance and contract.status == status.DISBURSING,
    }
