"""Resident survey answers from CSV or Excel (chiikidx.core.tabular) into a record's opinions.

One row is one answer. 意見 is required; 年代, 地区 and 番号 are optional; every other column is
kept as an attribute of the opinion (回答方法, 職業 …). A column that looks like a name or a
contact (氏名, 住所, 電話, メール …) is refused: opinions are stored without names. 全角 digits
are read, 年代 is written one way (３０代, 30歳代, 30〜39歳 → 30代), and every row is checked
first: if any is wrong, nothing is saved and every problem is reported (row, column, value,
reason). Rows without 番号 are numbered after the record's last opinion.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from chiikidx.core import japanese, tabular
from chiikidx.core.services import ServiceError

from ..models import DialogueRecord
from . import services

MAX_ROWS = 10000
BLANK_AGES = ("無回答", "不明", "回答なし", "答えたくない", "-", "ー", "―")


def normalize_age_band(value) -> str:
    """３０代, 30歳代, 30代前半, 30〜39歳, 34 → 30代; 70歳以上 → 70代以上; 9 → 10歳未満.
    Other short text is kept as written (e.g. 高校生); 無回答 is blank."""
    if isinstance(value, bool):
        raise ValueError(_("年代は「30代」のように書いてください。"))
    if isinstance(value, int | float):
        return _band_of_age(int(value))
    label = re.sub(r"\s+", "", japanese.normalize(tabular.text(value)))
    if label in BLANK_AGES or not label:
        return ""
    if label.isdigit():
        return _band_of_age(int(label))
    found = re.fullmatch(r"(\d{1,3})歳?代(?:前半|後半)?", label)
    if found:
        return f"{int(found[1])}代"
    found = re.fullmatch(r"(\d{1,3})歳?代?以上", label)
    if found:
        return f"{int(found[1])}代以上"
    found = re.fullmatch(r"(\d{1,3})歳?代?未満", label)
    if found:
        return f"{int(found[1])}歳未満"
    found = re.fullmatch(r"(\d{1,3})歳?(?:[~〜\-ー－―]|から)(\d{1,3})歳?", label)
    if found and int(found[1]) % 10 == 0 and int(found[2]) == int(found[1]) + 9:
        return f"{int(found[1])}代"
    if len(label) > services.AGE_BAND_LIMIT:
        raise ValueError(
            _("年代は%(n)s文字以内で、「30代」「70代以上」のように書いてください。")
            % {"n": services.AGE_BAND_LIMIT}
        )
    return label


def _band_of_age(age: int) -> str:
    if not 0 <= age <= 120:
        raise ValueError(_("年代は「30代」のように書くか、0から120までの年齢を書いてください。"))
    return _("10歳未満") if age < 10 else f"{age // 10 * 10}代"


COLUMNS = [
    tabular.Column(
        "number",
        "番号",
        tabular.integer(min=1),
        unique=True,
        aliases=("No", "No.", "回答番号", "通し番号"),
    ),
    tabular.Column(
        "text",
        "意見",
        required=True,
        aliases=("ご意見", "自由記述", "意見・要望", "ご意見・ご要望", "回答", "内容", "気づき"),
    ),
    tabular.Column("age_band", "年代", normalize_age_band, aliases=("年齢", "年齢層", "年代区分")),
    tabular.Column(
        "area", "地区", aliases=("地域", "居住地区", "お住まいの地区", "お住まいの地域")
    ),
]
TEMPLATE_COLUMNS = [*COLUMNS, tabular.Column("method", "回答方法")]


KNOWN = {services.header_key(name) for c in COLUMNS for name in (c.key, c.label, *c.aliases)}


@dataclass
class Checked:
    """What an import would add: rows ready for the service, and every problem found."""

    rows: list[dict]
    errors: list[tabular.RowError]


def check_file(record, data: bytes, filename: str) -> Checked:
    """Read and check every row against the record (its existing numbers); saves nothing."""
    first = tabular.read_table(data, filename, COLUMNS)
    if first.header_row is None or "text" not in first.present:
        return Checked([], first.errors)
    labels = header_labels(first.header_cells)
    errors = [
        _personal_error(first.header_row, label)
        for label in labels
        if services.looks_personal(label)
    ]
    extras = [
        tabular.Column(f"attr{i}", label)
        for i, label in enumerate(labels)
        if services.header_key(label) not in KNOWN and not services.looks_personal(label)
    ]
    result = tabular.read_table(data, filename, [*COLUMNS, *extras], sheet=first.sheet)
    errors += result.errors
    rows = [_row(found, extras, errors) for found in result.rows]
    if len(result.rows) + len({e.row for e in result.errors}) > MAX_ROWS:
        errors.append(_too_many(first.header_row))
    _number(record, [r for r in rows if r], errors)
    return Checked([r for r in rows if r], errors)


def _personal_error(header_row: int, label: str) -> tabular.RowError:
    return tabular.RowError(
        header_row,
        label,
        "",
        _(
            "氏名や連絡先のような、個人を特定できる列は取り込めません。意見は氏名なしで保存します。"
            "この列を削除してから、もう一度取り込んでください。"
        ),
    )


def _too_many(header_row: int) -> tabular.RowError:
    return tabular.RowError(
        header_row,
        "",
        "",
        _("一度に取り込めるのは%(n)s行までです。ファイルを分けて取り込んでください。")
        % {"n": MAX_ROWS},
    )


def _row(found: dict, extras: list, errors: list) -> dict | None:
    """The opinion's values; None (and the problems added to `errors`) when a value is too long."""
    row_no = found["_row"]
    values = {
        "number": found["number"],
        "text": found["text"],
        "age_band": found["age_band"] or "",
        "area": found["area"] or "",
        "attributes": {c.label: found[c.key] for c in extras if found[c.key] not in (None, "")},
    }
    problems = []
    for name, label in (("text", "意見"), ("age_band", "年代"), ("area", "地区")):
        try:
            services.clean_opinion_values({name: values[name]})
        except ServiceError as refused:
            problems.append(tabular.RowError(row_no, label, _short(values[name]), str(refused)))
    for column in extras:
        value = found[column.key]
        if value is not None and len(str(value)) > services.ATTRIBUTE_LIMIT:
            message = _("%(n)s文字以内にしてください(今は%(len)s文字です)。") % {
                "n": services.ATTRIBUTE_LIMIT,
                "len": len(str(value)),
            }
            problems.append(tabular.RowError(row_no, column.label, _short(value), message))
    values["attributes"] = {k: str(v) for k, v in values["attributes"].items()}
    values["_row"] = row_no
    errors.extend(problems)
    return None if problems else values


def _short(value) -> str:
    value = str(value)
    return value if len(value) <= 30 else value[:29] + "…"


def _number(record, rows: list[dict], errors: list) -> None:
    """Keep the file's 番号 (refusing those the record already has); number the other rows
    after the largest number of the record and of the file."""
    existing = set(record.opinions.order_by().values_list("number", flat=True))
    for row in rows:
        if row["number"] is not None and row["number"] in existing:
            errors.append(
                tabular.RowError(
                    row["_row"],
                    "番号",
                    str(row["number"]),
                    _(
                        "この記録には番号%(n)sの意見がすでにあります。同じファイルを二度取り込んで"
                        "いないか確かめ、番号を変えるか番号の列を空欄にしてください。"
                    )
                    % {"n": row["number"]},
                )
            )
    top = max([*existing, *(r["number"] for r in rows if r["number"] is not None)], default=0)
    for row in rows:
        if row["number"] is None:
            top += 1
            row["number"] = top


@transaction.atomic
def import_file(*, acting_user, record, data: bytes, filename: str) -> int:
    """Check the whole file, then append its opinions in one audited bulk insert.
    tabular.TableImportError (every problem) and nothing saved when any row is wrong. The
    record is locked first, so two imports at once number their opinions one after the other."""
    services.require_change(acting_user, record)
    if record.kind not in services.IMPORT_KINDS:
        raise ServiceError(services.import_kinds_message())
    DialogueRecord.objects.select_for_update().filter(pk=record.pk).values_list("pk").get()
    checked = check_file(record, data, filename)
    if checked.errors:
        raise tabular.TableImportError(checked.errors)
    if not checked.rows:
        raise tabular.TableFileError(
            _("取り込む意見がありません。「意見」の列に1行以上入力してください。")
        )
    rows = [{k: v for k, v in r.items() if k != "_row"} for r in checked.rows]
    return len(services.import_opinions(acting_user=acting_user, record=record, rows=rows))


# --- the header row as written (tabular reads the columns it is asked for) -------------------


def header_labels(cells: list) -> list[str]:
    """The labels of the header row tabular found, in order, blanks and repeats left out."""
    labels = [tabular.cell_text(tabular.text(c)) for c in cells if c not in (None, "")]
    return list(dict.fromkeys(label for label in labels if label))


# --- the template ---------------------------------------------------------------------------


def template_xlsx(organization) -> bytes:
    title = _(
        "%(org)s 住民アンケートの取り込み(1行に1件の意見。氏名・住所・電話番号・メールの列は"
        "作らないでください)"
    ) % {"org": organization.name}
    return tabular.write_xlsx(TEMPLATE_COLUMNS, [], title=title, sheet_title=_("意見"))


def template_csv() -> bytes:
    return tabular.write_csv(TEMPLATE_COLUMNS, [])
