"""The auditor's exports as signed PDF: a plain table (``templates/documents/pdf/register.html``) rendered by
WeasyPrint and signed with the center's certificate (documents.pdf). A PDF is bounded by policy before anything
is read or rendered: at most ``documents.pdf_export_max_rows`` rows and, for a period, at most
``documents.pdf_export_max_days`` days; a larger export is refused with the way out (a shorter period, or
CSV/XLSX)."""

import datetime

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core import audit, policy, roles
from core.errors import InvalidInput
from documents import pdf
from documents.services.certificates import DOCUMENT_LANGUAGE

TEMPLATE = "documents/pdf/register.html"
AUDIT_ROLES = (roles.AUDITOR, roles.SYSADMIN)


def check_period(start: datetime.date, end: datetime.date):
    """Refuse a period longer than the policy allows for one PDF."""
    most = policy.get("documents.pdf_export_max_days")
    days = (end - start).days + 1
    if days > most:
        raise InvalidInput(
            _("A signed PDF covers at most %(max)d days (this period has %(n)d): choose a shorter period, or "
              "export CSV or XLSX.") % {"max": most, "n": days}, code="pdf_period_too_long")


def check_rows(count: int):
    most = policy.get("documents.pdf_export_max_rows")
    if count > most:
        raise InvalidInput(
            _("A signed PDF holds at most %(max)d rows (this export has %(n)d): narrow it, or export CSV or XLSX.")
            % {"max": most, "n": count}, code="pdf_too_many_rows")


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if timezone.is_aware(value) \
            else value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


def signed_table(*, actor, title, subtitle, headers, rows, count, start=None, end=None) -> bytes:
    """The rows as a signed PDF table. ``count``: the number of rows (checked before ``rows`` is read);
    ``start``/``end``: the period, checked when given."""
    roles.require_role(actor, *AUDIT_ROLES)
    if start is not None and end is not None:
        check_period(start, end)
    check_rows(count)
    with translation.override(DOCUMENT_LANGUAGE):
        body = [[_cell(v) for v in row] for row in rows]
        context = {"title": str(title), "subtitle": str(subtitle), "headers": [str(h) for h in headers], "rows": body,
                   "count": len(body), "generated_at": _cell(timezone.now()),
                   "generated_by": actor.get_full_name() or actor.username}
        data = pdf.sign_pdf(pdf.render_pdf(TEMPLATE, context), reason="稽核导出")
    audit.record(actor=actor, action="audit.pdf_export", object_type="documents.export", object_id=str(title)[:64],
                 after={"title": str(title), "subtitle": str(subtitle), "rows": len(body)})
    return data
