"""The demo prefecture gets both shipped frameworks and meaningful past rounds."""

import pytest
from django.db.models import Count

from chiikidx.assessments import demo, frameworks
from chiikidx.assessments.models import Response, Round
from chiikidx.core import demo as core_demo
from chiikidx.core.models import Organization

pytestmark = pytest.mark.django_db


def test_shipped_frameworks_are_complete():
    taisei, status = (
        frameworks.shipped("chiiki-dx-taisei"),
        frameworks.shipped("jichitai-dx-status"),
    )
    assert [d.title for d in taisei.dimensions] == ["スキルセット", "マインドセット"]
    assert len(taisei.dimensions[0].children) == 6 and len(taisei.dimensions[1].children) == 7
    assert 38 <= len(taisei.questions()) <= 45
    assert all(q.type == "level" and len(q.levels) == 5 for q in taisei.questions())
    types = {q.type for q in status.questions()}
    assert {"yesno", "single", "multiple", "number", "percent", "level"} <= types
    assert len(status.validations) >= 3


def test_demo_rounds_vary_and_building_again_changes_nothing():
    spec = core_demo.DemoSpec(prefix="98", name="つばさ県", kana="つばさけん", user_prefix="t-")
    orgs = Organization.objects.filter(code__startswith="98").in_bulk(field_name="code")
    demo.extend(spec, orgs)
    rounds = Round.objects.filter(organization__code="980005").exclude(
        version__framework__code="world"
    )
    assert rounds.count() == 6  # three years of each framework
    latest = rounds.filter(fiscal_year=2025)
    statuses = set(Response.objects.filter(round__in=latest).values_list("status", flat=True))
    assert {"accepted", "submitted"} <= statuses and len(statuses) >= 3
    scores = Response.objects.filter(round__in=rounds).exclude(overall_score=None)
    assert scores.values("overall_score").distinct().count() > 20  # varied, not constant
    before = Response.objects.count()
    demo.extend(spec, orgs)
    assert Response.objects.count() == before
    per_round = rounds.annotate(n=Count("responses")).values_list("n", flat=True)
    assert set(per_round) == {
        len([o for o in orgs.values() if o.kind not in ("prefecture", "ward")])
    }
