"""The staff home (per role): what each app contributes, gathered into one page.

Core sits below every business app, so it cannot read their queues itself: each app names a module in
``settings.HOME_PANELS`` (``<app>.dashboard``) whose ``panel(*, viewer)`` returns ``None`` or a dict with any of
these keys, each a list:

- ``todo``: the counts of the viewer's queues, ``{"key", "label", "count", "url", "level"}`` (level: "" for work
  waiting, "warning" for a deadline near, "danger" for a deadline past); ``url`` opens the queue filtered so that
  it lists exactly ``count`` cases.
- ``figures``: today's figures, ``{"key", "label", "value", "money": bool}``.
- ``sections``: ``{"template", ...context}`` blocks included under the charts (e.g. the last reconciliation).

Charts are ``{"id", "title", "type": "bar" | "line" | "pie", "categories", "series": [{"name", "data"}], "stack":
bool}``; two modules giving the same ``id`` (e.g. deposits and withdrawals by month) share one chart. A panel's
``charts`` key holds charts read live (cheap ones, e.g. from the stored reconciliations); the module's
``charts(*, viewer)``, if any, returns the charts that aggregate many rows over months: they move slowly and cost the
most on a large database, so they are cached for ``settings.HOME_CHART_CACHE_SECONDS`` per business date, language
and set of roles (the queue counts and today's figures are always read live).

The module's ``JOBS`` (``{job: (label, url name)}``) names the app's batch runs for the runs list.

Every panel reads with aggregate SQL over bounded periods (the charts cover the last :data:`CHART_MONTHS`
months), so the home stays a handful of queries on a large database.
"""

import datetime
from decimal import Decimal, InvalidOperation
from importlib import import_module

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils.translation import get_language

from core import roles
from core.business_date import today
from core.models import BatchRun

CHART_MONTHS = 12
# A decision due within this many days (today included) is shown as "due soon" on the home.
DUE_SOON_DAYS = 2
RUNS_SHOWN = 5
# Who sees the batch runs (the finance and auditor homes; administrators too).
RUN_ROLES = (roles.FINANCE, roles.AUDITOR, roles.SYSADMIN)


def month_starts(n=CHART_MONTHS, *, on=None) -> list[datetime.date]:
    """The first days of the last ``n`` months, oldest first, the month of ``on`` (default: the business date)
    last."""
    on = on or today()
    year, month = on.year, on.month
    out = []
    for _i in range(n):
        out.append(datetime.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


def by_month(rows, months) -> list[str]:
    """``rows`` of (month start, amount) spread over ``months`` (missing months are 0), as text for the chart."""
    found = {m: v for m, v in rows}
    return [str(found.get(m) or 0) for m in months]


def due_soon_until(on=None) -> datetime.date:
    return (on or today()) + datetime.timedelta(days=DUE_SOON_DAYS - 1)


def tile(key, label, count, url, level=""):
    return {"key": key, "label": label, "count": count, "url": url, "level": level if count else ""}


def home(*, viewer) -> dict:
    """Everything the viewer's home shows, gathered from ``settings.HOME_PANELS``."""
    todo, figures, sections = [], [], []
    charts: dict[str, dict] = {}
    for module in _modules():
        part = module.panel(viewer=viewer) or {}
        todo += part.get("todo", [])
        figures += part.get("figures", [])
        sections += part.get("sections", [])
        for chart in part.get("charts", []) + _charts(module, viewer):
            if chart["id"] in charts:
                charts[chart["id"]]["series"] += chart["series"]
            else:
                charts[chart["id"]] = {**chart, "series": list(chart["series"])}
    for chart in charts.values():
        chart["empty"] = not any(_nonzero(v) for s in chart["series"] for v in s["data"])
    runs = recent_runs(viewer=viewer)
    return {"on": today(), "todo": todo, "figures": figures, "sections": sections, "charts": list(charts.values()),
            "runs": runs, "running": running(runs), "shows_runs": roles.has_role(viewer, *RUN_ROLES)}


def _charts(module, viewer) -> list[dict]:
    if not hasattr(module, "charts"):
        return []
    seconds = getattr(settings, "HOME_CHART_CACHE_SECONDS", 0)
    if not seconds:
        return module.charts(viewer=viewer)
    key = ":".join(["home-charts", module.__name__, str(today()), get_language() or "",
                    ",".join(sorted(roles.roles_of(viewer)))])
    return cache.get_or_set(key, lambda: module.charts(viewer=viewer), seconds)


def _nonzero(value) -> bool:
    try:
        return Decimal(str(value)) != 0
    except (InvalidOperation, ValueError):
        return False


def _modules():
    return [import_module(path) for path in getattr(settings, "HOME_PANELS", ())]


def recent_runs(*, viewer, limit=RUNS_SHOWN) -> list[BatchRun]:
    """The latest batch runs (finance, auditors, administrators), each with its ``label`` and the ``url`` of the
    page that watches it, as its app names them (``JOBS``)."""
    if not roles.has_role(viewer, *RUN_ROLES):
        return []
    jobs = {}
    for module in _modules():
        jobs.update(getattr(module, "JOBS", {}))
    runs = list(BatchRun.objects.select_related("started_by").order_by("-id")[:limit])
    for run in runs:
        label, url_name = jobs.get(run.job, (run.job, ""))
        run.label, run.url = label, reverse(url_name) if url_name else ""
    return runs


def running(runs) -> bool:
    return any(run.status in (BatchRun.Status.PENDING, BatchRun.Status.RUNNING) for run in runs)

