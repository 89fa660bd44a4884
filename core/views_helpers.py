"""Shared by staff and portal pages: file downloads. (Who may open a page is declared with its URL,
in ``core.access``.)"""


from django.http import FileResponse, HttpResponse


def file_download(field_file):
    """The stored file as an attachment named like the file; 404 when nothing is stored."""
    if not field_file:
        return HttpResponse(status=404)
    return FileResponse(field_file.open("rb"), as_attachment=True, filename=field_file.name.rsplit("/", 1)[-1])
