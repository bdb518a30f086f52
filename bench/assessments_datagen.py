"""The national assessments data set: every real prefecture adopts both shipped frameworks and
sends them every fiscal year to all of its municipalities, who answer.

Deterministic (seeded per municipality, framework and year). Everything goes through the
product: frameworks with `services.adopt_shipped`, rounds and their responses with
`services.open_round`, answers with `Answer.objects.bulk_create` (audited, one entry per
answer), scores with `services._store_scores`, and the statuses with
`Response.objects.bulk_update` (audited too). Answers are made by the demo's generators
(`assessments.demo._value` and `_fix_rules`): each municipality has a capacity and a yearly
trend derived from its code, so scores vary and most of them rise over the years.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from chiikidx.assessments import answers, demo, frameworks, services
from chiikidx.assessments.choices import ResponseStatus
from chiikidx.assessments.models import Answer, Response, Round
from chiikidx.core import audit
from chiikidx.core.choices import OrgKind, Role
from chiikidx.core.models import Membership, Organization
from chiikidx.core.queries import municipalities_of

ROUND_NOTE = "各市町村の推進体制の現状を把握し、伴走支援と学び合いに活用します。"
RETURN_COMMENT = "数値の根拠資料を添えて再提出してください。"
OUTCOMES = ["accepted", "submitted", "returned", "draft"]
# Past rounds are closed: nearly everything accepted. The latest round is still under way.
PAST_WEIGHTS = [92, 5, 0, 3]
LATEST_WEIGHTS = [60, 25, 5, 10]


@dataclass(frozen=True)
class Scale:
    name: str
    prefectures: tuple[str, ...] | None  # None: every real prefecture
    years: tuple[int, ...]
    import_runs: int  # timed Excel imports (after one warm-up)


SCALES = {
    "full": Scale("full", None, (2020, 2021, 2022, 2023, 2024, 2025), import_runs=5),
    # 北海道 (179 municipalities: the page figures are the same as at full scale), 富山県 (15)
    # and 香川県 (17), three rounds per framework.
    "small": Scale("small", ("010006", "160008", "370002"), (2023, 2024, 2025), import_runs=2),
}


@dataclass
class Built:
    prefectures: int = 0
    municipalities: int = 0
    rounds: int = 0
    responses: int = 0
    answers: int = 0
    scored: int = 0


def prefectures(scale: Scale) -> list[Organization]:
    found = Organization.objects.filter(kind=OrgKind.PREFECTURE, is_demo=False)
    if scale.prefectures is not None:
        found = found.filter(code__in=scale.prefectures)
    return list(found.order_by("code"))


def pref_admin_name(prefecture: Organization) -> str:
    return f"bench-pref_admin-{prefecture.code}"


def pref_admins(prefectures_: list[Organization]) -> dict[str, object]:
    """A 県DX推進課 管理者 for every prefecture (prefecture membership, Role.PREF_ADMIN)."""
    User = get_user_model()
    users = [User(username=pref_admin_name(p), password=make_password(None)) for p in prefectures_]
    User.objects.bulk_create(users)  # sets the pks the memberships need
    Membership.objects.bulk_create(
        Membership(user=u, organization=p, role=Role.PREF_ADMIN)
        for u, p in zip(users, prefectures_, strict=True)
    )
    return {p.code: u for u, p in zip(users, prefectures_, strict=True)}


def build(scale: Scale, progress=None) -> Built:
    built = Built()
    chosen = prefectures(scale)
    admins = pref_admins(chosen)
    for prefecture in chosen:
        municipalities = list(municipalities_of(prefecture))
        with transaction.atomic():  # one transaction per prefecture: SQLite writes much faster
            prefecture_rounds(prefecture, municipalities, admins[prefecture.code], scale, built)
        built.prefectures += 1
        built.municipalities += len(municipalities)
        if progress and (built.prefectures % 10 == 0 or built.prefectures == len(chosen)):
            progress(
                f"{built.prefectures}/{len(chosen)} prefectures, {built.responses:,} responses, "
                f"{built.answers:,} answers"
            )
    return built


def prefecture_rounds(prefecture, municipalities, admin, scale: Scale, built: Built) -> None:
    with audit.acting_as(admin):
        for code in frameworks.shipped_codes():
            version = services.adopt_shipped(acting_user=admin, organization=prefecture, code=code)
            for year in scale.years:
                survey = open_round(admin, prefecture, version, year, municipalities)
                latest = year == scale.years[-1]
                answer_round(survey, year, latest, admin, built)
                built.rounds += 1


def round_title(year: int) -> str:
    return f"令和{year - 2018}年度 第1回"


def open_round(admin, prefecture, version, year: int, municipalities, title: str = "") -> Round:
    return services.open_round(
        acting_user=admin,
        prefecture=prefecture,
        version=version,
        title=title or round_title(year),
        fiscal_year=year,
        opens_on=datetime.date(year, 6, 1),
        due_on=datetime.date(year, 7, 31),
        municipalities=municipalities,
        note=ROUND_NOTE,
    )


def generated_answers(definition, municipality_code: str, year: int) -> dict:
    """One municipality's plausible, valid answers (demo's generators): capacity + trend."""
    rng = random.Random(f"{municipality_code}-{definition.code}-{year}")
    level = demo._capacity(municipality_code) + demo._trend(municipality_code) * (year - 2020)
    values = {q.code: demo._value(q, level, rng) for q in definition.questions()}
    return demo._fix_rules(definition, values)


def answer_round(survey: Round, year: int, latest: bool, admin, built: Built) -> None:
    responses = list(Response.objects.filter(round=survey).select_related("organization"))
    definition = frameworks.cached_definition(survey.version)
    rows = []
    outcomes = {}
    for response in responses:
        code = response.organization.code
        rng = random.Random(f"outcome-{code}-{definition.code}-{year}")
        outcomes[response.pk] = rng.choices(OUTCOMES, LATEST_WEIGHTS if latest else PAST_WEIGHTS)[0]
        rows += [
            Answer(response=response, question_code=question, value=value)
            for question, value in generated_answers(definition, code, year).items()
            if value not in answers.EMPTY
        ]
    Answer.objects.bulk_create(rows, batch_size=2000)
    submitted_at = timezone.make_aware(datetime.datetime(year, 7, 20, 15))
    reviewed_at = timezone.make_aware(datetime.datetime(year, 8, 5, 10))
    for response in responses:
        outcome = outcomes[response.pk]
        if outcome == "draft":
            continue
        response.submitted_at = submitted_at
        if outcome == "returned":  # returned responses lose their scores until resubmitted
            response.status, response.reviewed_at = ResponseStatus.RETURNED, reviewed_at
            response.review_comment = RETURN_COMMENT
            continue
        services._store_scores(response, definition)  # dimension scores + overall_score
        response.status = ResponseStatus(outcome)
        response.reviewed_at = reviewed_at if outcome == "accepted" else None
        built.scored += 1
    Response.objects.bulk_update(
        responses,
        ["status", "submitted_at", "reviewed_at", "review_comment", "overall_score"],
        batch_size=500,
    )
    if not latest:  # past rounds are over (as in the demo)
        services.close_round(acting_user=admin, round_=survey)
    built.responses += len(responses)
    built.answers += len(rows)
