"""Sham-lawsuit risk pages (DOMAIN.md §6.4): the register of judicial deductions (CSV/XLSX export), its monthly
statistics, the risk page of one deduction (signals, second-level review, letters) and the printable letter."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core import roles
from core.business_date import today
from core.errors import ApplicationError
from core.forms import bootstrap_widgets
from core.tables import list_page
from judicial import selectors
from judicial.filters import RegisterFilter
from judicial.models import RiskLetter, RiskReview
from judicial.services import risk as risk_services
from judicial.tables import RegisterTable


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(label=gettext_lazy("Decision"), choices=RiskReview.Decision.choices)
    comment = forms.CharField(label=gettext_lazy("Reasons"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap_widgets(self)


class LetterForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Letter"), choices=RiskLetter.Kind.choices)


def _case_or_404(request, pk):
    try:
        return selectors.risk_case(viewer=request.user, pk=pk)
    except ObjectDoesNotExist:
        raise Http404 from None


def register(request):
    table = RegisterTable(selectors.deduction_register(viewer=request.user, filters=request.GET))
    return list_page(request, "judicial/register.html", table=table, filename="judicial-deductions",
                     filterset=RegisterFilter(request.GET or None))


def statistics(request):
    stats = selectors.monthly_statistics(viewer=request.user, filters=request.GET)
    return render(request, "judicial/statistics.html", {**stats, "filter": RegisterFilter(request.GET or None)})


def case(request, pk):
    page = _case_or_404(request, pk)
    return render(request, "judicial/risk_case.html", {
        **page, "review_form": ReviewForm(), "letter_form": LetterForm(),
        "may_review": roles.has_role(request.user, *risk_services.REVIEW_ROLES),
        "may_write": roles.has_role(request.user, *risk_services.LETTER_ROLES)})


@require_POST
def review(request, pk):
    req = _case_or_404(request, pk)["req"]
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a decision and write the review's reasons (at most 500 characters)."))
        return redirect("judicial:risk_case", pk=pk)
    try:
        risk_services.second_review(actor=request.user, request=req, decision=form.cleaned_data["decision"],
                                    comment=form.cleaned_data["comment"])
        messages.success(request, _("The second-level review is recorded."))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("judicial:risk_case", pk=pk)


@require_POST
def letter_sent(request, pk):
    req = _case_or_404(request, pk)["req"]
    form = LetterForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the kind of letter."))
        return redirect("judicial:risk_case", pk=pk)
    try:
        letter = risk_services.record_letter(actor=request.user, request=req, kind=form.cleaned_data["kind"])
        messages.success(request, _("Letter %(n)s is recorded as sent.") % {"n": letter.number})
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("judicial:risk_case", pk=pk)


def letter(request, pk, number=None):
    """The printable letter: a recorded one by number, or the draft of ``?kind=`` (not yet numbered)."""
    try:
        page = selectors.risk_letter(viewer=request.user, pk=pk, number=number)
    except ObjectDoesNotExist:
        raise Http404 from None
    letter = page["letter"]
    kind = letter.kind if letter else request.GET.get("kind")
    if kind not in RiskLetter.Kind.values:
        kind = RiskLetter.Kind.VERIFICATION
    return render(request, "judicial/risk_letter.html", {
        **page, "kind": kind, "kind_label": dict(RiskLetter.Kind.choices)[kind],
        "date": letter.sent_on if letter else today()})
