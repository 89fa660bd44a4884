"""Staff pages of statement PDFs: one account's annual statement with its signed PDF, and an employer's
statements of a year ordered as one ZIP built in the background (a progress bar polled by htmx, then the
download). Thin: parse, call one service or selector, render."""

from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accounts.models import FundAccount
from core import bounds
from core.errors import ApplicationError
from documents import forms, selectors
from documents.responses import pdf_response
from documents.services import statement_pdfs, statement_zips


def _account(request, number):
    return get_object_or_404(FundAccount.objects.visible_to(request.user)
                             .select_related("depositor", "employer"), number=number)


def account_statement(request, number):
    account = _account(request, number)
    context, error, notice = selectors.statement_page(account, request.GET.get("year"), viewer=request.user)
    if error:
        messages.error(request, error)
    if notice:
        messages.info(request, notice)
    return render(request, "documents/statement.html", context)


def account_statement_pdf(request, number):
    account = _account(request, number)
    try:
        statement = statement_pdfs.statement_of(account=account, year=bounds.year(request.GET.get("year", "")))
        document = statement_pdfs.issue(actor=request.user, statement=statement,
                                           base_url=request.build_absolute_uri("/"))
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("documents:account_statement", account.number)
    return pdf_response(document, statement_pdfs.pdf_bytes(document))


def zips(request):
    form = forms.ZipOrderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            run, _queued = statement_zips.start_zip(actor=request.user, employer_number=form.cleaned_data["employer"],
                                                    year=form.cleaned_data["year"])
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("documents:statement_zip", run.pk)
    return render(request, "documents/statement_zips.html",
                  {"form": form, "runs": selectors.zip_runs(viewer=request.user)[:20]})


def zip_detail(request, pk):
    return render(request, "documents/statement_zip.html", {"run": selectors.zip_run(viewer=request.user, pk=pk)})


def zip_progress(request, pk):
    """The progress bar (and, once written, the download link), polled by htmx."""
    return render(request, "documents/_statement_zip_progress.html",
                  {"run": selectors.zip_run(viewer=request.user, pk=pk)})


def zip_download(request, pk):
    run = selectors.zip_run(viewer=request.user, pk=pk)
    handle = statement_zips.open_zip(run)
    if handle is None:
        messages.info(request, _("The ZIP is still being built."))
        return redirect("documents:statement_zip", run.pk)
    return FileResponse(handle, as_attachment=True, content_type="application/zip",
                        filename=f"statements-{run.params['employer_number']}-{run.params['year']}.zip")
