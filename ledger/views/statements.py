"""Bank statement imports: who brought each one in, its SHA-256 and closing balance, and the second finance
person's confirmation of a file."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import ApplicationError
from ledger import selectors, services
from ledger.models import BankStatement


def statements(request):
    """The imports, latest first; ``?status=pending`` lists those waiting for the second confirmation only."""
    qs = selectors.statements(viewer=request.user)
    status = request.GET.get("status", "")
    if status in BankStatement.Status.values:
        qs = qs.filter(status=status)
    return render(request, "ledger/statements.html", {"statements": qs[:200]})


@require_POST
def statement_confirm(request, pk):
    statement = get_object_or_404(selectors.statements(viewer=request.user), pk=pk)
    try:
        services.confirm_statement(statement=statement, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Statement #%(n)d is confirmed; its lines may now be matched.") % {"n": pk})
    return redirect("ledger:statements")
