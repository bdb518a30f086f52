"""Demo content: both shipped frameworks and plausible past rounds for the demo prefecture.

Deterministic: each municipality has a capacity and a trend derived from its code, so scores
vary, most improve over the years, and the latest round has late and returned responses.
"""

from __future__ import annotations

import datetime
import hashlib
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from chiikidx.core import audit

from . import answers, services
from .choices import QuestionType
from .definition import FrameworkDef, QuestionDef
from .models import Answer, Framework, Response

ROUNDS = {
    "chiiki-dx-taisei": [(2023, "令和5年度"), (2024, "令和6年度"), (2025, "令和7年度")],
    "jichitai-dx-status": [(2023, "令和5年度"), (2024, "令和6年度"), (2025, "令和7年度")],
}


def extend(spec, orgs: dict) -> None:
    prefecture = orgs[next(code for code in orgs if code[2:5] == "000")]
    admin = get_user_model().objects.filter(username=f"{spec.user_prefix}pref-admin").first()
    adopted = Framework.objects.filter(organization=prefecture, based_on__in=ROUNDS).exists()
    if admin is None or adopted:
        return  # already built (idempotent), or no demo admin to act as
    with audit.acting_as(admin):
        for code, years in ROUNDS.items():
            version = services.adopt_shipped(acting_user=admin, organization=prefecture, code=code)
            for index, (year, label) in enumerate(years):
                latest = index == len(years) - 1
                _round(admin, prefecture, version, year, f"{label} 第1回", latest)


def _round(admin, prefecture, version, year: int, title: str, latest: bool) -> None:
    opens = datetime.date(year, 6, 1)
    survey = services.open_round(
        acting_user=admin,
        prefecture=prefecture,
        version=version,
        title=title,
        fiscal_year=year,
        opens_on=opens,
        due_on=datetime.date(year, 7, 31),
        note="各市町村の推進体制の現状を把握し、伴走支援と学び合いに活用します。",
    )
    definition = services.round_definition(survey)
    for response in survey.responses.select_related("organization"):
        _respond(admin, response, definition, year, latest)
    if not latest:  # past rounds are over; the latest one still takes answers
        services.close_round(acting_user=admin, round_=survey)


def _respond(admin, response: Response, definition: FrameworkDef, year: int, latest: bool) -> None:
    rng = random.Random(f"{response.organization.code}-{definition.code}-{year}")
    outcome = _outcome(rng, latest)
    if outcome == "untouched":
        return
    level = _capacity(response.organization.code) + _trend(response.organization.code) * (
        year - 2023
    )
    values = _fix_rules(definition, {q.code: _value(q, level, rng) for q in definition.questions()})
    Answer.objects.bulk_create(
        Answer(response=response, question_code=code, value=value)
        for code, value in values.items()
        if value not in answers.EMPTY
    )
    if outcome == "draft":
        return
    services.submit(acting_user=admin, response=response)
    if outcome in ("accepted", "returned"):
        services.review(
            acting_user=admin,
            response=response,
            accept=outcome == "accepted",
            comment="" if outcome == "accepted" else "数値の根拠資料を添えて再提出してください。",
        )
    Response.objects.filter(pk=response.pk).update(
        submitted_at=timezone.make_aware(datetime.datetime(year, 7, rng.randint(10, 30), 15))
    )


def _outcome(rng: random.Random, latest: bool) -> str:
    if not latest:
        return rng.choices(["accepted", "untouched"], weights=[95, 5])[0]
    return rng.choices(
        ["accepted", "submitted", "returned", "draft", "untouched"], weights=[55, 20, 10, 8, 7]
    )[0]


def _seed(code: str, salt: str) -> float:
    digest = hashlib.sha256(f"{salt}{code}".encode()).digest()
    return digest[0] / 255


def _capacity(code: str) -> float:
    return 0.2 + 0.6 * _seed(code, "capacity")


def _trend(code: str) -> float:
    return -0.04 + 0.14 * _seed(code, "trend")


def _value(q: QuestionDef, level: float, rng: random.Random):
    share = min(1.0, max(0.0, level + rng.uniform(-0.2, 0.2)))
    if q.type == QuestionType.LEVEL:
        return round(share * 4)
    if q.type == QuestionType.YESNO:
        return "yes" if share > 0.45 else "no"
    if q.type == QuestionType.SINGLE:
        ranked = sorted(q.choices, key=lambda c: c["points"])
        return ranked[min(len(ranked) - 1, int(share * len(ranked)))]["value"]
    if q.type == QuestionType.MULTIPLE:
        chosen = [c["value"] for c in q.choices if c["points"] > 0 and rng.random() < share]
        fallback = min(q.choices, key=lambda c: c["points"])["value"]  # often 「なし」
        return chosen or [fallback]
    if q.type in (QuestionType.NUMBER, QuestionType.PERCENT):
        return _number(q, share)
    return _filled(q) if q.required else None


def _number(q: QuestionDef, share: float) -> str:
    low = q.min if q.min is not None else Decimal(0)
    high = q.max if q.max is not None else low + Decimal(100)
    rule = q.scoring
    if rule.get("method") == "linear":
        low, high = Decimal(str(rule["zero"])), Decimal(str(rule["target"])) * Decimal("1.1")
    value = low + (high - low) * Decimal(str(round(share, 2)))
    if q.min is not None:
        value = max(q.min, value)
    if q.max is not None:
        value = min(q.max, value)
    return format(value.quantize(Decimal(1)), "f")


def _fix_rules(definition: FrameworkDef, values: dict) -> dict:
    """Make the generated answers obey the framework's required and cross-question rules."""
    for _attempt in range(3):
        errors = answers.check(definition, values, submitting=True)
        if not errors:
            break
        for error in errors:
            q = definition.question(error.question)
            empty = values.get(q.code) in answers.EMPTY
            values[q.code] = _filled(q) if empty else None
    return values


def _filled(q: QuestionDef):
    """A value for a question that must be answered."""
    if q.type == QuestionType.DATE:
        return datetime.date(2022, 4, 1).isoformat()
    if q.type == QuestionType.EVIDENCE:
        return "https://www.example.lg.jp/dx/plan.pdf"
    if q.type == QuestionType.TEXT:
        return "(デモの回答)"
    return _value(q, 0.9, random.Random(1))
