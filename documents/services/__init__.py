"""Every write of the documents app, one module per capability: statements (the annual statement run)."""

from documents.services.statements import build_statements, plan_statements, start_statements

__all__ = ["build_statements", "plan_statements", "start_statements"]
