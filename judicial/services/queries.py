"""Queries (查询): status, balance, frozen amount and the queue of the person's accounts, identified by ID number
and name. Every look is logged (QueryLog); the depositor is not told (no notification is written)."""

from django.utils.translation import gettext as _

from accounts.models import FundAccount
from core.business_date import today
from judicial.models import Freeze, JudicialRequest, QueryLog
from judicial.services.common import identify
from ledger.models import Account


def query_answer(req: JudicialRequest) -> dict:
    """What the center answers to a query, read now."""
    person = identify(id_number=req.id_number, name=req.person_name)
    if person is None:
        return {"found": False, "message": _("No fund account of this person at the center."), "accounts": []}
    accounts = list(FundAccount.objects.filter(depositor=person).select_related("ledger_account").order_by("pk"))
    balances = {a["pk"]: a for a in Account.objects.filter(
        pk__in=[a.ledger_account_id for a in accounts]).values("pk", "balance", "held")}
    freezes = {}
    for f in Freeze.objects.filter(account__in=accounts, state__in=Freeze.LIVE_STATES).select_related(
            "court", "request").order_by("queue_position"):
        freezes.setdefault(f.account_id, []).append({
            "court": f.court.name, "case_number": f.case_number, "request_number": f.request.number,
            "state": f.state, "amount_requested": str(f.amount_requested), "amount_frozen": str(f.amount_frozen),
            "queue_position": f.queue_position, "start_date": str(f.start_date), "end_date": str(f.end_date)})
    out = []
    for acc in accounts:
        b = balances[acc.ledger_account_id]
        out.append({"account_number": acc.number, "status": acc.status, "status_label": str(acc.get_status_display()),
                    "balance": str(b["balance"]), "frozen": str(b["held"]),
                    "available": str(b["balance"] - b["held"]), "queue": freezes.get(acc.pk, [])})
    return {"found": True, "name": person.name, "accounts": out}


def log_query(req: JudicialRequest, *, viewer, result) -> QueryLog:
    depositor_id = None
    if result.get("found"):
        depositor_id = identify(id_number=req.id_number, name=req.person_name).pk
    return QueryLog.objects.create(request=req, depositor_id=depositor_id, viewer=viewer, business_date=today(),
                                   result=result)
