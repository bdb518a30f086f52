"""A framework's definition as plain data: parsed from YAML/Excel or read from the database.

The same `FrameworkDef` feeds scoring, answer validation, import and export, so a framework
file and a stored framework version behave identically. Parsing checks everything and reports
every problem (with its place in the file) in Japanese.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from .choices import SCORED_TYPES, Direction, QuestionType

MAX_DEPTH = 3
LEVEL_COUNT = 5


class DefinitionError(Exception):
    """The definition is not valid; `.problems` lists every problem in Japanese."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class QuestionDef:
    code: str
    text: str
    type: str
    weight: Decimal = Decimal(1)
    required: bool = True
    help: str = ""
    levels: list[dict] = field(default_factory=list)
    choices: list[dict] = field(default_factory=list)
    points: dict = field(default_factory=dict)
    unit: str = ""
    min: Decimal | None = None
    max: Decimal | None = None
    direction: str = Direction.HIGHER
    scoring: dict = field(default_factory=dict)
    dimension_code: str = ""

    @property
    def scored(self) -> bool:
        return self.type in SCORED_TYPES and self.weight > 0

    def config(self) -> dict:
        """Type-specific settings, as stored in `Question.config` and written to YAML."""
        data = {
            "levels": self.levels,
            "choices": self.choices,
            "points": self.points,
            "unit": self.unit,
            "min": _plain(self.min),
            "max": _plain(self.max),
            "direction": self.direction if self.type in NUMERIC_TYPES else "",
            "scoring": self.scoring,
        }
        return {k: v for k, v in data.items() if v not in (None, "", [], {})}


@dataclass
class DimensionDef:
    code: str
    title: str
    weight: Decimal = Decimal(1)
    description: str = ""
    questions: list[QuestionDef] = field(default_factory=list)
    children: list[DimensionDef] = field(default_factory=list)

    def walk(self) -> Iterator[DimensionDef]:
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass
class FrameworkDef:
    code: str
    title: str
    version: int = 1
    description: str = ""
    source: str = ""
    dimensions: list[DimensionDef] = field(default_factory=list)
    validations: list[dict] = field(default_factory=list)

    def all_dimensions(self) -> Iterator[DimensionDef]:
        for dimension in self.dimensions:
            yield from dimension.walk()

    def questions(self) -> list[QuestionDef]:
        return [q for d in self.all_dimensions() for q in d.questions]

    def question(self, code: str) -> QuestionDef:
        return self.question_map()[code]

    def question_map(self) -> dict[str, QuestionDef]:
        return {q.code: q for q in self.questions()}


NUMERIC_TYPES = frozenset({QuestionType.NUMBER, QuestionType.PERCENT})
CHOICE_TYPES = frozenset({QuestionType.SINGLE, QuestionType.MULTIPLE})


def _plain(value):
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


# --- parsing -----------------------------------------------------------------------------------


class _Parser:
    def __init__(self, complete: bool = True):
        self.complete = complete
        self.problems: list[str] = []
        self.codes: set[str] = set()
        self.question_codes: set[str] = set()

    def fail(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def decimal(self, where: str, value, default=None) -> Decimal | None:
        if value is None or value == "":
            return default
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            self.fail(where, f"「{value}」は数値ではありません。数値を入力してください。")
            return default
        return number

    def text(self, where: str, data: dict, key: str, required: bool = True) -> str:
        value = data.get(key)
        if value is None or str(value).strip() == "":
            if required:
                self.fail(where, f"「{key}」がありません。入力してください。")
            return ""
        return str(value).strip()

    def code(self, where: str, data: dict, seen: set[str]) -> str:
        code = self.text(where, data, "code")
        if code and code in seen:
            self.fail(where, f"コード「{code}」が重複しています。一意のコードにしてください。")
        seen.add(code)
        return code


def parse_definition(data: Any, *, complete: bool = True) -> FrameworkDef:
    """Build and check a definition from YAML-shaped data; raise DefinitionError listing all.

    `complete=False` checks a draft being edited in the browser: everything is checked except
    that the framework has questions and every dimension has some (a draft is built up step by
    step); publishing checks the complete definition."""
    p = _Parser(complete)
    if not isinstance(data, dict):
        raise DefinitionError(
            ["ファイルの形式が正しくありません。先頭に code、title、dimensions を書いてください。"]
        )
    version = p.decimal("version", data.get("version"), Decimal(1))
    framework = FrameworkDef(
        code=p.text("フレームワーク", data, "code"),
        title=p.text("フレームワーク", data, "title"),
        version=int(version or 1),
        description=str(data.get("description") or "").strip(),
        source=str(data.get("source") or "").strip(),
    )
    dimensions = data.get("dimensions")
    if not isinstance(dimensions, list) or (not dimensions and p.complete):
        p.fail(
            "dimensions", "評価の観点(dimensions)が1つもありません。少なくとも1つ書いてください。"
        )
        dimensions = []
    framework.dimensions = [
        _dimension(p, d, 1, f"dimensions[{i + 1}]") for i, d in enumerate(dimensions)
    ]
    framework.validations = _validations(p, data.get("validations") or [], framework)
    if not framework.questions() and p.complete:
        p.fail("dimensions", "設問が1つもありません。観点の questions に設問を書いてください。")
    if p.problems:
        raise DefinitionError(p.problems)
    return framework


def _dimension(p: _Parser, data, depth: int, where: str) -> DimensionDef:
    if not isinstance(data, dict):
        p.fail(where, "観点の書き方が正しくありません。code と title を書いてください。")
        return DimensionDef(code="", title="")
    dimension = DimensionDef(
        code=p.code(where, data, p.codes),
        title=p.text(where, data, "title"),
        weight=_weight(p, where, data, positive=True),
        description=str(data.get("description") or "").strip(),
    )
    where = f"観点「{dimension.code or dimension.title}」"
    if depth > MAX_DEPTH:
        p.fail(where, f"観点の階層は{MAX_DEPTH}段までです。階層を浅くしてください。")
    questions = data.get("questions") or []
    children = data.get("children") or []
    dimension.questions = [
        _question(p, q, dimension.code, f"{where}の設問{i + 1}") for i, q in enumerate(questions)
    ]
    dimension.children = [
        _dimension(p, c, depth + 1, f"{where}の子{i + 1}") for i, c in enumerate(children)
    ]
    if p.complete and not any(True for d in dimension.walk() for _ in d.questions):
        p.fail(
            where, "この観点(とその下)に設問がありません。設問を追加するか観点を削除してください。"
        )
    return dimension


def _weight(p: _Parser, where: str, data: dict, positive: bool = False) -> Decimal:
    weight = p.decimal(where, data.get("weight"), Decimal(1))
    if weight is None or weight < 0 or (positive and weight == 0):
        p.fail(
            where,
            "重み(weight)は0より大きい数にしてください。"
            if positive
            else "重み(weight)は0以上にしてください。",
        )
        return Decimal(1)
    return weight


def _question(p: _Parser, data, dimension_code: str, where: str) -> QuestionDef:
    if not isinstance(data, dict):
        p.fail(where, "設問の書き方が正しくありません。code、text、type を書いてください。")
        return QuestionDef(code="", text="", type=QuestionType.TEXT)
    code = p.code(where, data, p.question_codes)
    where = f"設問「{code}」" if code else where
    qtype = str(data.get("type") or "")
    if qtype not in QuestionType.values:
        allowed = "、".join(QuestionType.values)
        p.fail(where, f"種類(type)「{qtype}」は使えません。{allowed} のいずれかにしてください。")
        qtype = QuestionType.TEXT
    question = QuestionDef(
        code=code,
        text=p.text(where, data, "text"),
        type=qtype,
        weight=_weight(p, where, data) if qtype in SCORED_TYPES else Decimal(0),
        required=bool(data.get("required", True)),
        help=str(data.get("help") or "").strip(),
        dimension_code=dimension_code,
    )
    _type_settings(p, question, data, where)
    return question


def _type_settings(p: _Parser, q: QuestionDef, data: dict, where: str) -> None:
    if q.type == QuestionType.LEVEL:
        q.levels = _levels(p, data.get("levels"), where)
    elif q.type == QuestionType.YESNO:
        points = _yesno_keys(data.get("points") or {})
        q.points = {
            "yes": _plain(p.decimal(where, points.get("yes"), Decimal(100))),
            "no": _plain(p.decimal(where, points.get("no"), Decimal(0))),
        }
    elif q.type in CHOICE_TYPES:
        q.choices = _choices(p, data.get("choices"), where)
    elif q.type in NUMERIC_TYPES:
        _numeric(p, q, data, where)


def _yesno_keys(points: dict) -> dict:
    # YAML reads a bare yes/no key as a boolean.
    return {("yes" if k else "no") if isinstance(k, bool) else str(k): v for k, v in points.items()}


def _levels(p: _Parser, levels, where: str) -> list[dict]:
    if not isinstance(levels, list) or len(levels) != LEVEL_COUNT:
        p.fail(where, "成熟度の設問には、レベル0〜4の5つの説明(levels)が必要です。")
        return []
    result = []
    for i, level in enumerate(levels):
        level = level if isinstance(level, dict) else {}
        descriptor = str(level.get("descriptor") or "").strip()
        if not descriptor:
            p.fail(where, f"レベル{i}の説明(descriptor)がありません。")
        result.append({"descriptor": descriptor, "next": str(level.get("next") or "").strip()})
    return result


def _choices(p: _Parser, choices, where: str) -> list[dict]:
    if not isinstance(choices, list) or len(choices) < 2:
        p.fail(where, "選択式の設問には、2つ以上の選択肢(choices)が必要です。")
        return []
    result, values = [], set()
    for i, choice in enumerate(choices):
        choice = choice if isinstance(choice, dict) else {}
        value, label = (
            str(choice.get("value") or "").strip(),
            str(choice.get("label") or "").strip(),
        )
        if not value or not label:
            p.fail(where, f"選択肢{i + 1}に value と label を書いてください。")
        if value in values:
            p.fail(where, f"選択肢の値「{value}」が重複しています。")
        values.add(value)
        points = p.decimal(where, choice.get("points"), Decimal(0))
        result.append({"value": value, "label": label, "points": _plain(points)})
    return result


def _numeric(p: _Parser, q: QuestionDef, data: dict, where: str) -> None:
    q.unit = str(data.get("unit") or ("%" if q.type == QuestionType.PERCENT else "")).strip()
    default_max = Decimal(100) if q.type == QuestionType.PERCENT else None
    default_min = Decimal(0) if q.type == QuestionType.PERCENT else None
    q.min = p.decimal(where, data.get("min"), default_min)
    q.max = p.decimal(where, data.get("max"), default_max)
    if q.min is not None and q.max is not None and q.min > q.max:
        p.fail(where, "最小値(min)が最大値(max)より大きくなっています。")
    q.direction = str(data.get("direction") or Direction.HIGHER)
    if q.direction not in Direction.values:
        p.fail(
            where,
            "向き(direction)は higher(大きいほどよい)か lower(小さいほどよい)にしてください。",
        )
    q.scoring = _scoring(p, q, data.get("scoring"), where)


def _scoring(p: _Parser, q: QuestionDef, scoring, where: str) -> dict:
    if not q.scored:
        return {}
    scoring = scoring if isinstance(scoring, dict) else {}
    method = scoring.get("method")
    if method == "linear":
        zero = p.decimal(
            where, scoring.get("zero"), q.max if q.direction == Direction.LOWER else q.min
        )
        target = p.decimal(where, scoring.get("target"))
        if zero is None or target is None or zero == target:
            p.fail(
                where,
                "linear の採点には、0点の値(zero)と100点の値(target)を別の値で書いてください。",
            )
            return {}
        return {"method": "linear", "zero": _plain(zero), "target": _plain(target)}
    if method == "thresholds":
        steps = scoring.get("steps")
        if not isinstance(steps, list) or not steps:
            p.fail(where, "thresholds の採点には、段階(steps)を1つ以上書いてください。")
            return {}
        parsed = [
            {
                "at": _plain(p.decimal(where, s.get("at"))),
                "score": _plain(p.decimal(where, s.get("score"))),
            }
            for s in steps
            if isinstance(s, dict)
        ]
        return {"method": "thresholds", "steps": parsed}
    p.fail(
        where, "数値の設問には採点方法(scoring.method)を linear か thresholds で書いてください。"
    )
    return {}


def _validations(p: _Parser, rules, framework: FrameworkDef) -> list[dict]:
    questions = framework.question_map()
    result = []
    for i, rule in enumerate(rules if isinstance(rules, list) else []):
        where = f"validations[{i + 1}]"
        rule = rule if isinstance(rule, dict) else {}
        condition, consequence = rule.get("if") or {}, rule.get("then") or {}
        for part in (condition, consequence):
            if part.get("question") not in questions:
                p.fail(
                    where,
                    f"設問「{part.get('question')}」はありません。設問のコードを確認してください。",
                )
        if "equals" not in condition:
            p.fail(where, "条件(if)には equals を書いてください。")
        if not consequence.get("empty") and not consequence.get("required"):
            p.fail(where, "then には empty: true か required: true を書いてください。")
        message = str(rule.get("message") or "").strip()
        if not message:
            p.fail(where, "利用者に表示するメッセージ(message)を書いてください。")
        if isinstance(condition.get("equals"), bool):  # YAML reads a bare yes/no as a boolean
            condition = condition | {"equals": "yes" if condition["equals"] else "no"}
        result.append({"if": condition, "then": consequence, "message": message})
    return result


# --- writing -----------------------------------------------------------------------------------


def to_data(framework: FrameworkDef) -> dict:
    """The YAML-shaped data of a definition (inverse of parse_definition)."""
    data = {
        "code": framework.code,
        "title": framework.title,
        "version": framework.version,
        "description": framework.description,
        "source": framework.source,
        "dimensions": [_dimension_data(d) for d in framework.dimensions],
    }
    if framework.validations:
        data["validations"] = framework.validations
    return {k: v for k, v in data.items() if v not in ("", None)}


def _dimension_data(dimension: DimensionDef) -> dict:
    data = {"code": dimension.code, "title": dimension.title, "weight": _plain(dimension.weight)}
    if dimension.description:
        data["description"] = dimension.description
    if dimension.questions:
        data["questions"] = [_question_data(q) for q in dimension.questions]
    if dimension.children:
        data["children"] = [_dimension_data(c) for c in dimension.children]
    return data


def _question_data(q: QuestionDef) -> dict:
    data = {"code": q.code, "text": q.text, "type": q.type, "weight": _plain(q.weight)}
    if q.help:
        data["help"] = q.help
    if not q.required:
        data["required"] = False
    return data | q.config()
