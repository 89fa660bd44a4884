"""Certificate parameters (DOMAIN.md §7, §13)."""

from django.utils.translation import gettext_lazy as _

from core.policy import declare

declare("documents.validity_other_place_months", "int", 2, _("Other-place deposit-and-use certificate validity"),
        min=0)
declare("documents.validity_deposit_months", "int", 3, _("Deposit certificate validity (months)"), min=0)
declare("documents.validity_payoff_months", "int", 0, _("Payoff certificate validity (0 = no expiry)"), min=0)
declare("documents.statement_zip_max", "int", 2000,
        _("Most annual statements in one employer's ZIP of statement PDFs"), min=1, max=20000)
declare("documents.pdf_export_max_rows", "int", 2000, _("Most rows of one signed-PDF audit export"), min=1,
        max=50000)
declare("documents.pdf_export_max_days", "int", 31, _("Longest period (days) of one signed-PDF audit export"),
        min=1, max=366)
