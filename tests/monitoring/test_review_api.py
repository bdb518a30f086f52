"""API of PDCA reviews and follow-ups: the access module, the same checks and messages as the
pages, sign-off, carrying, the owner's status update, the OpenAPI schema, query counts."""

import datetime

import pytest
from rest_framework.test import APIClient

from chiikidx.monitoring.reviews import services
from chiikidx.monitoring.reviews.models import Review, ReviewFollowUp

from ..plans.sample import make_plan
from .review_sample import Q1, add_follow_up, make_review, owner_department
from .sample import make_kpi, user

pytestmark = pytest.mark.django_db

AOBA = "992011"
REVIEWS, FOLLOW_UPS = "/api/v1/reviews/", "/api/v1/review-follow-ups/"


def api_for(username):
    api = APIClient()
    api.force_authenticate(user(username))
    return api


@pytest.fixture
def plan(org_coded):
    found = make_plan(org_coded(AOBA), measures=2)
    make_kpi(org_coded(AOBA), measures=[found.measures.order_by("pk").first()])
    return found


def ready(review):
    return services.update_review(
        acting_user=user("muni-admin-1"),
        review=review,
        held_on=datetime.date(2025, 7, 15),
        assessment="good",
        assessment_text="計画どおりです。",
        decisions="継続する。",
    )


def test_create_change_and_sign_off_like_the_pages(plan):
    staff = api_for("muni-staff-1")
    created = staff.post(
        REVIEWS,
        {"plan": plan.pk, "period": "令和7年度 第1四半期", "participants": "企画課長"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["scope_kind"], body["plan"], body["period_label"]) == (
        "plan",
        plan.pk,
        "令和7年度 第1四半期",
    )
    assert (body["period_start"], body["period_end"], body["status"]) == (
        "2025-04-01",
        "2025-06-30",
        "draft",
    )
    assert body["frozen"] is False and body["plan_section"]["plan"]["title"] == "DX推進計画"
    assert [k["name"] for k in body["do_section"]["kpis"]] == ["オンライン申請件数"]
    twice = staff.post(REVIEWS, {"plan": plan.pk, "period": "R7 Q1"}, format="json")
    assert twice.status_code == 400
    assert twice.json()["detail"] == (
        "計画全体「DX推進計画」の 令和7年度 第1四半期 の振り返りはすでにあります。"
        "一覧から開いてください。"
    )
    pk = body["id"]
    changed = staff.patch(
        f"{REVIEWS}{pk}/",
        {"held_on": "2025-07-15", "assessment": "good", "assessment_text": "順調です。"},
        format="json",
    )
    assert changed.status_code == 200 and changed.json()["assessment_label"] == "順調"
    refused = api_for("muni-admin-1").post(f"{REVIEWS}{pk}/sign-off/")
    assert refused.status_code == 400
    assert refused.json()["problems"] == [
        "改善(Act)の決定事項を入力してください(このまま続けるときも「継続」と書きます)。"
    ]
    staff.patch(f"{REVIEWS}{pk}/", {"decisions": "継続する。"}, format="json")
    assert staff.post(f"{REVIEWS}{pk}/sign-off/").status_code == 403  # admins only
    signed = api_for("muni-admin-1").post(f"{REVIEWS}{pk}/sign-off/")
    assert signed.status_code == 200
    assert (signed.json()["status"], signed.json()["frozen"]) == ("signed_off", True)
    assert signed.json()["signed_off_by"] == "muni-admin-1"
    locked = staff.patch(f"{REVIEWS}{pk}/", {"decisions": "書き換え"}, format="json")
    assert locked.status_code == 400
    assert locked.json()["detail"].startswith("この振り返りは承認済みのため変更できません。")
    assert staff.delete(f"{REVIEWS}{pk}/").status_code == 400
    reopened = api_for("muni-admin-1").post(
        f"{REVIEWS}{pk}/reopen/", {"reason": "実績の誤り"}, format="json"
    )
    assert reopened.status_code == 200
    assert (reopened.json()["status"], reopened.json()["reopen_reason"]) == ("draft", "実績の誤り")


def test_create_names_one_visible_scope_and_a_period(plan):
    staff = api_for("muni-staff-1")
    both = staff.post(
        REVIEWS,
        {"plan": plan.pk, "measure": plan.measures.first().pk, "period": "令和7年度"},
        format="json",
    )
    assert both.status_code == 400
    bad = staff.post(REVIEWS, {"plan": plan.pk, "period": "来年"}, format="json")
    assert bad.status_code == 400 and "period に期間を" in bad.json()["detail"]
    measure = plan.measures.order_by("pk").first()
    by_date = staff.post(
        REVIEWS,
        {"measure": measure.pk, "period_kind": "half_yearly", "period": "2025-08-01"},
        format="json",
    )
    assert by_date.status_code == 201
    assert (by_date.json()["period_label"], by_date.json()["scope_title"]) == (
        "令和7年度 上期",
        "施策1",
    )
    assert (
        api_for("t-muni-admin-1")
        .post(REVIEWS, {"plan": plan.pk, "period": "令和7年度"}, format="json")
        .status_code
        == 404
    )
    assert (
        api_for("dept-staff-1")
        .post(REVIEWS, {"plan": plan.pk, "period": "令和7年度"}, format="json")
        .status_code
        == 403
    )
    assert Review.objects.count() == 1


def test_lists_go_through_the_access_module(plan, django_assert_max_num_queries):
    for i in range(4):
        review = make_review(plan.organization, scope=plan, period=_quarter(i))
        add_follow_up(review, due_on=_quarter(i).next().end)
        add_follow_up(review, due_on=_quarter(i).next().end, owner_user=user("muni-staff-1"))
    admin = api_for("muni-admin-1")
    admin.get(REVIEWS)
    # reviews (count, page) and their follow-ups with owners (1 prefetch)
    with django_assert_max_num_queries(4):
        body = admin.get(REVIEWS).json()
    assert body["count"] == 4
    assert [len(r["follow_ups"]) for r in body["results"]] == [2, 2, 2, 2]
    assert body["results"][0]["period_label"] == "令和7年度 第4四半期"
    assert "do_section" not in body["results"][0]
    assert api_for("t-muni-admin-1").get(REVIEWS).json()["count"] == 0
    assert api_for("muni-admin-2").get(REVIEWS).json()["count"] == 0
    filtered = admin.get(REVIEWS, {"plan": plan.pk, "fiscal_year": 2025, "status": "draft"})
    assert filtered.json()["count"] == 4
    staff = api_for("muni-staff-1")
    staff.get(FOLLOW_UPS)
    with django_assert_max_num_queries(2):  # count and page (the grants are cached)
        mine = staff.get(FOLLOW_UPS, {"mine": "true"}).json()
    assert mine["count"] == 4
    assert {f["owner_username"] for f in mine["results"]} == {"muni-staff-1"}
    assert api_for("dept-staff-1").get(FOLLOW_UPS, {"mine": "true"}).json()["count"] == 4
    assert admin.get(FOLLOW_UPS, {"open": "true"}).json()["count"] == 8
    assert api_for("t-muni-admin-1").get(FOLLOW_UPS).json()["count"] == 0


def _quarter(i):
    period = Q1
    for _n in range(i):
        period = period.next()
    return period


def test_follow_ups_are_added_by_staff_and_updated_by_their_owner(plan):
    review = make_review(plan.organization, scope=plan)
    staff = api_for("muni-staff-1")
    created = staff.post(
        FOLLOW_UPS,
        {
            "review": review.pk,
            "title": "広報紙に載せる",
            "owner_department": owner_department(plan.organization).pk,
            "due_on": "令和7年9月30日",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert (created.json()["due_on"], created.json()["owner_department_name"]) == (
        "2025-09-30",
        "福祉課",
    )
    missing = staff.post(FOLLOW_UPS, {"review": review.pk, "title": "x"}, format="json")
    assert missing.status_code == 400
    assert (
        missing.json()["detail"] == "フォローアップの期限を入力してください(例: 令和8年12月25日)。"
    )
    owner = api_for("dept-staff-1")  # 福祉課: the owner department's 原課担当
    refused = owner.patch(f"{FOLLOW_UPS}{pk}/", {"title": "書き換え"}, format="json")
    assert refused.status_code == 403
    done = owner.patch(
        f"{FOLLOW_UPS}{pk}/", {"status": "done", "note": "10月号に掲載"}, format="json"
    )
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["note"]) == ("done", "10月号に掲載")
    assert done.json()["closed_on"] is not None
    assert (
        api_for("executive-1")
        .patch(f"{FOLLOW_UPS}{pk}/", {"status": "in_progress"}, format="json")
        .status_code
        == 403
    )
    assert owner.delete(f"{FOLLOW_UPS}{pk}/").status_code == 403
    assert ReviewFollowUp.objects.get(pk=pk).status == "done"


def test_carry_an_earlier_follow_up(plan):
    first = ready(make_review(plan.organization, scope=plan))
    item = add_follow_up(first)
    services.sign_off(acting_user=user("muni-admin-1"), review=first)
    later = make_review(plan.organization, scope=plan, period=Q1.next())
    staff = api_for("muni-staff-1")
    carried = staff.post(
        f"{REVIEWS}{later.pk}/carry/", {"follow_up": item.pk, "due_on": "2025-12-26"}, format="json"
    )
    assert carried.status_code == 201, carried.json()
    assert (carried.json()["carried_from"], carried.json()["due_on"]) == (item.pk, "2025-12-26")
    earlier = staff.get(f"{FOLLOW_UPS}{item.pk}/").json()
    assert (earlier["status"], earlier["carried_to"]) == ("carried", carried.json()["id"])
    again = staff.post(f"{REVIEWS}{later.pk}/carry/", {"follow_up": item.pk}, format="json")
    assert again.status_code == 400


def test_schema_lists_the_review_endpoints():
    schema = APIClient().get("/api/v1/schema/?format=json").json()
    paths = schema["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/reviews/"])
    assert {"get", "put", "patch", "delete"} <= set(paths["/api/v1/reviews/{id}/"])
    assert {"post"} == set(paths["/api/v1/reviews/{id}/sign-off/"]) - {"parameters"}
    assert {"get", "post"} <= set(paths["/api/v1/review-follow-ups/"])
    assert {"get", "patch"} <= set(paths["/api/v1/review-follow-ups/{id}/"])
    assert "ReviewStatusEnum" in schema["components"]["schemas"]
    assert "FollowUpStatusEnum" in schema["components"]["schemas"]
