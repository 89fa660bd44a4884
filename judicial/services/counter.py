"""Paper requests entered at the counter (DOMAIN.md §6.3 point 1): two court officers bring the request in person,
each showing a work card (工作证) and an enforcement-officer certificate (执行公务证); the judicial officer enters
the request's fields, the officers' numbers and the scanned ruling (裁定书) and assistance notice (协助执行通知书).

Everything is checked before anything is written (the officers, every scan by its content through
``core.uploads.check_scan``, then the request itself by :func:`judicial.services.intake.receive_request`, the one
rule set of every channel); the request and its documents are stored in one transaction. The request's SHA-256 is
taken over what was entered and the SHA-256 of each scan, so the same paper entered twice is the first request
again (idempotent) and a different paper under a used number is a conflict.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from core import audit, policy, roles, uploads
from core.business_date import today
from core.errors import InvalidInput
from judicial.models import Channel, Court, JudicialDocument, JudicialDocumentType, JudicialRequest, Measure
from judicial.services.intake import canonical, receive_request

OFFICER_FIELDS = {  # field: max length (the model's)
    "officer1_name": 60, "officer1_work_card": 40, "officer1_certificate": 40,
    "officer2_name": 60, "officer2_work_card": 40, "officer2_certificate": 40,
}
CONTROL_MEASURES = (Measure.FREEZE, Measure.RENEW, Measure.UNFREEZE, Measure.DEDUCT)


def required_documents(measure) -> list[str]:
    """The scans a paper request needs: the assistance notice always, the ruling for every control measure."""
    needed = [JudicialDocumentType.NOTICE.value]
    if measure in CONTROL_MEASURES:
        needed.insert(0, JudicialDocumentType.RULING.value)
    return needed


def _officers(data, errors) -> dict:
    out = {}
    for name, size in OFFICER_FIELDS.items():
        value = str(data.get(name) or "").strip()
        if not value:
            errors[name] = [_("Both officers' names, work cards and enforcement certificates are required.")]
        elif len(value) > size:
            errors[name] = [_("At most %(n)d characters.") % {"n": size}]
        out[name] = value
    if out["officer1_work_card"] and out["officer1_work_card"] == out["officer2_work_card"]:
        errors["officer2_work_card"] = [_("The two officers must be two different people.")]
    if out["officer1_certificate"] and out["officer1_certificate"] == out["officer2_certificate"]:
        errors["officer2_certificate"] = [_("The two officers must be two different people.")]
    return out


def _documents(measure, documents, errors, *, on) -> list:
    """[(type, upload, extension, sha256)] for the required scans; each missing or bad one is an error."""
    documents = dict(documents or {})
    max_bytes = policy.get("judicial.document_max_mb", on=on) * 1024 * 1024
    checked = []
    for doc_type in documents:
        if doc_type not in JudicialDocumentType.values:
            errors.setdefault("documents", []).append(_("Unknown document type."))
    for doc_type in required_documents(measure):
        upload = documents.get(doc_type)
        if upload is None:
            errors[doc_type] = [_("Upload the scan of this document.")]
            continue
        try:
            ext = uploads.check_scan(upload, max_bytes=max_bytes, field=doc_type)
        except InvalidInput as exc:
            errors[doc_type] = [exc.message]
            continue
        checked.append((doc_type, upload, ext, uploads.sha256(upload)))
    return checked


@transaction.atomic
def receive_paper_request(*, actor, court: Court, data: dict, documents: dict) -> JudicialRequest:
    """Enter a paper request brought to the counter. ``data``: the request's fields (DOMAIN.md §6.2) and the two
    officers' names, work-card and certificate numbers; ``documents``: {"ruling": upload, "notice": upload}.
    Returns the request (the first one when the same paper was entered before); refused with every problem and
    nothing written."""
    roles.require_role(actor, roles.JUDICIAL_OFFICER)
    on = today()
    errors = {}
    measure = data.get("measure")
    officers = _officers(data, errors)
    for name in ("notice_number",) + (("ruling_number",) if measure in CONTROL_MEASURES else ()):
        if not str(data.get(name) or "").strip():
            errors[name] = [_("Enter the number written on the document.")]
    checked = _documents(measure, documents, errors, on=on)
    if errors:
        first = next(iter(errors.values()))[0]
        raise InvalidInput(first, code="invalid_request", fields=errors)
    fields = {k: v for k, v in data.items() if k not in OFFICER_FIELDS}
    raw = canonical({**fields, **officers, **{f"scan_{t}": digest for t, _u, _e, digest in checked}})
    req = receive_request(actor=actor, court=court, data=fields, channel=Channel.COUNTER, raw=raw, extra=officers)
    req = JudicialRequest.objects.select_for_update(of=("self",)).get(pk=req.pk)
    if req.documents.exists():  # the same paper entered again: the first request and its scans
        return req
    stored = []
    for doc_type, upload, ext, digest in checked:
        original = str(getattr(upload, "name", "") or "")[-100:]
        upload.name = uploads.stored_name(ext)
        stored.append(JudicialDocument.objects.create(request=req, doc_type=doc_type, file=upload, sha256=digest,
                                                      size=upload.size, original_name=original, uploaded_by=actor))
    audit.record(actor=actor, action="judicial.paper_request", obj=req,
                 after={"officers": [officers["officer1_work_card"], officers["officer2_work_card"]],
                        "documents": [{"type": d.doc_type, "sha256": d.sha256} for d in stored]})
    return req
