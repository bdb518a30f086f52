"""Demo dialogue records: hearings of several departments, a survey of about 300 opinions in
あおば市 (fewer in smaller places), a counter role-play with its findings, a liaison note, a
public comment period; a few challenges made from them through the services; idempotent."""

import datetime
import re
from collections import Counter

import pytest

from chiikidx.challenges.dialogue import demo
from chiikidx.challenges.models import Challenge, DialogueRecord, Opinion
from chiikidx.core import demo as core_demo
from chiikidx.core.models import Organization

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 26)
SPEC = core_demo.DemoSpec(prefix="98", name="つばさ県", kana="つばさけん", user_prefix="t-")


def test_demo_dialogue_records(django_assert_max_num_queries):
    orgs = Organization.objects.filter(code__startswith="98").in_bulk(field_name="code")
    # a few reads and the audited bulk inserts of every record and opinion (about 11), then
    # the 6 challenges of あおば市 and わかば町 through the services (about 12 each)
    with django_assert_max_num_queries(90):
        demo.extend(SPEC, orgs, today=TODAY)
    counts = (DialogueRecord.objects.count(), Opinion.objects.count(), Challenge.objects.count())
    demo.extend(SPEC, orgs, today=TODAY)
    assert counts == (
        DialogueRecord.objects.count(),
        Opinion.objects.count(),
        Challenge.objects.count(),
    )
    with_records = set(
        DialogueRecord.objects.filter(organization__in=orgs.values()).values_list(
            "organization_id", flat=True
        )
    )
    assert with_records == {o.pk for o in orgs.values() if o.kind not in ("ward", "prefecture")}

    aoba = orgs[core_demo.code(SPEC, "201")]
    records = DialogueRecord.objects.filter(organization=aoba)
    kinds = Counter(records.values_list("kind", flat=True))
    assert kinds == {
        "hearing": 7,
        "survey": 1,
        "roleplay": 1,
        "liaison": 1,
        "comment": 1,
        "workshop": 1,
    }
    hearings = records.filter(kind="hearing", held_on__gte=datetime.date(2026, 4, 1))
    assert 4 <= hearings.values("department").distinct().count() <= 6
    assert all("■ 困っていること" in h.notes and h.participants for h in hearings)
    assert records.filter(kind="hearing", held_on__lt=datetime.date(2026, 4, 1)).count() == 1

    survey = records.get(kind="survey")
    opinions = list(survey.opinions.order_by("number"))
    assert len(opinions) == 300
    assert [o.number for o in opinions] == list(range(1, 301))
    assert len({o.text for o in opinions}) >= 250  # natural variety
    assert sum(1 for o in opinions if o.age_band) >= 270
    assert {o.age_band for o in opinions} - {""} <= set(demo.content.AGES)
    assert len({o.area for o in opinions} - {""}) == 7
    assert all(set(o.attributes) == {"回答方法"} for o in opinions)
    themes = Counter(_theme(o.text) for o in opinions)
    assert {"窓口", "子育て", "交通", "防災", "高齢者のデジタル", "観光"} <= set(themes)
    # No names: no honorific after a name, no personal columns.
    assert not any(re.search(r"(さん|様|氏)[、。 ]", o.text) for o in opinions)

    roleplay = records.get(kind="roleplay")
    assert roleplay.opinions.count() == 10 and roleplay.department.name == "住民課"

    made = Challenge.objects.filter(organization=aoba).order_by("pk")
    assert [(c.source_kind, c.source_record.kind) for c in made] == [
        ("dialogue", "hearing"),
        ("opinion", "survey"),
        ("opinion", "roleplay"),
    ]
    assert all(c.created_by.username == "t-muni-staff-1" for c in made)
    assert made[1].source_opinion.record == survey and "年代:" in made[1].description

    # Smaller places: fewer records and opinions; the smallest, no role-play.
    village = orgs[core_demo.code(SPEC, "441")]  # あおぞら村
    found = Counter(
        DialogueRecord.objects.filter(organization=village).values_list("kind", flat=True)
    )
    assert found == {"hearing": 2, "survey": 1, "liaison": 1}
    assert Opinion.objects.filter(record__organization=village).count() == 20
    wakaba = orgs[core_demo.code(SPEC, "301")]
    assert Challenge.objects.filter(organization=wakaba).count() == 3


def _theme(text: str) -> str:
    for name, (_w, observations, requests, _ages) in demo.content.THEMES.items():
        if any(part in text for part in (*observations, *requests)):
            return name
    return "その他"


def test_survey_opinions_are_deterministic():
    first = demo.survey_opinions("x", 40, ["北地区"])
    assert demo.survey_opinions("x", 40, ["北地区"]) == first and len(first) == 40
    assert demo.survey_opinions("y", 40, ["北地区"]) != first
