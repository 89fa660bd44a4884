"""Scanned documents of a loan application (DOMAIN.md §4.2, §4.8): which types its purpose and home require (the
policy value ``loans.required_documents``, the one place that says it), the upload at the counter or in the
portal, and the check that refuses to submit or accept an application while a required type is missing.

An upload is judged before anything is written: a known type, at most ``loans.documents_max`` per application,
each a PDF, JPEG or PNG by its content (``core.uploads.check_scan``) and at most ``loans.document_max_mb``; it is
stored under a random name with its SHA-256. Documents are added to a draft, or to an application a reviewer or
approver returned for more documents (:mod:`loans.services.returns`); a submitted application changes only
through the workflow."""

from django.db import transaction
from django.utils.translation import gettext as _

from core import audit, policy, roles, uploads
from core.business_date import today
from core.errors import Forbidden, InvalidInput, StateError
from loans.models import LoanApplication, LoanDocument, LoanDocumentType
from loans.services.flow import FLOW, S

UPLOADABLE = (S.DRAFT, S.RETURNED)


def required_types(app, *, on=None) -> list[str]:
    """The document types ``app`` needs, in the policy's order: those for every application, for its purpose and
    for its purpose and property kind (``"purchase:new"``)."""
    mapping = policy.get("loans.required_documents", on=on or app.application_date) or {}
    out = []
    for key in ("all", app.purpose, f"{app.purpose}:{app.property_kind}"):
        for doc_type in mapping.get(key, ()) if isinstance(mapping, dict) else ():
            if doc_type in LoanDocumentType.values and doc_type not in out:
                out.append(doc_type)
    return out


def missing_types(app) -> list[str]:
    """The required document types of ``app`` with no document uploaded yet."""
    have = set(LoanDocument.objects.filter(application_id=app.pk).values_list("doc_type", flat=True))
    return [t for t in required_types(app) if t not in have]


def labels(doc_types) -> str:
    return "、".join(str(LoanDocumentType(t).label) for t in doc_types)


def require_complete(app):
    """Refuse (nothing written) while a required document is missing; the message names the missing types."""
    missing = missing_types(app)
    if missing:
        message = _("Documents missing: %(d)s. Upload them first.") % {"d": labels(missing)}
        raise InvalidInput(message, fields={"documents": [message]}, code="documents_missing")


def check_documents(documents, *, on, already=0) -> list:
    """Every upload judged before anything is written. ``documents`` is [(document type, upload)]; returns
    [(document type, upload, extension)]."""
    documents = list(documents or ())
    limit = policy.get("loans.documents_max", on=on)
    if already + len(documents) > limit:
        raise InvalidInput(
            _("At most %(n)d documents per application.") % {"n": limit},
            fields={"documents": [_("Too many files.")]},
            code="too_many_files",
        )
    max_bytes = policy.get("loans.document_max_mb", on=on) * 1024 * 1024
    checked = []
    for doc_type, upload in documents:
        if doc_type not in LoanDocumentType.values:
            raise InvalidInput(
                _("Unknown document type."), fields={"documents": [_("Unknown type.")]}, code="bad_document_type"
            )
        try:
            ext = uploads.check_scan(upload, max_bytes=max_bytes)
        except InvalidInput as exc:  # the pages show the message naming the file under the documents
            raise InvalidInput(exc.message, fields={"documents": [exc.message]}, code=exc.code) from None
        checked.append((doc_type, upload, ext))
    return checked


def may_upload(actor, app) -> bool:
    """The borrower (online) or a loan officer (at the counter)."""
    return FLOW.is_applicant(app, actor) or roles.has_role(actor, roles.LOAN_OFFICER)


def save_documents(app, checked, actor) -> list[LoanDocument]:
    """Store documents judged by :func:`check_documents` (the caller holds the application's lock)."""
    out = []
    for doc_type, upload, ext in checked:
        original = str(getattr(upload, "name", "") or "")[-100:]
        digest = uploads.sha256(upload)
        upload.name = uploads.stored_name(ext)
        out.append(
            LoanDocument.objects.create(
                application=app,
                doc_type=doc_type,
                file=upload,
                sha256=digest,
                size=upload.size,
                original_name=original,
                uploaded_by=actor,
            )
        )
    if out:
        audit.record(
            actor=actor,
            action="loan_application.documents",
            obj=app,
            after={"documents": [{"type": d.doc_type, "sha256": d.sha256} for d in out]},
        )
    return out


@transaction.atomic
def add_documents(*, actor, application: LoanApplication, documents) -> list[LoanDocument]:
    """Add scanned documents to a draft or to a returned application: by its borrower online or by a loan officer.
    Refused, with nothing written, for another person, another state or any bad file."""
    app = LoanApplication.objects.select_for_update(of=("self",)).select_related("borrower").get(pk=application.pk)
    if not may_upload(actor, app):
        raise Forbidden(_("Only a loan officer or the borrower can do this."), code="wrong_role")
    if app.state not in UPLOADABLE:
        raise StateError(
            _(
                "Documents are added to a draft or to an application returned for more documents; this application "
                "is %(s)s."
            )
            % {"s": app.get_state_display()},
            code="invalid_state",
        )
    documents = list(documents or ())
    if not documents:
        raise InvalidInput(
            _("Choose at least one file."), fields={"documents": [_("Choose at least one file.")]}, code="no_files"
        )
    checked = check_documents(documents, on=today(), already=app.documents.count())
    return save_documents(app, checked, actor)
