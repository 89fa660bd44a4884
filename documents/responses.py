"""HTTP helpers shared by the staff and portal pages of documents."""

from django.http import HttpResponse


def pdf_response(certificate, data: bytes) -> HttpResponse:
    """The issued PDF as an attachment (never run or sniffed by the browser)."""
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{certificate.number}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
