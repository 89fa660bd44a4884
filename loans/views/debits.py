"""Counter pages of the bank debit run for loan installments (finance): the runs with their counts and amounts,
start a run, a run's batches and their order files, the bank's result file and its second confirmation. Thin:
parse, call one service (loans.services.debits)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import tabular
from core.errors import ApplicationError
from core.tables import list_page
from loans import forms, selectors
from loans.forms import add_errors
from loans.services import debits
from loans.tables import DebitBatchTable, DebitRunTable


def runs(request, form=None, result_form=None):
    if request.method == "POST" and form is None:
        form = forms.DebitRunForm(request.POST)
        if form.is_valid():
            try:
                run = debits.start_run(on=form.cleaned_data["on"], month=form.cleaned_data["month"],
                                       actor=request.user)
            except ApplicationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Debit run %(k)s started: %(n)d loans to look at.")
                                 % {"k": run.key, "n": run.total})
                return redirect("loans:debit_runs")
    table = DebitRunTable(selectors.debit_runs(viewer=request.user))
    return list_page(request, "loans/debit_runs.html", table=table, filename="loan_debit_runs", context={
        "form": form or forms.DebitRunForm(),
        "result_form": result_form or forms.DebitResultForm(),
        "waiting": selectors.debit_statements_waiting(viewer=request.user),
    })


@require_POST
def result(request):
    form = forms.DebitResultForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            out = debits.import_result(file=form.cleaned_data["file"], actor=request.user,
                                       closing_balance=form.cleaned_data["closing_balance"])
        except ApplicationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("%(b)d batches answered (%(n)d orders); %(s)d already answered were skipped.")
                             % {"b": out["batches"], "n": out["orders"], "s": out["skipped"]})
            if out["statement"]:
                messages.info(request, _("Another finance person must confirm the bank's credits before they are "
                                         "posted."))
            return redirect("loans:debit_runs")
    request.method = "GET"
    return runs(request, result_form=form)


@require_POST
def confirm(request, pk):
    statement = get_object_or_404(selectors.debit_statements_waiting(viewer=request.user), pk=pk)
    try:
        out = debits.confirm_result(statement=statement, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Confirmed: %(n)d batches posted.") % {"n": out["applied"]})
    return redirect("loans:debit_runs")


def run(request):
    """A run's batches: ``?id=`` the run."""
    pk = request.GET.get("id", "")
    if not pk.isdigit() or len(pk) > 18:
        return redirect("loans:debit_runs")
    found = selectors.debit_runs(viewer=request.user).filter(pk=int(pk)).first()
    if found is None:
        raise Http404
    table = DebitBatchTable(selectors.debit_batches(viewer=request.user, run=found))
    return list_page(request, "loans/debit_run.html", table=table, filename=f"loan_debit_run_{found.pk}",
                     context={"run": found})


def orders(request):
    """The order file of a batch for the bank: ``?batch=`` its reference."""
    reference = request.GET.get("batch", "")[:40]
    if not reference:
        return redirect("loans:debit_runs")
    b = get_object_or_404(selectors.debit_batches(viewer=request.user), reference=reference)
    body = tabular.write(debits.order_rows(b), debits.ORDER_COLUMNS, "csv")
    return tabular.download(body, "csv", filename=b.reference)
