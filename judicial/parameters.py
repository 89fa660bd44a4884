"""Judicial enforcement parameters (DOMAIN.md §6, §13)."""

from django.utils.translation import gettext_lazy as _

from core.policy import declare

declare("judicial.freeze_months", "int", 12, _("Default freeze period (months), renewable"), min=1, max=36)
declare("judicial.deduct_requires_withdrawal_condition", "bool", True,
        _("Deduct only while the person meets a withdrawal condition"))
