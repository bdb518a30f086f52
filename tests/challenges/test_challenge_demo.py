"""The demo municipalities get 30–60 scored challenges each, varied between municipalities and
in status, scope, timing and sharing; some 施策化 with a measure of their plan, some citing a
hearing; building again creates nothing."""

import datetime
from collections import Counter

import pytest
from django.utils import timezone

from chiikidx.challenges import demo
from chiikidx.challenges.dialogue import demo as dialogue_demo
from chiikidx.challenges.models import Challenge
from chiikidx.core import demo as core_demo
from chiikidx.core.models import AuditEntry, Organization
from chiikidx.plans import demo as plans_demo

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(datetime.datetime(2026, 11, 26, 10, 0))
SPEC = core_demo.DemoSpec(prefix="98", name="つばさ県", kana="つばさけん", user_prefix="t-")


@pytest.fixture
def orgs():
    found = Organization.objects.filter(code__startswith="98").in_bulk(field_name="code")
    plans_demo.extend(SPEC, found)
    dialogue_demo.extend(SPEC, found, today=NOW.date())
    return found


def _ours(orgs):
    return Challenge.objects.filter(
        organization__in=list(orgs.values()), title__in=demo.TITLES
    ).select_related("organization", "measure__plan", "source_record")


def test_demo_challenges(orgs, django_assert_max_num_queries):
    # a handful of reads, per acting user the insert (in batches of about 30 rows on SQLite)
    # and its audit entries, then one update of the dates: it does not grow per challenge
    with django_assert_max_num_queries(60):
        demo.extend(SPEC, orgs, now=NOW)
    found = list(_ours(orgs))
    municipalities = [o for o in orgs.values() if o.kind not in ("ward", "prefecture")]
    per_org = Counter(c.organization_id for c in found)
    assert set(per_org) == {o.pk for o in municipalities}
    assert all(30 <= n <= 60 for n in per_org.values()), per_org
    assert len(set(per_org.values())) > 5  # sizes differ
    # the municipalities' sets differ, and so do their wordings of the same issue
    titles = {org: {c.title for c in found if c.organization_id == org} for org in per_org}
    assert len({frozenset(t) for t in titles.values()}) == len(titles)
    by_status = Counter(c.status for c in found)
    assert by_status["candidate"] + by_status["adopted"] > len(found) * 0.6
    assert by_status["measured"] >= 20 and by_status["resolved"] >= 10
    assert by_status["deferred"] >= 10
    assert all(c.status_reason for c in found if c.status in ("resolved", "deferred"))
    for c in found:
        if c.status == "measured":
            assert c.measure.plan.organization_id == c.organization_id
        else:
            assert c.measure is None
    assert {c.scope for c in found} == {"self", "wide", "national"}
    assert {c.timing for c in found} == {"now", "mid", "long"}
    assert len({c.field for c in found}) == 12
    unscored = [c for c in found if c.benefit is None]
    assert len(found) * 0.05 < len(unscored) < len(found) * 0.25
    escalated = [c for c in found if c.escalated_at]
    assert len(escalated) >= 30 and all(c.shared_at and c.escalation_note for c in escalated)
    shared_only = [c for c in found if c.shared_at and not c.escalated_at]
    assert len(shared_only) >= 30
    # issues several municipalities share, escalated to the prefecture (so groups form)
    keys = Counter(_key(c) for c in escalated)
    assert sum(1 for n in keys.values() if n >= 3) >= 3
    cited = [c for c in found if c.source_kind == "dialogue"]
    assert cited and all(c.source_record.department_id == c.department_id for c in cited)
    ages = {(NOW - c.created_at).days // 30 for c in found}
    assert len(ages) > 10 and all(c.created_at <= c.updated_at <= NOW for c in found)
    assert all(c.shared_at >= c.created_at for c in found if c.shared_at)
    entries = AuditEntry.objects.filter(
        model_label="challenges.Challenge", object_id__in=[str(c.pk) for c in found]
    )
    assert entries.filter(action="create").count() == len(found)
    aoba = orgs[core_demo.code(SPEC, "201")]
    assert {c.created_by.username for c in found if c.organization_id == aoba.pk} == {
        "t-muni-admin-1"
    }


def _key(challenge):
    from chiikidx.challenges.demo_catalogue import CATALOGUE

    return next(e.key for e in CATALOGUE if challenge.title in e.titles)


def test_the_demo_is_built_once_and_the_same_everywhere(orgs):
    demo.extend(SPEC, orgs, now=NOW)
    first = sorted(_ours(orgs).values_list("organization__code", "title", "benefit", "status"))
    count, entries = Challenge.objects.count(), AuditEntry.objects.count()
    demo.extend(SPEC, orgs, now=NOW)
    assert (Challenge.objects.count(), AuditEntry.objects.count()) == (count, entries)
    Challenge.objects.filter(title__in=demo.TITLES).delete()
    demo.extend(SPEC, orgs, now=NOW)
    again = sorted(_ours(orgs).values_list("organization__code", "title", "benefit", "status"))
    assert again == first
