"""The ledger's part of the staff home (``settings.HOME_PANELS``): for finance, the statements to confirm and the
receipts to match; for finance, auditors and administrators, the last reconciliation, suspense money and items in
transit by age, and the status of the latest reconciliations."""

from django.db.models import IntegerField, Sum
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import dashboard, roles
from ledger.models import BankStatement, BankStatementLine, ReconciliationRun
from ledger.reconciliation import AGE_BUCKETS

READ_ROLES = (roles.FINANCE, roles.AUDITOR, roles.SYSADMIN)  # who reads the reconciliation (ledger.urls)
RUNS_CHARTED = 14
AGE_LABELS = {"0-30": gettext_lazy("≤ 30 days"), "31-90": gettext_lazy("31–90 days"), "90+": gettext_lazy("> 90 days")}
KIND_LABELS = {"suspense": gettext_lazy("Suspense (not yet allocated)"),
               "receipt": gettext_lazy("Received by the bank, not yet booked"),
               "payment": gettext_lazy("Paid in the books, not yet through the bank")}
JOBS = {"ledger.reconciliation": (gettext_lazy("Three-ledger reconciliation"), "ledger:reconciliation"),
        "ledger.statement_import": (gettext_lazy("Bank statement import"), "deposits:bank")}
# The checks that differ in a stored report, counted in SQL (the reports themselves stay in the database).
DIFFERING_CHECKS = ("SELECT COUNT(*) FROM jsonb_array_elements(ledger_reconciliationrun.report -> 'checks') c "
                    "WHERE NOT COALESCE((c ->> 'ok')::boolean, false)")


def todo(*, viewer) -> list[dict]:
    if not roles.has_role(viewer, roles.FINANCE):
        return []
    pending = BankStatement.objects.filter(status=BankStatement.Status.PENDING).count()
    lines = BankStatementLine.objects.visible_to(viewer).filter(
        match_status=BankStatementLine.Match.UNMATCHED, direction=BankStatementLine.Direction.CREDIT).count()
    return [
        dashboard.tile("statements-pending", _("Bank statements to confirm"), pending,
                       f"{reverse('ledger:statements')}?{urlencode({'status': BankStatement.Status.PENDING})}"),
        dashboard.tile("receipts-unmatched", _("Bank receipts to match"), lines,
                       f"{reverse('deposits:bank_lines')}?"
                       + urlencode({"direction": BankStatementLine.Direction.CREDIT,
                                    "match_status": BankStatementLine.Match.UNMATCHED})),
    ]


def panel(*, viewer) -> dict:
    if not roles.has_role(viewer, *READ_ROLES):
        return {}
    out = {"todo": todo(viewer=viewer), "charts": [], "sections": []}
    if roles.has_role(viewer, roles.FINANCE):
        unmatched = BankStatementLine.objects.visible_to(viewer).filter(
            match_status=BankStatementLine.Match.UNMATCHED, direction=BankStatementLine.Direction.CREDIT,
        ).order_by().aggregate(s=Sum("amount"))["s"]
        out["figures"] = [{"key": "receipts-unmatched-amount", "label": _("Bank receipts not yet matched"),
                           "value": unmatched or 0, "money": True}]
    runs = list(ReconciliationRun.objects.order_by("-id").annotate(
        differing=RawSQL(DIFFERING_CHECKS, [], output_field=IntegerField()),
        checks=RawSQL("COALESCE(jsonb_array_length(ledger_reconciliationrun.report -> 'checks'), 0)", [],
                      output_field=IntegerField()))
        .values("id", "business_date", "ok", "differing", "checks")[:RUNS_CHARTED])
    last = ReconciliationRun.objects.order_by("-id").only("id", "business_date", "created_at", "ok", "report").first()
    out["sections"].append({"template": "ledger/_home_reconciliation.html", "run": last,
                            "checks": (last.report or {}).get("checks", []) if last else []})
    ageing = (last.report or {}).get("ageing") if last else None
    if ageing:
        out["charts"].append({
            "id": "ageing", "title": _("Suspense money and items in transit by age") + f" · {ageing['as_of']}",
            "type": "bar", "stack": True, "categories": [str(AGE_LABELS[name]) for name, _lo, _hi in AGE_BUCKETS],
            "series": [{"name": str(KIND_LABELS.get(kind, kind)),
                        "data": [buckets.get(name, "0") for name, _lo, _hi in AGE_BUCKETS]}
                       for kind, buckets in ageing.get("totals", {}).items()]})
    if runs:
        runs.reverse()
        out["charts"].append({
            "id": "reconciliation", "title": _("Reconciliation status (latest runs)"), "type": "bar", "stack": True,
            "categories": [f"{r['business_date']:%Y-%m-%d} #{r['id']}" for r in runs],
            "series": [{"name": _("Checks that agree"),
                        "data": [r["checks"] - r["differing"] for r in runs]},
                       {"name": _("Checks with differences"), "data": [r["differing"] for r in runs]}]})
    return out

