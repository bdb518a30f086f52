"""Demo dialogue records (対話の記録) for the demo municipalities (wards and the prefecture have
none): 原課ヒアリング with several departments, a resident survey of free-text opinions with
年代・地区 (about 300 in あおば市, fewer in smaller places), a counter role-play with its
「住民目線の気づき」, a liaison's visit note and, in the larger ones, a public comment period
(and in あおば市 a workshop of young parents).

Opinions are put together from the fragments of demo_content, deterministically for each
municipality; dates count back from today. Idempotent: a municipality that has records is left
alone. Records and opinions are bulk-inserted (audited); then a few challenges are made from
an opinion, a finding and a hearing through the services, so their links show (the challenges'
own demo, run next, adds the rest).
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field

from django.utils import timezone

from chiikidx.core import audit
from chiikidx.core import demo as core_demo
from chiikidx.core.choices import OrgKind
from chiikidx.core.japanese import fiscal_year, nendo_label
from chiikidx.core.models import Department

from ..choices import DialogueKind
from ..models import DialogueRecord, Opinion
from . import demo_content as content
from . import services

# Who records each municipality's dialogues and makes the first challenges (by suffix).
ACTORS = {"201": "muni-staff-1", "301": "muni-admin-2"}
SURVEY_SIZE = {"201": 300, "large": 80, "mid": 40, "small": 20}
HEARING_COUNT = {"large": 5, "mid": 4, "small": 2}
DAY = datetime.timedelta(days=1)
# Which opinion becomes a challenge: the first with the first of these words it has.
FIRST_CHALLENGES = {
    DialogueKind.SURVEY: ("申請書に書", "申請書", "窓口"),
    DialogueKind.ROLEPLAY: ("案内表示",),
}


@dataclass
class Planned:
    record: DialogueRecord
    opinions: list[dict] = field(default_factory=list)


def extend(spec, orgs: dict, today: datetime.date | None = None) -> None:
    today = today or timezone.localdate()
    todo = _todo(orgs)
    if not todo:
        return
    departments: dict = {}
    for d in Department.objects.filter(organization__in=todo, is_archived=False):
        departments.setdefault(d.organization_id, {})[d.name] = d
    users = _users(spec)
    planned = {org.pk: _plan(spec, org, departments.get(org.pk, {}), users, today) for org in todo}
    everything = [p for plans in planned.values() for p in plans]
    DialogueRecord.objects.bulk_create([p.record for p in everything])
    Opinion.objects.bulk_create(
        [Opinion(record=p.record, **row) for p in everything for row in p.opinions]
    )
    for org in todo:
        actor = users.get(ACTORS.get(_suffix(spec, org), ""))
        if actor is not None:
            _challenges(actor, planned[org.pk])


def _todo(orgs: dict) -> list:
    candidates = [o for o in orgs.values() if o.kind not in (OrgKind.WARD, OrgKind.PREFECTURE)]
    built = set(
        DialogueRecord.objects.filter(organization__in=candidates).values_list(
            "organization_id", flat=True
        )
    )
    return sorted((o for o in candidates if o.pk not in built), key=lambda o: o.code)


def _users(spec) -> dict:
    return core_demo.users_by_key(spec, {name: name for name in ACTORS.values()})


def _suffix(spec, org) -> str:
    return next((s for s in ACTORS if org.code == core_demo.code(spec, s)), "")


def _size(spec, org) -> str:
    if _suffix(spec, org) == "201":
        return "201"
    population = org.population or 0
    if org.kind == OrgKind.VILLAGE or population < 10_000:
        return "small"
    return "large" if population >= 50_000 else "mid"


def _resident(org) -> str:
    return {OrgKind.TOWN: "町民", OrgKind.VILLAGE: "村民"}.get(org.kind, "市民")


# --- what each municipality gets --------------------------------------------------------------


def _plan(spec, org, departments: dict, users: dict, today) -> list[Planned]:
    size = _size(spec, org)
    rng = random.Random(f"dialogue-{org.code}")
    actor = users.get(ACTORS.get(_suffix(spec, org), ""))

    def record(kind, title, days_ago, department=None, participants="", notes="", until=None):
        held_on = today - days_ago * DAY
        made = DialogueRecord(
            organization=org,
            kind=kind,
            title=title,
            held_on=held_on,
            held_until=held_on + until * DAY if until else None,
            department=department,
            participants=participants,
            notes=notes,
            created_by=actor,
            updated_by=actor,
        )
        return Planned(made)

    found = _hearings(size, departments, record)
    found.append(_survey(org, size, departments, record, today))
    if size != "small":
        found.append(_roleplay(size, departments, record))
    found.append(_liaison(departments, record))
    if size in ("201", "large"):
        found.append(_public_comment(departments, record, rng))
    if size == "201":
        found.append(_workshop(departments, record, rng))
    return found


def _first(departments: dict, *names):
    return next((departments[n] for n in names if n in departments), None)


def _hearings(size: str, departments: dict, record) -> list[Planned]:
    names = {
        "201": content.LARGE_HEARINGS,
        "large": content.MID_HEARINGS,
        "mid": content.MID_HEARINGS,
        "small": content.SMALL_HEARINGS,
    }[size]
    names = [n for n in names if n in departments][: HEARING_COUNT.get(size, 6)]
    found = []
    for i, name in enumerate(names):
        title, participants, notes = content.HEARINGS[name]
        found.append(record("hearing", title, 160 - 9 * i, departments[name], participants, notes))
    if size == "201" and content.EARLIER_HEARING in departments:
        title, participants, notes = content.HEARINGS[content.EARLIER_HEARING]
        department = departments[content.EARLIER_HEARING]
        found.append(record("hearing", title, 420, department, participants, notes))
    return found


def _survey(org, size, departments, record, today) -> Planned:
    fy = fiscal_year(today - 120 * DAY)
    title = f"{nendo_label(fy)} {_resident(org)}アンケート(行政サービスのデジタル化)"
    notes = (
        f"{_resident(org)}から無作為に抽出した方に調査票を送り、紙とWebで回答を受け付けた。"
        "自由記述欄「市の手続やサービスで、不便に感じていること・デジタルで良くしてほしいこと」"
        "の回答を、年代と地区とあわせて取り込んだ(氏名は取り込んでいない)。"
    )
    department = _first(departments, "DX推進室", "企画課")
    participants = "企画課・DX推進室(集計)、調査票の回答者(無作為抽出)"
    planned = record("survey", title, 120, department, participants, notes, until=30)
    areas = content.AREAS.get("201" if size == "201" else "small" if size == "small" else "large")
    planned.opinions = survey_opinions(f"survey-{org.code}", SURVEY_SIZE[size], areas)
    return planned


def survey_opinions(seed: str, count: int, areas: list[str]) -> list[dict]:
    """`count` different free-text answers with 年代, 地区 and 回答方法 (never a name), the
    same for the same seed."""
    rng = random.Random(seed)
    themes = list(content.THEMES.items())
    weights = [t[1][0] for t in themes]
    seen: set[str] = set()
    found = []
    while len(found) < count:
        _name, (_w, observations, requests, ages) = rng.choices(themes, weights)[0]
        text = _answer(rng, observations, requests)
        if text in seen and len(seen) < count * 3:
            continue
        seen.add(text)
        age = rng.choices(content.AGES, ages)[0] if rng.random() > 0.04 else ""
        found.append(
            {
                "number": len(found) + 1,
                "text": text,
                "age_band": age,
                "area": rng.choice(areas) if rng.random() > 0.03 else "",
                "attributes": {"回答方法": rng.choice(content.METHODS)},
            }
        )
    return found


def _answer(rng, observations: list[str], requests: list[str]) -> str:
    shape = rng.random()
    if shape < 0.05:
        return rng.choice(content.THANKS) + (rng.choice(requests) if rng.random() < 0.6 else "")
    if shape < 0.12:
        return rng.choice(requests)
    first = rng.choice(observations)
    if shape < 0.32:
        return first
    if shape < 0.5:
        second = rng.choice([o for o in observations if o != first])
        return first + "また、" + second + rng.choice(["", rng.choice(requests)])
    return first + rng.choice(requests)


def _roleplay(size: str, departments: dict, record) -> Planned:
    title, participants, notes = content.ROLEPLAY
    department = _first(departments, "住民課")
    planned = record("roleplay", title, 60, department, participants, notes)
    findings = content.FINDINGS if size == "201" else content.FINDINGS[:8]
    planned.opinions = [
        {"number": i, "text": text, "age_band": "", "area": "", "attributes": {}}
        for i, text in enumerate(findings, start=1)
    ]
    return planned


def _liaison(departments: dict, record) -> Planned:
    title, participants, notes = content.LIAISON
    department = _first(departments, "DX推進室", "企画課")
    return record("liaison", title, 45, department, participants, notes)


def _public_comment(departments: dict, record, rng) -> Planned:
    title, participants, notes = content.PUBLIC_COMMENT
    department = _first(departments, "企画課")
    planned = record("comment", title, 240, department, participants, notes, until=30)
    planned.opinions = [
        {
            "number": i,
            "text": text,
            "age_band": "",
            "area": "",
            "attributes": {"提出方法": rng.choice(content.COMMENT_METHODS)},
        }
        for i, text in enumerate(content.COMMENTS, start=1)
    ]
    return planned


def _workshop(departments: dict, record, rng) -> Planned:
    title, participants, notes = content.WORKSHOP
    department = _first(departments, "子育て支援課")
    planned = record("workshop", title, 75, department, participants, notes)
    planned.opinions = [
        {
            "number": i,
            "text": text,
            "age_band": rng.choice(["20代", "30代", "30代", "40代"]),
            "area": "",
            "attributes": {"グループ": "ABC"[i % 3]},
        }
        for i, text in enumerate(content.STICKY_NOTES, start=1)
    ]
    return planned


# --- the first challenges, through the services -------------------------------------------------


def _challenges(actor, planned: list[Planned]) -> None:
    """A hearing, a survey opinion about the counter and a role-play finding become 課題."""
    by_kind = {p.record.kind: p for p in reversed(planned)}
    hearing = next((p.record for p in planned if p.record.kind == DialogueKind.HEARING), None)
    with audit.acting_as(actor):
        if hearing is not None:
            services.challenge_from_record(acting_user=actor, record=hearing)
        for kind, word in (
            (DialogueKind.SURVEY, "申請書に書"),
            (DialogueKind.ROLEPLAY, "案内表示"),
        ):
            found = by_kind.get(kind)
            if found is None or not found.opinions:
                continue
            opinion = _opinion_with(found.record, word)
            if opinion is not None:
                services.challenge_from_opinion(acting_user=actor, opinion=opinion)


def _opinion_with(record: DialogueRecord, word: str):
    return record.opinions.filter(text__contains=word).order_by("number").first()
