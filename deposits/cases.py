"""Remittance lists, deferrals and base adjustments (cases of an employer) in the staff case search and on the
account page (``settings.CASE_SEARCH_SOURCES``). On the account page a person's cases of these kinds are the
supplementary payments with a line for the account, the base adjustments with a line for it and the deferrals
or ratio reductions of the account's employer (the monthly remittance lists are the employer's routine, found by
the employer's number or name)."""

from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import TruncDate
from django.utils.translation import gettext_lazy as _

from accounts.cases import CaseSource
from deposits.models import (
    BaseAdjustment,
    BaseAdjustmentLine,
    DeferralAccountRatio,
    DeferralApplication,
    RemittanceLine,
    RemittanceList,
)


def _remittances_of(depositor, account):
    lines = RemittanceLine.objects.filter(remittance=OuterRef("pk"), account_id=account.pk)
    return [Q(kind=RemittanceList.Kind.SUPPLEMENTARY) & Q(Exists(lines))]


def _deferrals_of(depositor, account):
    ratios = DeferralAccountRatio.objects.filter(application=OuterRef("pk"), account_id=account.pk)
    mine = Q(Exists(ratios))
    return [mine | Q(employer_id=account.employer_id)] if account.employer_id else [mine]


def _adjustments_of(depositor, account):
    return [Q(Exists(BaseAdjustmentLine.objects.filter(adjustment=OuterRef("pk"), account_id=account.pk)))]


REMITTANCES = CaseSource(
    kind="remittance", label=_("Remittance list"), model=RemittanceList, states=RemittanceList.Status,
    state_field="status", date="month", url_name="deposits:remittance", number_fields=("reference",),
    person_arms=_remittances_of)

DEFERRALS = CaseSource(
    kind="deferral", label=_("Deferral or ratio reduction"), model=DeferralApplication,
    states=DeferralApplication.Status, state_field="status", date=TruncDate("submitted_at"),
    url_name="deposits:deferral", url_arg="pk", number_is_pk=True, number_fields=(), person_arms=_deferrals_of)

BASE_ADJUSTMENTS = CaseSource(
    kind="base_adjustment", label=_("Base adjustment"), model=BaseAdjustment, states=BaseAdjustment.Status,
    state_field="status", date=TruncDate("submitted_at"), url_name="deposits:base_adjustment", url_arg="pk",
    number_is_pk=True, number_fields=(), person_arms=_adjustments_of)
