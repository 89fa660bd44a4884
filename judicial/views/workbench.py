"""The judicial officer's workbench: requests by state, freezes about to expire, the queue per account."""

from django_tables2 import RequestConfig

from core.tables import list_page
from judicial import selectors
from judicial.models import JudicialRequest
from judicial.tables import FreezeTable, RequestTable


def workbench(request):
    state = request.GET.get("state") or ""
    receipt = request.GET.get("receipt") or ""
    table = RequestTable(selectors.requests(viewer=request.user, state=state, receipt=receipt))
    expiring = FreezeTable(selectors.expiring_freezes(viewer=request.user), prefix="exp-")
    queues = FreezeTable(selectors.queues(viewer=request.user), prefix="q-")
    for extra in (expiring, queues):
        RequestConfig(request, paginate={"per_page": 50}).configure(extra)
    counts = selectors.state_counts(viewer=request.user)
    states = [(value, label, counts.get(value, 0)) for value, label in JudicialRequest.State.choices]
    return list_page(request, "judicial/workbench.html", table=table, filename="judicial-requests",
                     context={"expiring": expiring, "queues": queues, "states": states, "state": state,
                              "receipt": receipt, "expiring_days": selectors.EXPIRING_DAYS})
