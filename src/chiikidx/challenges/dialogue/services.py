"""Writes of dialogue records (対話の記録), their attachments and opinions: atomic, with the
acting user, audited through the models. Pages, the import and the API call these, so they
accept and refuse the same input with the same Japanese messages.

Who may write: the organization's staff (団体の管理者・職員) any record; a 原課担当 only the
records of their own department (`DialogueRecord.department_scoped`, decided by core.access).
A record or opinion that a 課題 cites is kept: the challenge's source must not disappear.
"""

from __future__ import annotations

import datetime
import re

from django.db import transaction
from django.db.models import Max, Q
from django.utils.translation import gettext as _

from chiikidx.core import access, audit, japanese, uploads
from chiikidx.core.japanese import wareki
from chiikidx.core.services import ServiceError

from .. import services as challenge_services
from ..choices import DialogueKind, SourceKind
from ..models import Challenge, DialogueAttachment, DialogueRecord, Opinion, attachment_storage
from ..processes.services import AlreadyMade, told

RECORD_FIELDS = (
    "kind",
    "title",
    "held_on",
    "held_until",
    "department",
    "participants",
    "notes",
)
NULLABLE = ("held_on", "held_until", "department")
OPINION_FIELDS = ("text", "age_band", "area", "attributes")
TITLE_LIMIT = 200
PARTICIPANTS_LIMIT = 2000
NOTES_LIMIT = 20000
OPINION_LIMIT = 4000
AGE_BAND_LIMIT = 20
AREA_LIMIT = 50
ATTRIBUTE_LIMIT = 200
CHALLENGE_TITLE_LIMIT = 40
# Words of column headers and attribute names that would identify a person: never stored.
PERSONAL = (
    "氏名",
    "名前",
    "なまえ",
    "者名",
    "フリガナ",
    "ふりがな",
    "住所",
    "番地",
    "郵便番号",
    "〒",
    "電話",
    "tel",
    "携帯",
    "fax",
    "メール",
    "mail",
    "連絡先",
    "生年月日",
    "マイナンバー",
    "個人番号",
    "name",
)
PERSONAL_EXACT = ("姓", "名", "せい", "めい")
# Kinds whose opinions come from many residents at once: a survey file can be imported.
IMPORT_KINDS = (DialogueKind.SURVEY, DialogueKind.WORKSHOP, DialogueKind.PUBLIC_COMMENT)
# Hearing notes, survey sheets, photos of a workshop's boards, slides.
ATTACHMENT_EXTENSIONS = uploads.DOCUMENTS | {
    ext: uploads.EXTENSIONS[ext] for ext in ("ppt", "pptx", "odp", "csv", "txt")
}


# --- rights ---------------------------------------------------------------------------------


def can_create(user, organization, department=None) -> bool:
    """Staff create any record; a 原課担当 records of their own department only."""
    return access.can_create_in(user, organization, department)


def can_create_any(user, organization) -> bool:
    """Whether the user may create a record at all (for some department)."""
    grants = access.grants(user)
    return access.can_create_in(user, organization) or bool(grants.dept_change.get(organization.pk))


def creatable_department_ids(user, organization) -> set[int] | None:
    """The departments a 原課担当 may file records under (None: any, the staff). As
    core.access decides: a 原課担当's own departments, not any department the user belongs to."""
    if access.can_create_in(user, organization):
        return None
    return set(access.grants(user).dept_change.get(organization.pk, ()))


def can_change(user, record: DialogueRecord) -> bool:
    return access.can(user, "change", record)


def require_change(user, record: DialogueRecord) -> None:
    """ServiceError unless the user may change the record (and so add to it)."""
    if not can_change(user, record):
        raise ServiceError(
            _(
                "この記録を変更する権限がありません。変更できるのは団体の管理者・職員と、"
                "記録の部署の原課担当です。"
            )
        )


# --- records --------------------------------------------------------------------------------


def _text(value, limit: int, label: str) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise ServiceError(
            _("%(label)sは%(n)s文字以内で入力してください(今は%(len)s文字です)。")
            % {"label": label, "n": limit, "len": len(value)}
        )
    return value


def _clean_record(record: DialogueRecord) -> None:
    if record.kind not in DialogueKind.values:
        kinds = "、".join(str(label) for label in DialogueKind.labels)
        raise ServiceError(_("種類は次から選んでください: %(kinds)s") % {"kinds": kinds})
    record.title = _text(record.title, TITLE_LIMIT, _("件名"))
    if not record.title:
        raise ServiceError(_("件名を入力してください(例: 福祉課ヒアリング)。"))
    if not isinstance(record.held_on, datetime.date):
        raise ServiceError(_("実施日を入力してください(例: 令和7年6月10日)。"))
    if record.held_until is not None and record.held_until < record.held_on:
        raise ServiceError(
            _("終了日(%(until)s)は実施日(%(on)s)以降にしてください。")
            % {"until": wareki(record.held_until), "on": wareki(record.held_on)}
        )
    department = record.department
    if department is not None and department.organization_id != record.organization_id:
        raise ServiceError(_("部署はこの団体の部署から選んでください。"))
    record.participants = _text(record.participants, PARTICIPANTS_LIMIT, _("参加者"))
    record.notes = _text(record.notes, NOTES_LIMIT, _("記録"))


def _apply(record: DialogueRecord, fields: dict) -> None:
    unknown = set(fields) - set(RECORD_FIELDS)
    if unknown:
        raise ServiceError(_("変更できない項目です: %(f)s") % {"f": "、".join(sorted(unknown))})
    for name, value in fields.items():
        if value is None and name not in NULLABLE:
            value = ""
        setattr(record, name, value)
    _clean_record(record)


@transaction.atomic
def create_record(*, acting_user, organization, **fields) -> DialogueRecord:
    """A new record. A 原課担当 names their own department."""
    if not can_create(acting_user, organization, fields.get("department")):
        raise ServiceError(
            _(
                "この団体の対話の記録を登録する権限がありません。原課担当の方は、"
                "部署に自分の部署を選んでください。"
            )
        )
    record = DialogueRecord(organization=organization)
    _apply(record, {"held_until": None, "department": None, **fields})
    with audit.acting_as(acting_user):
        record.save()
    return record


@transaction.atomic
def update_record(*, acting_user, record: DialogueRecord, **fields) -> DialogueRecord:
    require_change(acting_user, record)
    _apply(record, fields)
    # A department's staff may not move a record out of their own department.
    require_change(acting_user, record)
    with audit.acting_as(acting_user):
        record.save()
    return record


def citing_challenges(record: DialogueRecord):
    """Every challenge (visible or not) made from the record or one of its opinions."""
    return Challenge.objects.filter(Q(source_record=record) | Q(source_opinion__record=record))


@transaction.atomic
def delete_record(*, acting_user, record: DialogueRecord) -> None:
    """Delete a record with its opinions and attachments — unless a challenge cites it. Every
    challenge counts, seen or not; the number told is of those the user may see (a 課題 is
    member_private: no one learns of one not shared with them, even as a number)."""
    require_change(acting_user, record)
    cited = list(citing_challenges(record).select_related("organization"))
    if cited:
        keep = _(
            "課題の出どころとして記録を残します。内容に誤りがあるときは、削除せずに"
            "編集してください。"
        )
        if all(access.can(acting_user, "view", c) for c in cited):
            raise ServiceError(
                _("この記録(またはその意見)から作った課題が%(n)s件あるため、削除できません。")
                % {"n": len(cited)}
                + keep
            )
        raise ServiceError(
            _("この記録(またはその意見)から作った課題があるため、削除できません。") + keep
        )
    names = list(record.attachments.values_list("file", flat=True))
    with audit.acting_as(acting_user):
        record.delete()
    _delete_files_on_commit(names)


def _delete_files_on_commit(names: list[str]) -> None:
    def remove():
        for name in names:
            attachment_storage.delete(name)

    if names:
        transaction.on_commit(remove)


# --- attachments ----------------------------------------------------------------------------


@transaction.atomic
def attach_file(*, acting_user, record: DialogueRecord, upload) -> DialogueAttachment:
    """Store an upload under a generated name (MEDIA_ROOT/dialogue/<団体コード>/<記録のID>/…):
    checked type and size; no row, no file."""
    require_change(acting_user, record)
    try:
        name, content_type = uploads.check_upload(upload, ATTACHMENT_EXTENSIONS)
    except uploads.UploadRefused as refused:
        raise ServiceError(str(refused)) from refused
    item = DialogueAttachment(
        record=record,
        original_name=name,
        content_type=content_type,
        size=upload.size,
        sha256=uploads.sha256_of(upload),
    )
    stored = uploads.stored_name(record.organization.code, record.pk)
    with audit.acting_as(acting_user):
        uploads.save_with_file(item.file, stored, upload, item.save)
    return item


@transaction.atomic
def remove_attachment(*, acting_user, attachment: DialogueAttachment) -> None:
    """Delete an attachment: the row now, the file once that is committed."""
    require_change(acting_user, attachment.record)
    name = attachment.file.name
    with audit.acting_as(acting_user):
        attachment.delete()
    _delete_files_on_commit([name])


# --- opinions -------------------------------------------------------------------------------


def clean_opinion_values(values: dict) -> dict:
    """Text, 年代, 地区 and other attributes as stored; ServiceError names what is wrong."""
    cleaned = {}
    if "text" in values:
        cleaned["text"] = _text(values["text"], OPINION_LIMIT, _("意見"))
        if not cleaned["text"]:
            raise ServiceError(_("意見の内容を入力してください。"))
    if "age_band" in values:
        cleaned["age_band"] = _text(values["age_band"], AGE_BAND_LIMIT, _("年代"))
    if "area" in values:
        cleaned["area"] = _text(values["area"], AREA_LIMIT, _("地区"))
    if "attributes" in values:
        cleaned["attributes"] = _attributes(values["attributes"])
    return cleaned


def header_key(label) -> str:
    """A column or attribute name as compared: NFKC, no spaces, no 必須 marks, lower case."""
    key = re.sub(r"\s+", "", japanese.normalize(label))
    return re.sub(r"(?:[※*]|[(\[【]必須[)\]】])+$", "", key).casefold()


def looks_personal(label) -> bool:
    """Whether a column or attribute name asks for a name or a contact (氏名, 住所, 電話 …)."""
    key = header_key(label)
    return key in PERSONAL_EXACT or any(word in key for word in PERSONAL)


def _attributes(value) -> dict:
    if not value:
        return {}
    if not isinstance(value, dict):
        raise ServiceError(_("その他の属性は「項目名: 値」の組で指定してください。"))
    found = {}
    for key, item in value.items():
        key = str(key).strip()
        if not key:
            continue
        if looks_personal(key):
            raise ServiceError(
                _(
                    "「%(key)s」のような、個人を特定できる項目は保存できません。"
                    "意見は氏名や連絡先なしで記録します。"
                )
                % {"key": key}
            )
        found[key[:50]] = _text(str(item if item is not None else ""), ATTRIBUTE_LIMIT, key)
    return found


def next_number(record: DialogueRecord) -> int:
    return (record.opinions.aggregate(top=Max("number"))["top"] or 0) + 1


@transaction.atomic
def add_opinion(*, acting_user, record: DialogueRecord, number=None, **values) -> Opinion:
    """One opinion (or a role-play's 「住民目線の気づき」) entered by hand; numbered after
    the record's last one unless a free number is given."""
    require_change(acting_user, record)
    record = DialogueRecord.objects.select_for_update().get(pk=record.pk)
    cleaned = clean_opinion_values({"text": "", **values})
    if number is None:
        number = next_number(record)
    elif number < 1 or record.opinions.filter(number=number).exists():
        raise ServiceError(
            _("番号%(n)sの意見はすでにあります。空いている番号にするか、空欄にしてください。")
            % {"n": number}
        )
    opinion = Opinion(record=record, number=number, **cleaned)
    with audit.acting_as(acting_user):
        opinion.save()
    return opinion


def _require_not_cited(user, opinion: Opinion, doing: str) -> None:
    """An opinion some 課題 cites (seen by the user or not) is kept as it is."""
    found = (
        Challenge.objects.filter(source_opinion=opinion)
        .select_related("organization")
        .order_by("pk")
        .first()
    )
    if found is not None:
        because = told(
            user,
            found,
            _("この意見は課題「%(t)s」になっているため、"),
            _("この意見は課題になっているため、"),
        )
        raise ServiceError(
            because
            + _("%(doing)sできません。課題の出どころとして、元の意見のまま残します。")
            % {"doing": doing}
        )


@transaction.atomic
def update_opinion(*, acting_user, opinion: Opinion, **values) -> Opinion:
    require_change(acting_user, opinion.record)
    _require_not_cited(acting_user, opinion, _("変更"))
    unknown = set(values) - set(OPINION_FIELDS)
    if unknown:
        raise ServiceError(_("変更できない項目です: %(f)s") % {"f": "、".join(sorted(unknown))})
    for name, value in clean_opinion_values(values).items():
        setattr(opinion, name, value)
    with audit.acting_as(acting_user):
        opinion.save()
    return opinion


@transaction.atomic
def delete_opinion(*, acting_user, opinion: Opinion) -> None:
    require_change(acting_user, opinion.record)
    _require_not_cited(acting_user, opinion, _("削除"))
    with audit.acting_as(acting_user):
        opinion.delete()


@transaction.atomic
def import_opinions(*, acting_user, record: DialogueRecord, rows: list[dict]) -> list[Opinion]:
    """Append checked rows (number, text, age_band, area, attributes) in one audited bulk
    insert; the importer has validated every row and assigned the numbers."""
    require_change(acting_user, record)
    if record.kind not in IMPORT_KINDS:
        raise ServiceError(import_kinds_message())
    opinions = [Opinion(record=record, **row) for row in rows]
    with audit.acting_as(acting_user):
        return Opinion.objects.bulk_create(opinions)


def import_kinds_message() -> str:
    kinds = "・".join(str(DialogueKind(k).label) for k in IMPORT_KINDS)
    return _("ファイルから意見を取り込めるのは、%(kinds)sの記録だけです。") % {"kinds": kinds}


# --- making a challenge ---------------------------------------------------------------------


def _source_note(record: DialogueRecord) -> str:
    note = f"{record.get_kind_display()}「{record.title}」({wareki(record.held_on)})"
    return note[:200]


@transaction.atomic
def challenge_from_record(*, acting_user, record: DialogueRecord) -> Challenge:
    """A 候補 titled after the record, described by its notes, in its department. A record
    makes one 課題 of its title: AlreadyMade tells of it (a 課題 renamed since, or a record
    retitled, lets another be made)."""
    require_change(acting_user, record)
    # Locked, then checked: two clicks at once make one 課題.
    record = (
        DialogueRecord.objects.select_for_update(of=("self",))
        .select_related("organization", "department")
        .get(pk=record.pk)
    )
    same = (
        Challenge.objects.filter(
            source_record=record, source_kind=SourceKind.DIALOGUE, title=record.title.strip()[:200]
        )
        .select_related("organization")
        .order_by("pk")
        .first()
    )
    if same is not None:
        raise AlreadyMade(
            acting_user,
            same,
            _("この記録からは課題「%(t)s」をすでに作っています。"),
            _("この記録からはすでに課題を作っています。"),
        )
    return challenge_services.create_challenge(
        acting_user=acting_user,
        organization=record.organization,
        title=record.title,
        description=record.notes,
        department=record.department,
        source_kind=SourceKind.DIALOGUE,
        source_record=record,
        source_note=_source_note(record),
    )


SENTENCE_END = re.compile(r"(?<=[。！？!?\n])")


def opinion_title(text: str) -> str:
    """The opinion's first sentence, at most 40 characters (cut with …)."""
    first = next((s.strip() for s in SENTENCE_END.split(text.strip()) if s.strip()), "")
    first = first.rstrip("。")
    if len(first) > CHALLENGE_TITLE_LIMIT:
        first = first[: CHALLENGE_TITLE_LIMIT - 1] + "…"
    return first


def opinion_description(opinion: Opinion) -> str:
    """The whole text, then its attributes (年代, 地区 and the others), one per line."""
    attributes = []
    if opinion.age_band:
        attributes.append(_("年代: %(v)s") % {"v": opinion.age_band})
    if opinion.area:
        attributes.append(_("地区: %(v)s") % {"v": opinion.area})
    attributes += [f"{key}: {value}" for key, value in (opinion.attributes or {}).items() if value]
    source = _("出どころ: %(source)s の意見 %(n)s番") % {
        "source": _source_note(opinion.record),
        "n": opinion.number,
    }
    parts = [opinion.text.strip(), "\n".join(attributes), source]
    return "\n\n".join(p for p in parts if p)


@transaction.atomic
def challenge_from_opinion(*, acting_user, opinion: Opinion) -> Challenge:
    """A 候補 from one opinion: its first sentence as the title, the full text with its
    attributes as the description; the opinion and its record are kept as the source."""
    require_change(acting_user, opinion.record)
    # Locked, then checked: two clicks at once make one 課題.
    opinion = (
        Opinion.objects.select_for_update(of=("self",))
        .select_related("record__organization", "record__department")
        .get(pk=opinion.pk)
    )
    record = opinion.record
    found = (
        Challenge.objects.filter(source_opinion=opinion)
        .select_related("organization")
        .order_by("pk")
        .first()
    )
    if found is not None:
        raise AlreadyMade(
            acting_user,
            found,
            _("この意見はすでに課題「%(t)s」になっています。"),
            _("この意見はすでに課題になっています。"),
        )
    return challenge_services.create_challenge(
        acting_user=acting_user,
        organization=record.organization,
        title=opinion_title(opinion.text),
        description=opinion_description(opinion),
        department=record.department,
        source_kind=SourceKind.OPINION,
        source_record=record,
        source_opinion=opinion,
        source_note=(
            _("%(source)s 意見%(n)s番") % {"source": _source_note(record), "n": opinion.number}
        )[:200],
    )
