"""A framework as an Excel workbook (one sheet per kind of row), and back.

Reading builds the same YAML-shaped data and passes it to `parse_definition`, so an Excel file is
checked exactly like a YAML file, and every problem is reported."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from chiikidx.core import tabular, xlsxread

from .definition import DefinitionError, FrameworkDef, parse_definition, to_data

HEADER_FILL = PatternFill("solid", fgColor="DCE6F8")
SHEETS = {
    "概要": ["項目", "値"],
    "観点": ["観点コード", "名称", "上位の観点コード", "重み", "説明"],
    "設問": [
        "設問コード",
        "観点コード",
        "設問",
        "補足",
        "種類",
        "重み",
        "必須",
        "単位",
        "最小",
        "最大",
        "向き",
        "採点方法",
        "0点の値",
        "100点の値",
        "段階",
        "はいの点",
        "いいえの点",
    ],
    "レベル": ["設問コード", "レベル", "説明", "次のレベルへ"],
    "選択肢": ["設問コード", "値", "表示", "点"],
    "チェック": ["条件の設問", "条件の値", "対象の設問", "きまり", "メッセージ"],
}
HEADER_KEYS = ["code", "title", "version", "description", "source"]


def write(framework: FrameworkDef) -> bytes:
    data = to_data(framework)
    book = Workbook()
    book.remove(book.active)
    sheets = {name: _sheet(book, name, headers) for name, headers in SHEETS.items()}
    for key in HEADER_KEYS:
        sheets["概要"].append([key, data.get(key, "")])
    for dimension, parent in _dimensions(data["dimensions"], None):
        sheets["観点"].append(
            [
                dimension["code"],
                dimension["title"],
                parent or "",
                dimension.get("weight", 1),
                dimension.get("description", ""),
            ]
        )
        for q in dimension.get("questions", []):
            _question(sheets, q, dimension["code"])
    for rule in data.get("validations", []):
        kind = "empty" if rule["then"].get("empty") else "required"
        sheets["チェック"].append(
            [
                rule["if"]["question"],
                _text(rule["if"]["equals"]),
                rule["then"]["question"],
                kind,
                rule["message"],
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet(book, name: str, headers: list[str]):
    sheet = book.create_sheet(name)
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
    sheet.freeze_panes = "A2"
    return sheet


def _dimensions(dimensions: list, parent):
    for dimension in dimensions:
        yield dimension, parent
        yield from _dimensions(dimension.get("children", []), dimension["code"])


def _question(sheets, q: dict, dimension_code: str) -> None:
    scoring, points = q.get("scoring", {}), q.get("points", {})
    steps = "、".join(f"{s['at']}:{s['score']}" for s in scoring.get("steps", []))
    sheets["設問"].append(
        [
            q["code"],
            dimension_code,
            q["text"],
            q.get("help", ""),
            q["type"],
            q.get("weight", 1),
            "いいえ" if q.get("required") is False else "はい",
            q.get("unit", ""),
            q.get("min"),
            q.get("max"),
            q.get("direction", ""),
            scoring.get("method", ""),
            scoring.get("zero"),
            scoring.get("target"),
            steps,
            points.get("yes"),
            points.get("no"),
        ]
    )
    for level, item in enumerate(q.get("levels", [])):
        sheets["レベル"].append([q["code"], level, item["descriptor"], item.get("next", "")])
    for choice in q.get("choices", []):
        sheets["選択肢"].append([q["code"], choice["value"], choice["label"], choice["points"]])


def _text(value):
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return value


# --- reading -----------------------------------------------------------------------------------


def read(data: bytes) -> FrameworkDef:
    unreadable = DefinitionError(["Excelファイル(.xlsx)として読めません。"])
    try:
        book = xlsxread.Workbook(data)
    except xlsxread.XlsxError as exc:
        raise unreadable from exc
    missing = [name for name in SHEETS if name not in book.sheetnames]
    if missing:
        raise DefinitionError(
            [
                f"シート「{name}」がありません。書き出したファイルをもとに編集してください。"
                for name in missing
            ]
        )
    try:
        rows = {name: _rows(book.read(name).rows) for name in SHEETS}
    except xlsxread.XlsxError as exc:
        raise unreadable from exc
    return parse_definition(_data(rows))


def _rows(sheet_rows: list[list]) -> list[list]:
    found = []
    for row in sheet_rows[1:]:  # under the header row
        cells = [tabular.text(v) if isinstance(v, str) else v for v in row]
        if any(c not in (None, "") for c in cells):
            found.append(cells)
    return found


def _data(rows: dict) -> dict:
    header = {str(r[0]): r[1] for r in rows["概要"] if r and r[0]}
    levels, choices = _grouped(rows["レベル"]), _grouped(rows["選択肢"])
    questions: dict[str, list] = {}
    for r in rows["設問"]:
        questions.setdefault(_s(r[1]), []).append(_question_data(r, levels, choices))
    dimensions = {
        _s(r[0]): {
            "code": _s(r[0]),
            "title": _s(r[1]),
            "weight": r[3] or 1,
            "description": _s(r[4]),
            "questions": questions.get(_s(r[0]), []),
            "children": [],
        }
        for r in rows["観点"]
    }
    roots = []
    for r in rows["観点"]:
        parent = dimensions.get(_s(r[2]))
        (parent["children"] if parent else roots).append(dimensions[_s(r[0])])
    return {key: header.get(key) for key in HEADER_KEYS} | {
        "dimensions": roots,
        "validations": [_rule(r) for r in rows["チェック"]],
    }


def _grouped(rows: list) -> dict[str, list]:
    grouped: dict[str, list] = {}
    for r in rows:
        grouped.setdefault(_s(r[0]), []).append(r)
    return grouped


def _question_data(r: list, levels: dict, choices: dict) -> dict:
    code = _s(r[0])
    data = {
        "code": code,
        "text": _s(r[2]),
        "help": _s(r[3]),
        "type": _s(r[4]),
        "weight": r[5] if r[5] is not None else 1,
        "required": _s(r[6]) != "いいえ",
        "unit": _s(r[7]),
        "min": r[8],
        "max": r[9],
        "direction": _s(r[10]) or None,
    }
    if _s(r[11]):
        steps = [
            dict(zip(("at", "score"), s.split(":"), strict=False))
            for s in _s(r[14]).split("、")
            if s
        ]
        data["scoring"] = {"method": _s(r[11]), "zero": r[12], "target": r[13], "steps": steps}
    if r[15] is not None or r[16] is not None:
        data["points"] = {"yes": r[15], "no": r[16]}
    data["levels"] = [
        {"descriptor": _s(x[2]), "next": _s(x[3])}
        for x in sorted(levels.get(code, []), key=lambda x: x[1] or 0)
    ]
    data["choices"] = [
        {"value": _s(x[1]), "label": _s(x[2]), "points": x[3]} for x in choices.get(code, [])
    ]
    return {k: v for k, v in data.items() if v not in (None, "", [])}


def _rule(r: list) -> dict:
    return {
        "if": {"question": _s(r[0]), "equals": _s(r[1])},
        "then": {"question": _s(r[2]), _s(r[3]) or "empty": True},
        "message": _s(r[4]),
    }


def _s(value) -> str:
    return "" if value is None else str(value).strip()
