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
# Sham-lawsuit risk signals of a deduction request (DOMAIN.md §6.4), one value per rule of judicial.services.risk.
declare("judicial.risk.balance_tolerance", "decimal", "0.05",
        _("Risk: the debt is within this share of the balance (±)"), min="0", max="1")
declare("judicial.risk.round_shares", "json", ["1/2", "1/3", "2/3", "1/4", "3/4"],
        _("Risk: shares of the balance that count as an exact round share of it"))
declare("judicial.risk.uncontested_basis", "json", ["consent", "judicial_confirmation", "payment_order"],
        _("Risk: basis document types of a fast, uncontested procedure"))
declare("judicial.risk.fast_enforcement_days", "int", 30,
        _("Risk: ruling to enforcement application in fewer days than this"), min=1, max=3650)
declare("judicial.risk.repeat_months", "int", 12, _("Risk: months looked back for repeated actors"), min=1, max=120)
declare("judicial.risk.repeat_cases", "int", 1,
        _("Risk: other cases naming the same applicant, lawyer, mediator or phone (at least)"), min=1, max=1000)
declare("judicial.risk.repeat_court_cases", "int", 3,
        _("Risk: other uncontested-basis deductions of the same court (at least)"), min=1, max=10000)
declare("judicial.risk.flag_min_signals", "int", 1,
        _("Risk: signals that flag a deduction for second-level review (at least)"), min=1, max=20)
