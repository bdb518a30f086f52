"""Files people attach (根拠資料 of an assessment or of a KPI's actual, 議事録 of a plan
decision): which kinds are accepted, the size limit, the file name kept for display, and where
files are stored.

Files live under MEDIA_ROOT/<folder>/ (the data directory) with generated names, never the
client's; they have no URL and are sent back only by access-checked views
(`core.downloads.stored_file`). Each app says which extensions it accepts and where its files go.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import uuid

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import transaction
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
# Documents and images (PDF, Word, Excel and their OpenDocument forms, PNG, JPEG).
DOCUMENTS = {
    ext: EXTENSIONS[ext]
    for ext in ("pdf", "doc", "docx", "xls", "xlsx", "odt", "ods", "png", "jpg", "jpeg")
}
NAME_LIMIT = 200
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class UploadRefused(ValueError):
    """An upload that cannot be accepted; the message (Japanese) says why and what to do."""


def max_bytes() -> int:
    """The largest file accepted (CHIIKIDX_EVIDENCE_MAX_MB: 根拠資料 and 議事録 alike)."""
    return settings.EVIDENCE_MAX_BYTES


def size_text(size: int) -> str:
    """A size as people read it: 850 バイト, 12.3 KB, 4.5 MB."""
    if size < 1024:
        return f"{size} バイト"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def allowed_text(extensions=EXTENSIONS) -> str:
    return "、".join(sorted(extensions))


def accept(extensions=EXTENSIONS) -> str:
    """The `accept` attribute of a file input: ".csv,.doc,…"."""
    return ",".join(f".{ext}" for ext in sorted(extensions))


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


def check_upload(upload, extensions=EXTENSIONS) -> tuple[str, str]:
    """(clean name, content type) of an acceptable upload; UploadRefused otherwise."""
    if upload is None:
        raise UploadRefused(_("添付するファイルを選んでから「添付する」を押してください。"))
    name = clean_name(upload.name)
    ext = extension(name)
    if ext not in extensions:
        raise UploadRefused(
            _(
                "「%(name)s」は添付できない種類のファイルです。"
                "次の種類で保存し直して添付してください: %(allowed)s"
            )
            % {"name": name or _("(名前なし)"), "allowed": allowed_text(extensions)}
        )
    if not upload.size:
        raise UploadRefused(
            _("「%(name)s」は空のファイル(0バイト)です。内容のあるファイルを選んでください。")
            % {"name": name}
        )
    if upload.size > max_bytes():
        raise UploadRefused(
            _(
                "「%(name)s」は %(size)s あり、上限の %(limit)s を超えています。"
                "圧縮するか分けるかして、%(limit)s 以下にしてから添付してください。"
            )
            % {"name": name, "size": size_text(upload.size), "limit": size_text(max_bytes())}
        )
    return name, extensions[ext]


def sha256_of(upload) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def stored_name(*parts) -> str:
    """A new file's name in its folder: the given parts (codes and ids), then a random name."""
    return "/".join([*(str(p) for p in parts), uuid.uuid4().hex])


class PrivateStorage(FileSystemStorage):
    """MEDIA_ROOT/<folder>, read when first used (so a changed MEDIA_ROOT is followed). The files
    have no URL: they are only ever sent by access-checked views."""

    folder = ""

    def __init__(self, folder: str = "", **kwargs):
        super().__init__(**kwargs)
        self.folder = folder or self.folder

    @cached_property
    def base_location(self):
        return f"{settings.MEDIA_ROOT}/{self.folder}"

    def url(self, name):
        raise ValueError(f"{self.folder} files have no public URL")


# 根拠資料 of assessment answers and of KPI actuals (each app under its own sub-folders), and
# the minutes (議事録) of plan decisions.
evidence_storage = PrivateStorage("evidence")
minutes_storage = PrivateStorage("minutes")


def save_with_file(field_file, name: str, upload, save_row) -> None:
    """Write `upload` to the field's storage under `name`, then call `save_row()` in a savepoint.
    When the row cannot be saved, the file is removed again: no row, no file."""
    field_file.save(name, upload, save=False)
    try:
        with transaction.atomic():
            save_row()
    except BaseException:
        field_file.storage.delete(field_file.name)
        raise
