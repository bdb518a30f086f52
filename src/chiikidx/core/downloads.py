"""File downloads of pages: one place for content types and the attachment header."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpResponse

from . import files

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
YAML = "application/x-yaml; charset=utf-8"


def attachment(body: bytes, filename: str, content_type: str = XLSX) -> HttpResponse:
    """`body` as a file to save (ASCII `filename`: codes and numbers, never user text)."""
    download = HttpResponse(body, content_type=content_type)
    download["Content-Disposition"] = f'attachment; filename="{filename}"'
    return download


def stored_file(field_file, name: str, content_type: str) -> FileResponse:
    """An uploaded evidence file, sent to someone the calling view has checked may see it
    (never served as a static file). A file missing on disk is a 404."""
    try:
        handle = field_file.storage.open(field_file.name, "rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    download = FileResponse(handle, content_type=content_type)
    download["Content-Disposition"] = files.content_disposition(name)
    download["X-Content-Type-Options"] = "nosniff"
    download["Cache-Control"] = "private, no-store"
    return download
