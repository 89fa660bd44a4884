"""Certificate parameters (DOMAIN.md §7, §13)."""

from django.utils.translation import gettext_lazy as _

from core.policy import declare

declare("documents.validity_other_place_months", "int", 2, _("Other-place deposit-and-use certificate validity"),
        min=0)
declare("documents.validity_deposit_months", "int", 3, _("Deposit certificate validity (months)"), min=0)
declare("documents.validity_payoff_months", "int", 0, _("Payoff certificate validity (0 = no expiry)"), min=0)
