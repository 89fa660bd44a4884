"""PDF documents: rendering Django templates with WeasyPrint, PAdES signatures with pyHanko.

``render_pdf(template_name, context) -> bytes`` renders ``templates/<template_name>`` with the shared print
style sheet (``static/documents/print.css``, CJK fonts from the system's Noto CJK, Debian's fonts-noto-cjk); the
font configuration and the parsed style sheet are built once per process. ``sign_pdf(data) -> bytes`` signs with
the center's certificate (``settings.DOCUMENTS_SIGNING_P12``; a demo certificate with DEBUG or TESTING);
``verify_pdf_signature(data) -> bool`` is true only for a document signed by that certificate and not changed
since (one byte changed anywhere makes it false).
"""

import asyncio
import base64
import datetime
import functools
import io
import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import ImproperlyConfigured
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

DEMO_P12_NAME = "demo-signing.p12"
DEMO_P12_PASSWORD = b"demo-signing"
SIGNATURE_FIELD = "CenterSeal"
_lock = threading.Lock()


# --- rendering ------------------------------------------------------------------------------------------------


@functools.cache
def _weasy():
    """(FontConfiguration, base CSS), built once: WeasyPrint's font set-up is the slow part of a first render."""
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    fonts = FontConfiguration()
    css_path = finders.find("documents/print.css")
    return fonts, CSS(filename=css_path, font_config=fonts)


@functools.cache
def static_data_uri(path: str) -> str:
    """A static file as a data: URI, so a PDF never fetches anything while it renders."""
    found = finders.find(path)
    if not found:
        raise ImproperlyConfigured(f"Static file {path} is missing.")
    mime = {"svg": "image/svg+xml", "png": "image/png"}[path.rsplit(".", 1)[-1]]
    return f"data:{mime};base64,{base64.b64encode(Path(found).read_bytes()).decode()}"


def qr_data_uri(text: str) -> str:
    """A QR code of ``text`` (segno) as an SVG data: URI."""
    import segno

    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="svg", scale=4, border=1, xmldecl=False)
    return f"data:image/svg+xml;base64,{base64.b64encode(buffer.getvalue()).decode()}"


@functools.cache
def _fetcher():
    """Only data: URIs are fetched while a document renders (no network or file access from a template)."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"data"})


def render_pdf(template_name: str, context: dict) -> bytes:
    """The template rendered as PDF bytes (unsigned)."""
    from weasyprint import HTML

    fonts, css = _weasy()
    html = render_to_string(template_name, context)
    return HTML(string=html, url_fetcher=_fetcher()).write_pdf(
        stylesheets=[css], font_config=fonts)


ANCHOR_PREFIX = "doc-"


def render_pdf_many(template_name: str, items: list[dict], *, list_name: str = "documents") -> list[bytes]:
    """One PDF (unsigned) per item of ``items``, laid out in a single WeasyPrint pass: ``template_name`` renders
    them all (``{list_name: items}``), each in an element with the id ``doc-<index>`` that starts a new page. The
    laid-out pages are written as one PDF (fonts subset and compressed once) and cut at those anchors, so the style
    sheet, the fonts and the writer are paid once per batch instead of once per document."""
    from weasyprint import HTML

    if not items:
        return []
    fonts, css = _weasy()
    html = render_to_string(template_name, {list_name: items})
    document = HTML(string=html, url_fetcher=_fetcher()).render(stylesheets=[css], font_config=fonts)
    groups: list[list] = []
    for page in document.pages:
        # a document split over pages carries its anchor on each of them: only a new index starts a group
        starts = sorted({int(a[len(ANCHOR_PREFIX):]) for a in page.anchors
                         if a.startswith(ANCHOR_PREFIX) and a[len(ANCHOR_PREFIX):].isdigit()} - set(range(len(groups))))
        if starts:
            if starts != [len(groups)]:
                raise ValueError(f"Documents {starts} start on one page: each must begin a new page.")
            groups.append([page])
        elif groups:
            groups[-1].append(page)
        else:
            raise ValueError("The first page belongs to no document.")
    if len(groups) != len(items):
        raise ValueError(f"{len(items)} documents gave {len(groups)} page groups.")
    return split_pdf(document.write_pdf(), [len(group) for group in groups])


def split_pdf(data: bytes, page_counts: list[int]) -> list[bytes]:
    """``data`` cut into consecutive documents of ``page_counts`` pages (pypdf copies the page objects and the
    fonts they use; nothing is laid out or compressed again)."""
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(io.BytesIO(data))
    out, first = [], 0
    for count in page_counts:
        writer = PdfWriter()
        for page in reader.pages[first:first + count]:
            writer.add_page(page)
        buffer = io.BytesIO()
        writer.write(buffer)
        out.append(buffer.getvalue())
        first += count
    return out


# --- the signing certificate ----------------------------------------------------------------------------------


def demo_p12_path() -> Path:
    return Path(settings.DOCUMENTS_DEMO_SIGNING_DIR) / DEMO_P12_NAME


def create_demo_certificate(path: Path | None = None, *, force=False) -> Path:
    """Write a self-signed demo signing certificate and key as a PKCS#12 file (password ``DEMO_P12_PASSWORD``);
    keep an existing one unless ``force``."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    path = Path(path or demo_p12_path())
    if path.exists() and not force:
        return path
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, settings.CENTER_NAME),
                      x509.NameAttribute(NameOID.COMMON_NAME, f"{settings.CENTER_NAME} (demo)")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
            .sign(key, hashes.SHA256()))
    data = pkcs12.serialize_key_and_certificates(b"demo", key, cert, None, BestAvailableEncryption(DEMO_P12_PASSWORD))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(data)
    tmp.chmod(0o600)
    tmp.replace(path)
    return path


def _p12() -> tuple[Path, bytes]:
    if settings.DOCUMENTS_SIGNING_P12:
        return Path(settings.DOCUMENTS_SIGNING_P12), settings.DOCUMENTS_SIGNING_P12_PASSWORD.encode()
    if not (settings.DEBUG or settings.TESTING):
        raise ImproperlyConfigured("DOCUMENTS_SIGNING_P12 (and its password) must be set when DEBUG is off.")
    with _lock:
        return create_demo_certificate(), DEMO_P12_PASSWORD


@functools.cache
def _signer():
    from pyhanko.sign import signers

    path, password = _p12()
    signer = signers.SimpleSigner.load_pkcs12(str(path), passphrase=password)
    if signer is None:
        raise ImproperlyConfigured(f"The signing certificate {path} could not be read (file or password).")
    return signer


def signing_certificate():
    """The center's signing certificate (asn1crypto), trusted by :func:`verify_pdf_signature`."""
    return _signer().signing_cert


def reset_signer():
    """Forget the loaded certificate (after it was replaced)."""
    _signer.cache_clear()


# --- signing and verifying ------------------------------------------------------------------------------------


def _run(make_coroutine):
    """Run pyHanko's coroutine to completion, also from a thread that already runs an event loop (where
    ``asyncio.run`` is refused): then in a short-lived thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make_coroutine())
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make_coroutine())).result()


def sign_pdf(data: bytes, *, reason: str = "电子证明") -> bytes:
    """``data`` with a PAdES (B-B) signature of the center appended as an incremental update."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    meta = signers.PdfSignatureMetadata(field_name=SIGNATURE_FIELD, subfilter=fields.SigSeedSubFilter.PADES,
                                        md_algorithm="sha256", reason=reason, name=settings.CENTER_NAME)
    signer = _signer()
    out = _run(lambda: signers.async_sign_pdf(writer, meta, signer=signer))
    return out.getvalue()


def verify_pdf_signature(data: bytes) -> bool:
    """True when ``data`` carries one signature by the center's certificate that covers the whole file and is
    intact and valid. Any damage (a changed byte, appended content, not a PDF at all) gives False."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import async_validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
        if len(signatures) != 1:
            return False
        trusted = signing_certificate()
        context = ValidationContext(trust_roots=[trusted], allow_fetching=False, revocation_mode="soft-fail")
        status = _run(lambda: async_validate_pdf_signature(signatures[0], signer_validation_context=context))
        return bool(status.intact and status.valid and status.trusted
                    and status.signing_cert.dump() == trusted.dump()
                    and status.coverage == SignatureCoverageLevel.ENTIRE_FILE)
    except Exception as exc:  # a damaged file may fail anywhere in the parser: it is simply not valid
        logger.info("PDF signature check failed: %s", exc.__class__.__name__)
        return False
