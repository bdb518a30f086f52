"""Changes to a draft framework, made on its YAML-shaped data (`definition.to_data`).

Each change edits the data in place and raises DefinitionError (Japanese) when it cannot be
made; the caller then checks the whole result with `parse_definition`, the same check a file
import gets, before anything is written (services.edit_draft).
"""

from __future__ import annotations

from .definition import DefinitionError


def _dimensions(data: dict) -> list[dict]:
    return data.setdefault("dimensions", [])


def walk(dimensions: list[dict], parent: dict | None = None):
    """(dimension, its parent or None, the list it is in) for every dimension, depth first."""
    for dimension in dimensions:
        yield dimension, parent, dimensions
        yield from walk(dimension.get("children") or [], dimension)


def find_dimension(data: dict, code: str) -> tuple[dict, list[dict]]:
    for dimension, _parent, siblings in walk(_dimensions(data)):
        if dimension["code"] == code:
            return dimension, siblings
    raise DefinitionError([f"観点「{code}」はありません。画面を読み込み直してください。"])


def find_question(data: dict, code: str) -> tuple[dict, list[dict]]:
    for dimension, _parent, _siblings in walk(_dimensions(data)):
        for question in dimension.get("questions") or []:
            if question["code"] == code:
                return question, dimension["questions"]
    raise DefinitionError([f"設問「{code}」はありません。画面を読み込み直してください。"])


def _move(items: list, item, step: int) -> None:
    i = items.index(item)
    j = i + step
    if 0 <= j < len(items):
        items[i], items[j] = items[j], items[i]


def _within(data: dict, code: str, ancestor: str) -> bool:
    """Whether dimension `code` is `ancestor` or below it."""
    top, _siblings = find_dimension(data, ancestor)
    return any(d["code"] == code for d, _p, _s in walk([top]))


# --- dimensions --------------------------------------------------------------------------------


def save_dimension(data: dict, fields: dict, *, parent: str = "", old_code: str = "") -> None:
    """Add a dimension (old_code empty) or change one; `parent` empty puts it at the top."""
    if old_code:
        dimension, siblings = find_dimension(data, old_code)
        if parent and _within(data, parent, old_code):
            raise DefinitionError(
                ["観点を自分自身やその下の観点の下には移せません。別の上位の観点を選んでください。"]
            )
        dimension.update(fields)
        current_parent = next(p for d, p, _s in walk(_dimensions(data)) if d is dimension)
        if (current_parent["code"] if current_parent else "") == parent:
            return
        siblings.remove(dimension)
    else:
        dimension = dict(fields)
    target = find_dimension(data, parent)[0].setdefault("children", []) if parent else None
    (target if target is not None else _dimensions(data)).append(dimension)


def delete_dimension(data: dict, code: str) -> None:
    dimension, siblings = find_dimension(data, code)
    if dimension.get("questions") or dimension.get("children"):
        raise DefinitionError(
            [
                f"観点「{dimension['title']}」には設問または下位の観点があるため削除できません。"
                "先にそれらを削除するか、別の観点に移してください。"
            ]
        )
    siblings.remove(dimension)


def move_dimension(data: dict, code: str, step: int) -> None:
    dimension, siblings = find_dimension(data, code)
    _move(siblings, dimension, step)


# --- questions ---------------------------------------------------------------------------------


def save_question(data: dict, question: dict, *, dimension: str, old_code: str = "") -> None:
    """Add a question at the end of `dimension`, or change one (moving it when its dimension
    changes). A new code is carried into the cross-question rules that use the question."""
    target = find_dimension(data, dimension)[0]
    if not old_code:
        target.setdefault("questions", []).append(question)
        return
    current, siblings = find_question(data, old_code)
    if siblings is target.get("questions"):
        siblings[siblings.index(current)] = question
    else:
        siblings.remove(current)
        target.setdefault("questions", []).append(question)
    if question["code"] != old_code:
        for rule in data.get("validations") or []:
            for part in (rule.get("if") or {}, rule.get("then") or {}):
                if part.get("question") == old_code:
                    part["question"] = question["code"]


def delete_question(data: dict, code: str) -> None:
    question, siblings = find_question(data, code)
    used = [
        rule.get("message", "")
        for rule in data.get("validations") or []
        if code
        in ((rule.get("if") or {}).get("question"), (rule.get("then") or {}).get("question"))
    ]
    if used:
        raise DefinitionError(
            [
                f"設問「{code}」は設問間のチェック「{used[0]}」で使われているため削除できません。"
                "先にそのチェックを削除してください。"
            ]
        )
    siblings.remove(question)


def move_question(data: dict, code: str, step: int) -> None:
    question, siblings = find_question(data, code)
    _move(siblings, question, step)


# --- cross-question rules ----------------------------------------------------------------------


def add_rule(data: dict, rule: dict) -> None:
    data.setdefault("validations", []).append(rule)


def delete_rule(data: dict, index: int) -> None:
    rules = data.get("validations") or []
    if not 0 <= index < len(rules):
        raise DefinitionError(["そのチェックはありません。画面を読み込み直してください。"])
    del rules[index]
