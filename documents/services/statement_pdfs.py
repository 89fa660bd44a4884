"""Signed PDFs of annual statements (个人年度对账单, DOMAIN.md §7.4), issued on demand and kept.

The first download of a statement renders it (``templates/documents/pdf/_statement.html``), signs it with the
center's certificate, appends it to the electronic archive and records a :class:`StatementDocument` keyed by the
statement and the SHA-256 of the data it prints; every later download of the same statement hands out those
archived bytes without rendering again. Many statements (an employer's ZIP) are rendered in one WeasyPrint pass
and split by page (:func:`documents.pdf.render_pdf_many`); each is then signed and archived on its own, in a
short transaction of its own, so no lock is held while documents render.

Like a certificate, each document carries a public verification code (generated before it renders, printed next
to the seal with its QR code to ``/verify/<code>/``), so anyone holding the PDF can check it on the public page.

A statement whose identity does not hold is never issued.
"""

import hashlib
import json

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import FundAccount
from core import audit, roles
from core.errors import Forbidden, NotFound, StateError
from documents import pdf
from documents.models import AnnualStatement, StatementDocument
from documents.services import archive
from documents.services.certificates import (
    DOCUMENT_LANGUAGE,
    _date,
    _money,
    _month,
    _percent,
    new_code,
    verification_path,
)
from documents.statements import statement_context

TEMPLATE = "documents/pdf/statements.html"
SEAL = "documents/seal-small.png"
ARCHIVE_KIND = "statement"
SIGN_REASON = "个人住房公积金年度对账单"
# Staff who may issue (download) a statement's PDF and order an employer's ZIP.
PDF_ROLES = (roles.CLERK, roles.REVIEWER, roles.APPROVER, roles.FINANCE, roles.SYSADMIN)
# Statements laid out per WeasyPrint pass: large enough to share the set-up, small enough to keep memory low.
RENDER_BATCH = 25


def printed_data(statement: AnnualStatement) -> dict:
    """What the PDF prints of ``statement`` (texts only, in Chinese), without the issue date."""
    account = statement.account
    with translation.override(DOCUMENT_LANGUAGE):
        context = statement_context(account, statement.year)
        employer = context["employer"]
        return {
            "statement": statement.pk,
            "year": statement.year,
            "period": f"{_date(context['start'])}至{_date(context['end'])}",
            "name": context["depositor"].name,
            "account_number": account.number,
            "employer_name": employer.name if employer else "",
            "employer_number": employer.account_number if employer else "",
            "base": _money(context["base"]),
            "employer_ratio": _percent(context["employer_ratio"]),
            "employee_ratio": _percent(context["employee_ratio"]),
            "paid_up_to": _month(context["paid_up_to"]),
            "opening": _money(context["opening"]),
            "lines": [{"label": str(line["label"]), "sign": line["sign"], "amount": _money(line["amount"])}
                      for line in context["lines"]],
            "closing": _money(context["closing"]),
            "center_name": context["center_name"],
        }


def content_hash(data: dict) -> str:
    return hashlib.sha256(json.dumps(data, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def document_number(data: dict, digest: str) -> str:
    return f"DZ{data['year']}{data['account_number']}-{digest[:8].upper()}"


def _check_issuable(statement):
    if not statement.identity_ok:
        raise StateError(
            _("This statement is being checked by the center and cannot be downloaded yet."), code="statement_checking"
        )


def _check_actor(actor, statement):
    if roles.has_role(actor, *PDF_ROLES):
        return
    if roles.has_role(actor, roles.DEPOSITOR) and FundAccount.objects.visible_to(actor).filter(
            pk=statement.account_id).exists():
        return
    raise Forbidden(_("Your role does not allow this action."))


def find(*, statement, data=None) -> StatementDocument | None:
    """The document already issued for ``statement`` as it prints now, if any."""
    data = data or printed_data(statement)
    return (StatementDocument.objects.select_related("archive")
            .filter(statement=statement, content_hash=content_hash(data)).first())


def _store(*, actor, statement, data, code, content) -> StatementDocument:
    """Archive the signed ``content`` (printing the verification ``code``) and record it, once: under the
    statement's row lock, a document another request stored meanwhile wins, and ``content`` and ``code`` are
    dropped."""
    digest = content_hash(data)
    with transaction.atomic():
        AnnualStatement.objects.select_for_update().filter(pk=statement.pk).first()
        existing = (StatementDocument.objects.select_related("archive")
                    .filter(statement=statement, content_hash=digest).first())
        if existing is not None:
            return existing
        number = document_number(data, digest)
        record = archive.append(kind=ARCHIVE_KIND, reference=number, content=content)
        document = StatementDocument.objects.create(
            statement=statement, content_hash=digest, number=number, code=code, sha256=record.sha256, archive=record,
            issued_at=timezone.now(), issued_by=actor)
        audit.record(actor=actor, action="statement.pdf_issue", obj=document,
                     after={"number": number, "year": statement.year, "account": data["account_number"]})
    return document


def verification_url(code: str, base_url=None) -> str:
    """The address the QR code of a statement encodes: the public verification page, on ``base_url`` (default
    ``settings.PUBLIC_BASE_URL``, as for certificates)."""
    return (base_url or settings.PUBLIC_BASE_URL).rstrip("/") + verification_path(code)


def print_item(data: dict, *, code: str, issued_on: str, seal: str, base_url=None) -> dict:
    """What the template prints of one statement: its printed data, the document number, the issue date, the
    seal, and the verification code with the URL and the QR code of the verification page."""
    url = verification_url(code, base_url)
    return {**data, "number": document_number(data, content_hash(data)), "issued_on": issued_on, "seal": seal,
            "code": code, "url": url, "qr": pdf.qr_data_uri(url)}


def _render(items: list[dict], *, base_url=None) -> list[tuple[str, bytes]]:
    """(verification code, signed PDF) of each of the printed ``items`` (one WeasyPrint pass per RENDER_BATCH)."""
    seal = pdf.static_data_uri(SEAL)
    issued_on = _date(timezone.localdate())
    out = []
    for i in range(0, len(items), RENDER_BATCH):
        batch = [print_item(item, code=new_code(), issued_on=issued_on, seal=seal, base_url=base_url)
                 for item in items[i:i + RENDER_BATCH]]
        rendered = pdf.render_pdf_many(TEMPLATE, batch, list_name="statements")
        out.extend((item["code"], pdf.sign_pdf(data, reason=SIGN_REASON))
                   for item, data in zip(batch, rendered, strict=True))
    return out


def issue(*, actor, statement, base_url=None) -> StatementDocument:
    """The signed PDF of ``statement``: the one already issued for what it prints, else rendered, signed and
    archived now. ``base_url``: the site address its QR code points to (default ``settings.PUBLIC_BASE_URL``)."""
    _check_actor(actor, statement)
    _check_issuable(statement)
    data = printed_data(statement)
    existing = find(statement=statement, data=data)
    if existing is not None:
        return existing
    ((code, content),) = _render([data], base_url=base_url)
    return _store(actor=actor, statement=statement, data=data, code=code, content=content)


def issue_many(*, actor, statements, base_url=None) -> list[StatementDocument]:
    """The signed PDFs of ``statements`` (identity holding), rendering together those not issued yet."""
    roles.require_role(actor, *PDF_ROLES)
    out, missing = {}, []
    for statement in statements:
        _check_issuable(statement)
        data = printed_data(statement)
        existing = find(statement=statement, data=data)
        if existing is not None:
            out[statement.pk] = existing
        else:
            missing.append((statement, data))
    for i in range(0, len(missing), RENDER_BATCH):
        part = missing[i:i + RENDER_BATCH]
        rendered = _render([d for _s, d in part], base_url=base_url)
        for (statement, data), (code, content) in zip(part, rendered, strict=True):
            out[statement.pk] = _store(actor=actor, statement=statement, data=data, code=code, content=content)
    return [out[s.pk] for s in statements]


def statement_of(*, account, year) -> AnnualStatement:
    statement = (AnnualStatement.objects.select_related("account", "account__depositor", "account__employer")
                 .filter(account=account, year=year).first())
    if statement is None:
        raise NotFound(
            _("There is no annual statement of this account for the interest year ending in %(y)s.") % {"y": year},
            code="no_statement")
    return statement


def pdf_bytes(document: StatementDocument) -> bytes:
    return bytes(document.archive.content)
