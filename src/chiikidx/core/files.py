"""Uploaded files kept as evidence (根拠資料): what is accepted, where it is stored, how a
name is shown and sent back. Shared by every app that takes evidence files.

Files live under MEDIA_ROOT/evidence with generated names; they have no URL and are only ever
sent by access-checked views (`core.downloads.stored_file`). The client's name is kept for
display and download only, never used as a path.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import uuid
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

# extension → the content type the file is sent back with (the client's claim is not trusted)
EXTENSIONS = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt": "application/vnd.ms-powerpoint",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
    "csv": "text/csv",
    "txt": "text/plain",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "zip": "application/zip",
}
NAME_LIMIT = 200
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class EvidenceStorage(FileSystemStorage):
    """MEDIA_ROOT/evidence, read when first used (so a changed MEDIA_ROOT is followed)."""

    @cached_property
    def base_location(self):
        return str(settings.MEDIA_ROOT) + "/evidence"

    def url(self, name):
        raise ValueError("evidence files have no public URL")


evidence_storage = EvidenceStorage()


class EvidenceRefused(ValueError):
    """An upload that cannot be accepted; the message (Japanese) says why and what to do."""


def max_bytes() -> int:
    return settings.EVIDENCE_MAX_BYTES


def size_text(size: int) -> str:
    """A size as people read it: 850 バイト, 12.3 KB, 4.5 MB."""
    if size < 1024:
        return f"{size} バイト"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def allowed_text() -> str:
    return "、".join(sorted(EXTENSIONS))


def accept_attribute() -> str:
    """The `accept` of a file input: the allowed extensions."""
    return ",".join(f".{ext}" for ext in sorted(EXTENSIONS))


def clean_name(name: str) -> str:
    """The client's file name for display: no folders, no control characters, not too long."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = CONTROL.sub("", re.split(r"[\\/]", name)[-1]).strip().strip(".")
    if len(name) > NAME_LIMIT:
        stem, dot, ext = name.rpartition(".")
        name = stem[: NAME_LIMIT - len(ext) - 1] + dot + ext if dot else name[:NAME_LIMIT]
    return name


def extension(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else ""


def check_upload(upload) -> tuple[str, str]:
    """(clean name, content type) of an acceptable upload; EvidenceRefused otherwise."""
    if upload is None:
        raise EvidenceRefused(_("添付するファイルを選んでから「添付する」を押してください。"))
    name = clean_name(upload.name)
    ext = extension(name)
    if ext not in EXTENSIONS:
        raise EvidenceRefused(
            _(
                "「%(name)s」は添付できない種類のファイルです。"
                "次の種類で保存し直して添付してください: %(allowed)s"
            )
            % {"name": name or _("(名前なし)"), "allowed": allowed_text()}
        )
    if not upload.size:
        raise EvidenceRefused(
            _("「%(name)s」は空のファイル(0バイト)です。内容のあるファイルを選んでください。")
            % {"name": name}
        )
    if upload.size > max_bytes():
        raise EvidenceRefused(
            _(
                "「%(name)s」は %(size)s あり、上限の %(limit)s を超えています。"
                "圧縮するか分けるかして、%(limit)s 以下にしてから添付してください。"
            )
            % {"name": name, "size": size_text(upload.size), "limit": size_text(max_bytes())}
        )
    return name, EXTENSIONS[ext]


def sha256_of(upload) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def stored_name(*parts) -> str:
    """A new name under the evidence directory: the given folders and a random file name."""
    return "/".join([*(str(p) for p in parts), uuid.uuid4().hex])


def content_disposition(name: str) -> str:
    """attachment with an ASCII fallback and the real name as RFC 5987 filename*."""
    ext = extension(name)
    fallback = name.encode("ascii", "ignore").decode().replace('"', "").replace("\\", "").strip()
    if not fallback or fallback.startswith("."):
        fallback = f"evidence.{ext}" if ext else "evidence"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
