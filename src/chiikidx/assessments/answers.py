"""Answers: turn what people type (browser, Excel, API) into canonical values, and check them.

Canonical values (stored as JSON): level → int 0–4; yes/no → "yes"/"no"; single → the choice
value; multiple → list of choice values; number/percent → decimal string; date → ISO date;
text → string; evidence → URL string. 全角, 和暦 and choice labels are accepted on the way in.

Files attached to an evidence question are not part of its value (see evidence.py): the rules
take the codes of the questions with files as `attached`, and such a question counts as answered.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal

from chiikidx.core import japanese, tabular

from .choices import QuestionType
from .definition import FrameworkDef, QuestionDef

EMPTY = (None, "", [])
LIST_SEPARATORS = re.compile(r"[、,，;；/／\n]+")


@dataclass(frozen=True)
class AnswerError:
    question: str
    message: str

    def __str__(self) -> str:
        return f"{self.question}: {self.message}"


def coerce(q: QuestionDef, raw):
    """Canonical value of a raw input, None when empty; ValueError (Japanese) when unreadable."""
    if isinstance(raw, str):
        raw = japanese.normalize(raw)
    if raw in EMPTY:
        return None
    return _COERCERS[q.type](q, raw)


def _level(q, raw) -> int:
    text = str(raw).replace("レベル", "").replace("Lv", "").replace("lv", "").strip()
    try:
        level = int(Decimal(text))
    except ArithmeticError as exc:
        raise ValueError("成熟度は 0〜4 の数字で入力してください。") from exc
    if not 0 <= level <= 4:
        raise ValueError("成熟度は 0〜4 の数字で入力してください。")
    return level


def _yesno(q, raw) -> str:
    return "yes" if tabular.boolean(raw) else "no"


def _choice_value(q, raw) -> str:
    key = japanese.normalize(str(raw))
    for choice in q.choices:
        if key in (choice["value"], japanese.normalize(choice["label"])):
            return choice["value"]
    labels = "、".join(c["label"] for c in q.choices)
    raise ValueError(f"「{raw}」は選択肢にありません。次から選んでください: {labels}")


def _multiple(q, raw) -> list[str]:
    items = raw if isinstance(raw, list) else LIST_SEPARATORS.split(str(raw))
    values = [_choice_value(q, item) for item in items if str(item).strip()]
    return [c["value"] for c in q.choices if c["value"] in values]  # definition order, no dups


def _number(q, raw) -> str:
    text = str(raw).rstrip("%％").strip() if q.type == QuestionType.PERCENT else raw
    value = japanese.parse_decimal(text)
    if q.min is not None and value < q.min:
        raise ValueError(f"{_plain(q.min)}{q.unit}以上の値を入力してください。")
    if q.max is not None and value > q.max:
        raise ValueError(f"{_plain(q.max)}{q.unit}以下の値を入力してください。")
    return _plain(value)


def _plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def _date(q, raw) -> str:
    return japanese.parse_date(raw).isoformat()


def _text(q, raw) -> str:
    return str(raw).strip()


def _evidence(q, raw) -> str:
    text = str(raw).strip()
    if not re.match(r"^https?://\S+$", text) and not text.startswith("file:"):
        raise ValueError("根拠資料は http:// または https:// で始まるURLで入力してください。")
    return text


_COERCERS = {
    QuestionType.LEVEL: _level,
    QuestionType.YESNO: _yesno,
    QuestionType.SINGLE: _choice_value,
    QuestionType.MULTIPLE: _multiple,
    QuestionType.NUMBER: _number,
    QuestionType.PERCENT: _number,
    QuestionType.DATE: _date,
    QuestionType.TEXT: _text,
    QuestionType.EVIDENCE: _evidence,
}


def coerce_all(
    framework: FrameworkDef, raw: dict, memo: dict | None = None
) -> tuple[dict, list[AnswerError]]:
    """Coerce every given answer; unknown codes and unreadable values become errors. `memo`:
    a dict kept across the calls of one bulk import, where the same cells come back in row
    after row (a level, はい): each distinct (question, value) is coerced once."""
    questions = framework.question_map()
    values, errors = {}, []
    for code, value in raw.items():
        if code not in questions:
            errors.append(
                AnswerError(code, "この設問はありません。設問のコードを確認してください。")
            )
            continue
        key = (code, type(value), value) if memo is not None and _memoizable(value) else None
        outcome = memo.get(key) if key is not None else None
        if outcome is None:
            outcome = _coerced(questions[code], value)
            if key is not None:
                memo[key] = outcome
        if isinstance(outcome, AnswerError):
            errors.append(outcome)
        else:
            value = outcome[0]
            values[code] = list(value) if type(value) is list else value  # a row's own list
    return values, errors


def _coerced(q: QuestionDef, value) -> tuple | AnswerError:
    try:
        return (coerce(q, value),)
    except ValueError as exc:
        return AnswerError(q.code, str(exc))


# The cell values a bulk import's memo keeps (hashable, and never changed in place).
_MEMOIZABLE = frozenset(
    {str, int, float, bool, Decimal, datetime.date, datetime.datetime, datetime.time}
)


def _memoizable(value) -> bool:
    return type(value) in _MEMOIZABLE


def check(
    framework: FrameworkDef, answers: dict, *, submitting: bool, attached=frozenset()
) -> list[AnswerError]:
    """Rules over canonical answers: required (when submitting) and cross-question rules.
    `attached`: codes of the evidence questions with a file, answered even without a URL."""
    errors = []
    if submitting:
        errors += [
            AnswerError(q.code, _required_message(q))
            for q in framework.questions()
            if q.required and not is_answered(q.code, answers, attached)
        ]
    errors += [
        e
        for rule in framework.validations
        if (e := _rule_error(rule, answers, submitting, attached))
    ]
    return errors


def is_answered(code: str, answers: dict, attached=frozenset()) -> bool:
    return answers.get(code) not in EMPTY or code in attached


def _required_message(q: QuestionDef) -> str:
    if q.type == QuestionType.EVIDENCE:
        return "根拠資料が必要です。URLを入力するか、ファイルを添付してから提出してください。"
    return "回答が必要です。入力してから提出してください。"


def _rule_error(rule: dict, answers: dict, submitting: bool, attached) -> AnswerError | None:
    condition, consequence = rule["if"], rule["then"]
    if answers.get(condition["question"]) != _canonical_condition(condition["equals"]):
        return None
    filled = is_answered(consequence["question"], answers, attached)
    broken = (consequence.get("empty") and filled) or (
        consequence.get("required") and submitting and not filled
    )
    return AnswerError(consequence["question"], rule["message"]) if broken else None


def _canonical_condition(value):
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return value
