"""The demo organizations get quarterly reviews of their main plan: five signed off and a
draft, with follow-ups done, dropped, carried and one overdue in a demo user's 「自分の作業」."""

import datetime
from collections import Counter

import pytest

from chiikidx.core import demo as core_demo
from chiikidx.core.models import Organization
from chiikidx.monitoring import demo as kpi_demo
from chiikidx.monitoring.reviews import demo, queries, services
from chiikidx.monitoring.reviews.models import Review, ReviewFollowUp
from chiikidx.plans import demo as plans_demo

from .sample import user

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 26)
SPEC = core_demo.DemoSpec(prefix="98", name="つばさ県", kana="つばさけん", user_prefix="t-")


def test_demo_reviews(django_assert_max_num_queries):
    orgs = Organization.objects.filter(code__startswith="98").in_bulk(field_name="code")
    plans_demo.extend(SPEC, orgs)
    kpi_demo.extend(SPEC, orgs, today=TODAY)
    # 6 reads per organization (25 here), then the bulk inserts of each of the 4 acting users
    with django_assert_max_num_queries(270):
        demo.extend(SPEC, orgs, today=TODAY)
    count = (Review.objects.count(), ReviewFollowUp.objects.count())
    demo.extend(SPEC, orgs, today=TODAY)
    assert (Review.objects.count(), ReviewFollowUp.objects.count()) == count
    with_plan = {o.pk for o in orgs.values() if o.kind != "ward"}
    assert set(Review.objects.values_list("organization_id", flat=True)) == with_plan

    aoba = orgs[core_demo.code(SPEC, "201")]
    reviews = list(Review.objects.filter(organization=aoba).order_by("period_start"))
    assert [(r.period_label, r.status) for r in reviews] == [
        ("令和7年度 第1四半期", "signed_off"),
        ("令和7年度 第2四半期", "signed_off"),
        ("令和7年度 第3四半期", "signed_off"),
        ("令和7年度 第4四半期", "signed_off"),
        ("令和8年度 第1四半期", "signed_off"),
        ("令和8年度 第2四半期", "draft"),
    ]
    signed, draft = reviews[4], reviews[5]
    assert signed.do_snapshot["kpis"] and signed.plan_snapshot["plan"]["title"]
    assert (
        signed.assessment
        and signed.decisions
        and signed.signed_off_by.username == ("t-muni-admin-1")
    )
    assert (draft.plan_snapshot, draft.do_snapshot, draft.assessment) == ({}, {}, "")
    statuses = Counter(
        ReviewFollowUp.objects.filter(review__organization=aoba).values_list("status", flat=True)
    )
    # 第1: done, cancelled; 第2: done, carried; 第3: done ×2 and the one carried in, done;
    # 第4: done ×2; R8 第1: carried, in progress (late); the draft: the carried copy, a new one
    assert statuses == {
        "done": 7,
        "cancelled": 1,
        "carried": 2,
        "in_progress": 2,
        "not_started": 1,
    }
    # One carried from 第2 into 第3四半期 and finished there; one carried into the draft.
    carried = ReviewFollowUp.objects.filter(review__organization=aoba, carried_from__isnull=False)
    assert sorted((f.carried_from.review.period_label, f.review.period_label) for f in carried) == [
        ("令和7年度 第2四半期", "令和7年度 第3四半期"),
        ("令和8年度 第1四半期", "令和8年度 第2四半期"),
    ]
    # The overdue one opens the draft and is in t-muni-staff-1's 「自分の作業」.
    (late,) = services.earlier_open_follow_ups(draft)
    assert late.owner_user.username == "t-muni-staff-1" and late.due_on < TODAY
    assert late.review == signed
    titles = [t.title for t in queries.follow_up_tasks(user("t-muni-staff-1"))]
    assert titles == [f"フォローアップ「{late.title}」"]
    owned = [t.title for t in queries.follow_up_tasks(user("t-dept-staff-1"))]
    assert owned == ["フォローアップ「遅延している施策の工程を組み直す」"]
