"""Shapes for the answer sheet and the score table (what templates iterate over)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from chiikidx.core.templatetags.jp import wareki

from .answers import EMPTY
from .choices import QuestionType
from .definition import DimensionDef, FrameworkDef, QuestionDef


def display(q: QuestionDef, value) -> str:
    """An answer as people read it: the label, the level and its descriptor, はい/いいえ."""
    if value in EMPTY:
        return ""
    if q.type == QuestionType.LEVEL:
        return _("レベル%(n)s: %(text)s") % {"n": value, "text": q.levels[int(value)]["descriptor"]}
    if q.type == QuestionType.YESNO:
        return _("はい") if value == "yes" else _("いいえ")
    labels = {c["value"]: c["label"] for c in q.choices}
    if q.type == QuestionType.SINGLE:
        return labels.get(value, value)
    if q.type == QuestionType.MULTIPLE:
        return "、".join(labels.get(v, v) for v in value)
    if q.type == QuestionType.DATE:
        import datetime

        return wareki(datetime.date.fromisoformat(value))
    if q.unit:
        return f"{value}{q.unit}"
    return str(value)


def answer_sheet(
    framework: FrameworkDef, values: dict, previous: dict, errors: dict, files=None
) -> list[dict]:
    """One section per top-level dimension, with its questions and progress.
    `files`: question code → evidence files (an evidence question with a file is answered)."""
    return [_section(d, values, previous, errors, files or {}) for d in framework.dimensions]


def _section(top: DimensionDef, values, previous, errors, files) -> dict:
    items, answered, total = [], 0, 0
    for dimension in top.walk():
        if dimension is not top:
            items.append({"kind": "heading", "title": dimension.title, "code": dimension.code})
        for q in dimension.questions:
            value = values.get(q.code)
            total += 1
            answered += value not in EMPTY or bool(files.get(q.code))
            item = _item(q, value, previous.get(q.code), errors.get(q.code))
            item["files"] = files.get(q.code, [])
            items.append(item)
    percent = round(answered * 100 / total) if total else 100
    return {
        "code": top.code,
        "title": top.title,
        "items": items,
        "answered": answered,
        "total": total,
        "percent": percent,
    }


def _item(q: QuestionDef, value, previous_value, error) -> dict:
    hint = ""
    if q.type == QuestionType.LEVEL and value not in EMPTY:
        hint = q.levels[int(value)]["next"]
    return {
        "kind": "question",
        "q": q,
        "value": value,
        "values": value if isinstance(value, list) else [value],
        "display": display(q, value),
        "previous": display(q, previous_value) if previous_value not in EMPTY else "",
        "error": error or "",
        "hint": hint,
        "levels": list(enumerate(q.levels)),
    }


def score_table(framework: FrameworkDef, response) -> dict:
    scores = dict(response.scores.values_list("dimension_code", "score"))
    rows = []
    for top in framework.dimensions:
        _rows(top, 0, scores, rows)
    return {"overall": response.overall_score, "rows": rows}


def _rows(dimension: DimensionDef, depth: int, scores: dict, rows: list) -> None:
    rows.append(
        {
            "title": dimension.title,
            "depth": depth,
            "weight": dimension.weight,
            "score": scores.get(dimension.code),
            "code": dimension.code,
        }
    )
    for child in dimension.children:
        _rows(child, depth + 1, scores, rows)
