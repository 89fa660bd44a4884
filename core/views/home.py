"""The staff start page: the viewer's queues, today's figures, charts and, for finance and auditors, the batch
runs with their progress (``core.dashboard``)."""

from django.shortcuts import render

from core import dashboard


def home(request):
    return render(request, "core/home.html", dashboard.home(viewer=request.user))


def runs(request):
    """The batch runs with their progress bars, polled by htmx while one is going."""
    runs = dashboard.recent_runs(viewer=request.user)
    return render(request, "core/_home_runs.html", {"runs": runs, "running": dashboard.running(runs)})
