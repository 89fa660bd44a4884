"""Uploaded scans (documents of withdrawals, deferral decisions) judged by their content, never by their name or
the browser's content type: only PDF, JPEG and PNG, recognised by their first bytes (magic numbers). An HTML or
SVG page renamed ``scan.pdf`` is refused. Served back only as attachments (:mod:`core.views_helpers`)."""

import hashlib
import secrets

from django.utils.translation import gettext as _

from core.errors import InvalidInput

# extension: (content type, leading bytes)
SCAN_TYPES = {
    "pdf": ("application/pdf", b"%PDF"),
    "jpg": ("image/jpeg", b"\xff\xd8\xff"),
    "png": ("image/png", b"\x89PNG\r\n\x1a\n"),
}
HEAD_BYTES = 16


def sniff(head: bytes) -> str | None:
    """The extension of the scan type these first bytes begin, or None."""
    for ext, (_type, magic) in SCAN_TYPES.items():
        if head.startswith(magic):
            return ext
    return None


def content_type(ext: str | None) -> str:
    """What a scan of this type is served as; anything else is opaque bytes."""
    return SCAN_TYPES[ext][0] if ext in SCAN_TYPES else "application/octet-stream"


def check_scan(upload, *, max_bytes: int, field: str = "documents") -> str:
    """The scan type (extension) of an uploaded file, judged by its content; refused (nothing read beyond the
    first bytes) when it is empty, larger than ``max_bytes`` or not a PDF, JPEG or PNG."""
    name = str(getattr(upload, "name", "") or "")[-100:]
    size = getattr(upload, "size", None)
    if size is None or size > max_bytes:
        raise InvalidInput(
            _("%(f)s is larger than %(m)d MB.") % {"f": name, "m": max_bytes // (1024 * 1024)},
            fields={field: [_("File too large.")]},
            code="file_too_large",
        )
    if size == 0:
        raise InvalidInput(_("%(f)s is empty.") % {"f": name}, fields={field: [_("Empty file.")]}, code="file_empty")
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    ext = sniff(head)
    if ext is None:
        raise InvalidInput(
            _("%(f)s is not a PDF, JPEG or PNG file (judged by its content).") % {"f": name},
            fields={field: [_("Only PDF, JPEG or PNG scans.")]},
            code="file_type",
        )
    return ext


def stored_name(ext: str) -> str:
    """A random file name with the extension of the judged type: the uploaded name is never used on disk."""
    return f"{secrets.token_hex(16)}.{ext}"


def sha256(upload) -> str:
    """The SHA-256 (hex) of an uploaded file's content, read in chunks; the file is rewound afterwards."""
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()
