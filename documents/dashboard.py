"""The documents' part of the staff home (``settings.HOME_PANELS``): it names its batch runs only."""

from django.utils.translation import gettext_lazy

JOBS = {"documents.statements": (gettext_lazy("Annual statements"), "documents:statement_runs"),
        "documents.statement_zip": (gettext_lazy("Statement PDFs"), "documents:statement_zips")}


def panel(*, viewer):
    return None
