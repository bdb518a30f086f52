"""Frameworks in and out: the shipped YAML files, YAML import/export, stored versions."""

from __future__ import annotations

import functools
from decimal import Decimal
from pathlib import Path

import yaml

from .definition import (
    DefinitionError,
    DimensionDef,
    FrameworkDef,
    QuestionDef,
    parse_definition,
    to_data,
)
from .models import Dimension, FrameworkVersion, Question

SHIPPED_DIR = Path(__file__).resolve().parent / "frameworks"
MAX_YAML_BYTES = 2 * 1024 * 1024


@functools.cache
def _codes() -> tuple[str, ...]:
    return tuple(sorted(path.stem for path in SHIPPED_DIR.glob("*.yaml")))


def shipped_codes() -> list[str]:
    return list(_codes())


def shipped(code: str) -> FrameworkDef:
    """A shipped framework (read once per process: the files are part of the package).
    Callers treat it as read-only, as they do `cached_definition`."""
    if code not in shipped_codes():
        raise DefinitionError([f"標準フレームワーク「{code}」はありません。"])
    return _shipped(code)


@functools.cache
def _shipped(code: str) -> FrameworkDef:
    return read_yaml((SHIPPED_DIR / f"{code}.yaml").read_bytes())


def read_yaml(data: bytes) -> FrameworkDef:
    if len(data) > MAX_YAML_BYTES:
        raise DefinitionError(["ファイルが大きすぎます(2MBまで)。"])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp932")
        except UnicodeDecodeError as exc:
            raise DefinitionError(["文字コードを読めません。UTF-8 で保存してください。"]) from exc
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{mark.line + 1}行目" if mark else "ファイル"
        raise DefinitionError(
            [f"{where}: YAMLとして読めません。字下げや「:」の後の空白を確認してください。"]
        ) from exc
    return parse_definition(loaded)


def write_yaml(framework: FrameworkDef) -> bytes:
    text = yaml.safe_dump(to_data(framework), allow_unicode=True, sort_keys=False, width=100)
    return text.encode("utf-8")


# --- stored versions ---------------------------------------------------------------------------


def definition_of(version: FrameworkVersion) -> FrameworkDef:
    """The definition of a stored version (two queries)."""
    dimensions = list(Dimension.objects.filter(version=version).order_by("order"))
    questions = list(Question.objects.filter(version=version).order_by("order"))
    by_id = {d.pk: _dimension_def(d) for d in dimensions}
    for question in questions:
        by_id[question.dimension_id].questions.append(_question_def(question, by_id))
    roots = []
    for d in dimensions:
        (by_id[d.parent_id].children if d.parent_id else roots).append(by_id[d.pk])
    framework = version.framework
    return FrameworkDef(
        code=framework.code,
        title=framework.title,
        version=version.number,
        description=framework.description,
        source=framework.source,
        dimensions=roots,
        validations=version.validations,
    )


_published: dict[tuple, FrameworkDef] = {}


def cached_definition(version: FrameworkVersion) -> FrameworkDef:
    """Published versions never change, so their definitions are kept per process. The key
    includes the publication time: a rolled-back publication must not leave a stale entry
    behind for a later version that gets the same id."""
    if not version.is_published:
        return definition_of(version)
    key = (version.pk, version.published_at)
    if key not in _published:
        _published[key] = definition_of(version)
    return _published[key]


def _dimension_def(d: Dimension) -> DimensionDef:
    return DimensionDef(code=d.code, title=d.title, weight=d.weight, description=d.description)


def _question_def(q: Question, dimensions: dict) -> QuestionDef:
    config = q.config
    return QuestionDef(
        code=q.code,
        text=q.text,
        type=q.type,
        weight=q.weight,
        required=q.required,
        help=q.help,
        levels=config.get("levels", []),
        choices=config.get("choices", []),
        points=config.get("points", {}),
        unit=config.get("unit", ""),
        min=_decimal(config.get("min")),
        max=_decimal(config.get("max")),
        direction=config.get("direction") or "higher",
        scoring=config.get("scoring", {}),
        dimension_code=dimensions[q.dimension_id].code,
    )


def _decimal(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def write_parts(
    version: FrameworkVersion,
    framework: FrameworkDef,
    *,
    renamed_dimensions: dict[str, str] | None = None,
    renamed_questions: dict[str, str] | None = None,
) -> None:
    """Make the version's stored dimensions, questions and rules match the definition.

    Rows are matched by code (a renamed row by its previous code, so it keeps its identity)
    and only what differs is written: an empty version gets every row created (an import),
    an edit of a draft writes just the change, and the audit log shows exactly that.
    """
    stored_dimensions = _by_code(Dimension.objects.filter(version=version), renamed_dimensions)
    stored_questions = _by_code(Question.objects.filter(version=version), renamed_questions)
    wanted = framework.question_map()
    Question.objects.filter(
        pk__in=[q.pk for code, q in stored_questions.items() if code not in wanted]
    ).delete()
    rows: dict[str, Dimension] = {}
    order = 0
    for root in framework.dimensions:
        order = _write_dimension(version, root, None, 1, order, stored_dimensions, rows)
    _write_questions(version, framework, stored_questions, rows)
    # Last: a kept question or child dimension may have been moved out of a removed dimension.
    Dimension.objects.filter(
        pk__in=[d.pk for code, d in stored_dimensions.items() if code not in rows]
    ).delete()
    if version.validations != framework.validations:
        version.validations = framework.validations
        version.save()


def _by_code(rows, renamed: dict[str, str] | None) -> dict:
    found = {row.code: row for row in rows}
    moved = {new: found.pop(old) for old, new in (renamed or {}).items() if old in found}
    return found | moved


def _write_dimension(version, d: DimensionDef, parent, depth, order, stored, rows) -> int:
    fields = {
        "parent": parent,
        "code": d.code,
        "title": d.title,
        "description": d.description,
        "weight": d.weight,
        "depth": depth,
        "order": order,
    }
    row = stored.get(d.code)
    if row is None:
        row = Dimension.objects.create(version=version, **fields)
    elif _assign(row, fields):
        row.save()
    rows[d.code] = row
    order += 1 + len(d.questions)
    for child in d.children:
        order = _write_dimension(version, child, row, depth + 1, order, stored, rows)
    return order


def _write_questions(version, framework: FrameworkDef, stored: dict, dimensions: dict) -> None:
    """New questions in one insert, changed ones in one update (both audited row by row)."""
    new, changed = [], []
    for d in framework.all_dimensions():
        first = dimensions[d.code].order + 1
        for i, q in enumerate(d.questions):
            fields = {
                "dimension": dimensions[d.code],
                "code": q.code,
                "text": q.text,
                "help": q.help,
                "type": q.type,
                "weight": q.weight,
                "required": q.required,
                "config": q.config(),
                "order": first + i,
            }
            row = stored.get(q.code)
            if row is None:
                new.append(Question(version=version, **fields))
            elif _assign(row, fields):
                changed.append(row)
    Question.objects.bulk_create(new)
    if changed:
        Question.objects.bulk_update(changed, _QUESTION_FIELDS)


_QUESTION_FIELDS = (
    "dimension",
    "code",
    "text",
    "help",
    "type",
    "weight",
    "required",
    "config",
    "order",
)


def _assign(row, fields: dict) -> bool:
    """Set the fields on the row; whether any of them changed."""
    changed = False
    for name, value in fields.items():
        if name in ("parent", "dimension"):  # compare ids: no query for the related row
            same = getattr(row, f"{name}_id") == (value.pk if value else None)
        else:
            same = getattr(row, name) == value
        if not same:
            setattr(row, name, value)
            changed = True
    return changed
