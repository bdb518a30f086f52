"""File downloads of pages: one place for content types and the attachment header."""

from __future__ import annotations

from urllib.parse import quote

from django.http import FileResponse, Http404, HttpResponse

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
YAML = "application/x-yaml; charset=utf-8"


def attachment(body: bytes, filename: str, content_type: str = XLSX) -> HttpResponse:
    """`body` as a file to save (ASCII `filename`: codes and numbers, never user text)."""
    download = HttpResponse(body, content_type=content_type)
    download["Content-Disposition"] = f'attachment; filename="{filename}"'
    return download


def content_disposition(name: str, fallback: str = "file") -> str:
    """attachment with an ASCII fallback and the real name (any text) as RFC 5987 filename*."""
    stem, dot, ext = name.rpartition(".")
    ext = ext.lower() if dot and stem else ""
    ascii_name = name.encode("ascii", "ignore").decode().replace('"', "").replace("\\", "").strip()
    if not ascii_name or ascii_name.startswith("."):
        ascii_name = f"{fallback}.{ext}" if ext else fallback
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def stored_file(stored, name: str, content_type: str, fallback: str = "file") -> FileResponse:
    """An uploaded file (a FieldFile in a core.uploads.PrivateStorage) sent as an attachment
    under the name it was uploaded with. Call it from an access-checked view only."""
    try:
        handle = stored.storage.open(stored.name, "rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    download = FileResponse(handle, content_type=content_type)
    download["Content-Disposition"] = content_disposition(name, fallback)
    download["X-Content-Type-Options"] = "nosniff"
    download["Cache-Control"] = "private, no-store"
    return download
