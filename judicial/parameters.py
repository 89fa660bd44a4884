"""Judicial enforcement parameters (DOMAIN.md §6, §13)."""

from django.utils.translation import gettext_lazy as _

from core.policy import declare

declare("judicial.freeze_months", "int", 12, _("Default freeze period (months), renewable"), min=1, max=36)
declare("judicial.deduct_requires_withdrawal_condition", "bool", True,
        _("Deduct only while the person meets a withdrawal condition"))
# Criminal and supervisory freezes of deposits (DOMAIN.md §6.3 point 8): their own periods, renewable.
declare("judicial.freeze_months.public_security", "int", 6,
        _("Freeze period of a public security organ (months)"), min=1, max=36)
declare("judicial.freeze_months.procuratorate", "int", 6, _("Freeze period of a procuratorate (months)"),
        min=1, max=36)
declare("judicial.freeze_months.supervision", "int", 6, _("Freeze period of a supervision commission (months)"),
        min=1, max=36)
declare("judicial.max_freeze_months", "int", 36,
        _("Longest freeze period accepted in one request (months)"), min=1, max=120)
declare("judicial.living_allowance", "decimal", "0.00",
        _("Amount a deduction leaves on the account for basic living (yuan)"), min="0", max="1000000")
# DOMAIN.md §6.3 point 6: the receipt (回执) goes back "within the time limit"; the limit is set by the local
# court-center agreement, not by a national rule, so it is a policy value (calendar days after receipt).
declare("judicial.answer_days", "int", 3, _("Days after receipt within which the court gets the receipt"),
        min=0, max=30)
declare("judicial.document_max_mb", "int", 10, _("Largest scanned court document accepted at the counter (MB)"),
        min=1, max=50)
