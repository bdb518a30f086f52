"""File downloads of pages: one place for content types and the attachment header."""

from __future__ import annotations

from django.http import HttpResponse

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
YAML = "application/x-yaml; charset=utf-8"


def attachment(body: bytes, filename: str, content_type: str = XLSX) -> HttpResponse:
    """`body` as a file to save (ASCII `filename`: codes and numbers, never user text)."""
    download = HttpResponse(body, content_type=content_type)
    download["Content-Disposition"] = f'attachment; filename="{filename}"'
    return download
