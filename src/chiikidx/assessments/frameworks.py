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


def store_parts(version: FrameworkVersion, framework: FrameworkDef) -> None:
    """Write the definition's dimensions and questions into an empty (draft) version."""
    order = 0
    for root in framework.dimensions:
        order = _store_dimension(version, root, None, 1, order)
    version.validations = framework.validations
    version.save()


def _store_dimension(version, d: DimensionDef, parent, depth: int, order: int) -> int:
    row = Dimension.objects.create(
        version=version,
        parent=parent,
        code=d.code,
        title=d.title,
        description=d.description,
        weight=d.weight,
        depth=depth,
        order=order,
    )
    order += 1
    Question.objects.bulk_create(
        Question(
            version=version,
            dimension=row,
            code=q.code,
            text=q.text,
            help=q.help,
            type=q.type,
            weight=q.weight,
            required=q.required,
            config=q.config(),
            order=order + i,
        )
        for i, q in enumerate(d.questions)
    )
    order += len(d.questions)
    for child in d.children:
        order = _store_dimension(version, child, row, depth + 1, order)
    return order
