"""Center-wide parameters (DOMAIN.md §13)."""

from core.policy import declare

declare("center.code", "str", "DEMO01", "Center code (中心编码)")
declare("center.name", "str", "示范市住房公积金管理中心", "Center name")
declare("center.branch", "str", "01", "Branch code used in account numbers (two digits)")
