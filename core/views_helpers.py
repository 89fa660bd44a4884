"""Shared by staff and portal pages: file downloads. (Who may open a page is declared with its URL,
in ``core.access``.)"""

from django.http import FileResponse, HttpResponse

from core import uploads

# An uploaded file opened by mistake in the browser runs nothing: no script, no plugin, no form, no origin.
SANDBOX_POLICY = "sandbox; default-src 'none'"


def file_download(field_file, filename=None):
    """The stored file as an attachment; 404 when nothing is stored. Its content type is judged from its first
    bytes (a PDF, JPEG or PNG scan; anything else is ``application/octet-stream``), never from its name, and the
    browser may neither sniff another type nor run anything in it."""
    if not field_file:
        return HttpResponse(status=404)
    handle = field_file.open("rb")
    ext = uploads.sniff(handle.read(uploads.HEAD_BYTES))
    handle.seek(0)
    name = filename or field_file.name.rsplit("/", 1)[-1]
    response = FileResponse(handle, as_attachment=True, filename=name, content_type=uploads.content_type(ext))
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SANDBOX_POLICY
    return response
