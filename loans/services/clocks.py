"""The workbench's clocks and the fast lane (DOMAIN.md §4.1, the center's 2小时放款 promise).

* **The decision clock** counts *calendar* days: the regulation gives the center "10 日" from acceptance, and a
  period in 日 in Chinese administrative law is calendar days (only 工作日 periods skip weekends and holidays);
  ``decision_due`` = acceptance date + ``loans.decision_days``. When a case is returned for more documents the
  clock stops, and when the documents come back it **restarts** with a full period from the new acceptance date:
  the law counts the period from the acceptance of a *complete* application (《行政许可法》Art 32, 一次性告知补正),
  so the days spent waiting for the applicant are not the center's.
* **The fast-lane clock** counts wall-clock hours from the moment the application was complete (``completed_at``:
  submitted online or accepted with every required document, or resubmitted) to the disbursement instruction;
  the promise is ``loans.fast_lane_hours`` (2) for a complete online application in the fast lane.
* **The fast lane**: every eligibility check passed on data the center holds itself — each spouse or co-borrower
  is a depositor of this center (no balance certified by another center), the homes owned come from the
  real-estate registry (the ``settings.LOAN_PROPERTY_SOURCE`` seam is configured; a figure typed by an officer is
  not the center's data), every required document is there and the credit check is recorded as good. Computed
  at each assessment and stored on the application; such cases come first in every queue.
"""

from django.conf import settings
from django.utils import timezone

from loans.models import LoanParty
from loans.services import documents


def homes_from_registry() -> bool:
    """Whether the homes owned are read from the real-estate registry (``settings.LOAN_PROPERTY_SOURCE``)."""
    return bool(getattr(settings, "LOAN_PROPERTY_SOURCE", ""))


def fast_lane(app) -> bool:
    """Whether ``app`` (assessed) qualifies for the fast lane (see the module's docstring)."""
    if not app.assessment or not app.assessment.get("eligible"):
        return False
    if app.credit_ok is not True or not homes_from_registry():
        return False
    if LoanParty.objects.filter(application_id=app.pk, depositor__isnull=True).exists():
        return False
    return not documents.missing_types(app)


def mark_complete(app, *, now=None, restart=False):
    """Record when the application became complete (kept from the online submission unless ``restart``)."""
    if restart or app.completed_at is None:
        app.completed_at = now or timezone.now()
