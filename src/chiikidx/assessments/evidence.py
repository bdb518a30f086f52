"""Evidence files (根拠資料) of evidence questions. What is accepted and how files are stored
and sent back is shared with other apps (chiikidx.core.files).

An evidence question is answered by a URL (the answer value), by one or more files (rows of
EvidenceFile), or by both: it counts as answered when either is there. Files never travel in
the answer value, so the Excel round-trip and the API's answers stay as they are.
"""

from __future__ import annotations

from chiikidx.core import files
from chiikidx.core.files import (  # noqa: F401  (this module's names, shared through core)
    EXTENSIONS,
    EvidenceRefused,
    allowed_text,
    check_upload,
    clean_name,
    content_disposition,
    extension,
    max_bytes,
    sha256_of,
    size_text,
)


def stored_name(response) -> str:
    """Where a new file of `response` goes under the evidence directory (never the client's)."""
    return files.stored_name(response.organization.code, response.pk)


def files_by_question(response) -> dict[str, list]:
    """question code → the response's evidence files (in upload order)."""
    found: dict[str, list] = {}
    for item in response.evidence_files.all():
        found.setdefault(item.question_code, []).append(item)
    return found


def attached_codes(response) -> set[str]:
    """Codes of the questions that have at least one file."""
    return set(response.evidence_files.values_list("question_code", flat=True))


def attached_codes_by_response(response_ids) -> dict[int, set[str]]:
    """`attached_codes` of several responses in one query: {response pk: codes}."""
    from .models import EvidenceFile  # models imports this module

    found: dict[int, set[str]] = {pk: set() for pk in response_ids}
    rows = EvidenceFile.objects.filter(response_id__in=list(found)).values_list(
        "response_id", "question_code"
    )
    for response_id, code in rows:
        found[response_id].add(code)
    return found
