"""Evidence files (根拠資料) of evidence questions: what is accepted, how files are named on
disk, and how they are sent back (the shared parts are core.uploads and core.downloads).

An evidence question is answered by a URL (the answer value), by one or more files (rows of
EvidenceFile), or by both: it counts as answered when either is there. Files never travel in
the answer value, so the Excel round-trip and the API's answers stay as they are.
"""

from __future__ import annotations

from chiikidx.core import uploads

# Every kind core.uploads knows: documents, presentations, images, CSV, text and ZIP.
EXTENSIONS = uploads.EXTENSIONS
EvidenceRefused = uploads.UploadRefused
max_bytes = uploads.max_bytes
size_text = uploads.size_text
sha256_of = uploads.sha256_of


def check_upload(upload) -> tuple[str, str]:
    """(clean name, content type) of an acceptable upload; EvidenceRefused otherwise."""
    return uploads.check_upload(upload, EXTENSIONS)


def stored_name(response) -> str:
    """Where a new file of `response` goes under the evidence directory (never the client's)."""
    return uploads.stored_name(response.organization.code, response.pk)


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
