"""Center-wide parameters (DOMAIN.md §13)."""

from django.utils.translation import gettext_lazy as _

from core.policy import declare

declare("center.code", "str", "DEMO01", _("Center code (中心编码)"))
declare("center.name", "str", "示范市住房公积金管理中心", _("Center name"))
declare("center.branch", "str", "01", _("Branch code used in account numbers (two digits)"))
