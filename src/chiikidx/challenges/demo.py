"""Demo challenges (課題): every demo municipality (not the prefecture, not the wards) gets
30–60 scored issues across 分野, drawn from `demo_catalogue` by a random generator seeded with
its code, so the demo is the same on every machine and differs between municipalities.

Most are 候補 or 採択; some are 施策化, linked to a measure of the municipality's demo plan that
addresses them; a few are 解決 or 見送り with a reason; some are not scored yet. Some are shared
with the prefecture, and issues beyond one municipality (県・広域) are mostly escalated, so the
prefecture's queue has issues several municipalities share. Where the dialogue demo (run
before this one) recorded hearings, a few challenges cite the hearing of their department.

Idempotent: a municipality that already has challenges from this catalogue is left alone.
Rows are bulk-inserted through the audited manager (one audit entry each), by acting user.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from django.db.models import Case, Exists, OuterRef, Value, When
from django.utils import timezone

from chiikidx.core import audit
from chiikidx.core import demo as core_demo
from chiikidx.core.choices import OrgKind
from chiikidx.core.models import Department
from chiikidx.plans.models import Measure, Plan

from .choices import ChallengeStatus, DialogueKind, Scope, SourceKind, Timing
from .demo_catalogue import CATALOGUE, DEFERRED_REASONS, RESOLVED_REASONS, SOURCE_NOTES, Entry
from .models import Challenge, DialogueRecord

# Who records the challenges (by the municipality's suffix); the others are the system's.
ACTORS = {"201": "muni-admin-1", "301": "muni-admin-2"}
TITLES = frozenset(t for e in CATALOGUE for t in e.titles)
DAY = datetime.timedelta(days=1)
CITED_HEARINGS = 4  # challenges per municipality that cite a hearing of their department


@dataclass
class Job:
    org: object
    departments: dict  # name → Department
    measures: list  # measures of the current plan
    hearings: dict  # department id → hearing record
    actor: object


def extend(spec, orgs: dict, now: datetime.datetime | None = None) -> None:
    now = now or timezone.now()
    jobs = _jobs(spec, orgs)
    by_actor: dict = {}
    for job in jobs:
        by_actor.setdefault(job.actor, []).append(job)
    recorded: dict = {}
    for actor, own in by_actor.items():
        with audit.acting_as(actor):
            recorded |= _write(own, now)
    _date(recorded, now)


def _jobs(spec, orgs: dict) -> list[Job]:
    candidates = [o for o in orgs.values() if o.kind not in (OrgKind.WARD, OrgKind.PREFECTURE)]
    built = set(
        Challenge.objects.filter(organization__in=candidates, title__in=TITLES).values_list(
            "organization_id", flat=True
        )
    )
    todo = sorted((o for o in candidates if o.pk not in built), key=lambda o: o.code)
    if not todo:
        return []
    departments: dict = {}
    for d in Department.objects.filter(organization__in=todo, is_archived=False):
        departments.setdefault(d.organization_id, {})[d.name] = d
    measures = _measures(todo)
    hearings: dict = {}
    for record in DialogueRecord.objects.filter(
        organization__in=todo, kind=DialogueKind.HEARING, department__isnull=False
    ).order_by("held_on", "pk"):
        hearings.setdefault(record.organization_id, {}).setdefault(record.department_id, record)
    actors = _actors(spec)
    return [
        Job(
            org,
            departments.get(org.pk, {}),
            measures.get(org.pk, []),
            hearings.get(org.pk, {}),
            actors.get(org.code[2:5]),
        )
        for org in todo
        if departments.get(org.pk)
    ]


def _measures(orgs) -> dict:
    """The measures of each organization's current plan (not a superseded version)."""
    revised = Exists(Plan.objects.filter(previous_id=OuterRef("plan_id")))
    found: dict = {}
    for m in (
        Measure.objects.filter(plan__organization__in=orgs)
        .annotate(revised=revised)
        .filter(revised=False)
        .select_related("plan")
        .order_by("plan__organization_id", "pk")
    ):
        found.setdefault(m.plan.organization_id, []).append(m)
    return found


def _actors(spec) -> dict:
    found = core_demo.users_by_key(spec, ACTORS)
    return {suffix: found.get(suffix) for suffix in ACTORS}


def generator(org) -> random.Random:
    """The same municipality, the same challenges."""
    return random.Random(f"chiikidx-challenges-{org.code}")


# --- one municipality ---------------------------------------------------------------------------


def _count(org, rng: random.Random) -> int:
    population = org.population or 0
    if population < 5_000:
        low, high = 30, 36
    elif population < 20_000:
        low, high = 34, 44
    elif population < 80_000:
        low, high = 40, 52
    else:
        low, high = 48, 60
    return min(rng.randint(low, high), len(CATALOGUE))


def _words(org) -> dict:
    jumin = {OrgKind.TOWN: "町民", OrgKind.VILLAGE: "村民"}.get(org.kind, "市民")
    hall = {OrgKind.TOWN: "町役場", OrgKind.VILLAGE: "村役場"}.get(org.kind, "市役所")
    return {"jumin": jumin, "hall": hall}


def plan_rows(job: Job, now: datetime.datetime) -> list[tuple[Challenge, datetime.datetime]]:
    """The municipality's challenges (unsaved) with the day each was recorded."""
    org, rng = job.org, generator(job.org)
    chosen = rng.sample(CATALOGUE, _count(org, rng))
    unused = list(job.measures)
    rng.shuffle(unused)
    rows = []
    for entry in chosen:
        challenge = _challenge(job, entry, rng, unused)
        # recorded in one of the last 18 months (the middle of it: dates are set by month)
        recorded = now - (rng.randint(0, 17) * 30 + 15) * DAY
        _share(challenge, entry, rng, recorded, now)
        rows.append((challenge, recorded))
    _cite_hearings(job, rows, rng)
    return rows


def _challenge(job: Job, entry: Entry, rng: random.Random, unused: list) -> Challenge:
    words = _words(job.org)
    department = next(
        (job.departments[n] for n in entry.departments if n in job.departments), None
    ) or rng.choice(list(job.departments.values()))
    benefit, difficulty, urgency = _scores(entry, rng)
    challenge = Challenge(
        organization=job.org,
        department=department,
        field=entry.field,
        title=rng.choice(entry.titles),
        description=entry.description.format(**words),
        affected=entry.affected.format(**words),
        affected_count=_affected_count(job.org, entry, rng),
        benefit=benefit,
        difficulty=difficulty,
        urgency=urgency,
        scope=entry.scope if rng.random() > 0.04 else Scope.WIDE,
        timing=_timing(urgency, rng),
        created_by=job.actor,
        updated_by=job.actor,
    )
    _source(challenge, rng)
    _status(challenge, entry, rng, unused)
    return challenge


def _scores(entry: Entry, rng: random.Random):
    """The entry's usual scores, each a point up or down now and then; some not scored yet."""
    roll = rng.random()
    if roll < 0.10:
        return None, None, None
    found = [min(5, max(1, s + rng.choice((-1, 0, 0, 1)))) for s in entry.scores]
    if roll < 0.14:
        found[rng.randrange(3)] = None  # scored in part: the hearing did not settle it
    return tuple(found)


def _timing(urgency, rng: random.Random) -> str:
    if urgency is None:
        return Timing.MID
    if urgency >= 4:
        return Timing.NOW if rng.random() < 0.85 else Timing.MID
    if urgency == 3:
        return Timing.MID if rng.random() < 0.75 else rng.choice((Timing.NOW, Timing.LONG))
    return Timing.LONG if rng.random() < 0.6 else Timing.MID


def _affected_count(org, entry: Entry, rng: random.Random):
    if not entry.per_thousand or not org.population:
        return None
    estimate = org.population * entry.per_thousand / 1000 * rng.uniform(0.7, 1.3)
    step = 10 if estimate < 1000 else 100
    return max(step, round(estimate / step) * step)


def _source(challenge: Challenge, rng: random.Random) -> None:
    roll = rng.random()
    if roll < 0.2:
        challenge.source_kind = SourceKind.ASSESSMENT
        challenge.source_note = SOURCE_NOTES["assessment"]
    elif roll < 0.3:
        challenge.source_kind = SourceKind.OTHER
        challenge.source_note = rng.choice(SOURCE_NOTES["other"])
    else:
        challenge.source_kind = SourceKind.STAFF


def _status(challenge: Challenge, entry: Entry, rng: random.Random, unused: list) -> None:
    if not challenge.is_scored:
        return  # 候補 until scored
    measure = _measure_for(entry, unused)
    if measure is not None and rng.random() < 0.4:
        challenge.status, challenge.measure = ChallengeStatus.MEASURED, measure
        unused.remove(measure)
        return
    roll = rng.random()
    if roll < 0.32:
        challenge.status = ChallengeStatus.ADOPTED
    elif roll < 0.39:
        challenge.status = ChallengeStatus.RESOLVED
        challenge.status_reason = rng.choice(RESOLVED_REASONS)
    elif roll < 0.46:
        challenge.status = ChallengeStatus.DEFERRED
        challenge.status_reason = rng.choice(DEFERRED_REASONS)


def _measure_for(entry: Entry, unused: list):
    """A measure of the plan whose title names what the entry needs (not taken yet)."""
    return next(
        (m for m in unused for word in entry.measure_words if word in m.title),
        None,
    )


def _share(challenge, entry: Entry, rng, recorded, now) -> None:
    """Some wide issues are escalated (and so shared), a few others are shared: the
    prefecture's queue holds what municipalities chose to bring, not most of their lists."""
    when = min(now, recorded + rng.randint(3, 14) * DAY)
    still_open = challenge.status in (ChallengeStatus.CANDIDATE, ChallengeStatus.ADOPTED)
    if challenge.scope == Scope.WIDE and still_open and rng.random() < 0.3:
        challenge.shared_at = challenge.escalated_at = when
        challenge.escalation_note = entry.escalation or (
            "単独での対応は難しいため、県内の同じ課題を持つ市町村と一緒に検討したい。"
        )
    elif rng.random() < 0.05:
        challenge.shared_at = when


def _cite_hearings(job: Job, rows, rng: random.Random) -> None:
    """A few challenges came up in the hearing of their department."""
    cited = 0
    for challenge, _recorded in rows:
        record = job.hearings.get(challenge.department.pk)
        if record is None or cited >= CITED_HEARINGS or rng.random() < 0.5:
            continue
        challenge.source_kind, challenge.source_record = SourceKind.DIALOGUE, record
        challenge.source_note = ""
        cited += 1


# --- writing ------------------------------------------------------------------------------------


def _write(jobs: list[Job], now: datetime.datetime) -> dict:
    """All the jobs' challenges in one audited insert; returns the day each was recorded."""
    planned = [row for job in jobs for row in plan_rows(job, now)]
    created = Challenge.objects.bulk_create([c for c, _when in planned])
    return {c.pk: when for c, (_same, when) in zip(created, planned, strict=True)}


def _date(recorded: dict, now: datetime.datetime) -> None:
    """The day each challenge was recorded, in one audited update (the dates are untracked
    fields: the audit adds no entry for them)."""
    if not recorded:
        return
    by_day: dict = {}
    for pk, when in recorded.items():
        by_day.setdefault(when, []).append(pk)
    created = Case(*[When(pk__in=pks, then=Value(day)) for day, pks in by_day.items()])
    updated = Case(
        *[When(pk__in=pks, then=Value(min(now, day + 20 * DAY))) for day, pks in by_day.items()]
    )
    Challenge.objects.filter(pk__in=list(recorded)).update(created_at=created, updated_at=updated)
