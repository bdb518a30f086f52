"""The plans API: visible plans with roll-ups, measures and the progress update (原課 limits,
Japanese refusals, the same update log and audit as the page)."""

import pytest
from rest_framework.test import APIClient

from chiikidx.core.models import AuditEntry
from chiikidx.plans import services
from chiikidx.plans.models import MeasureUpdate

from .sample import client_for, department, make_plan

pytestmark = pytest.mark.django_db

AOBA, MIDORI, B_MUNI = "992011", "993018", "982016"


@pytest.fixture
def aoba_plan(org_coded, user_named):
    """あおば市: one measure of 福祉課 (dept-staff-1) and one of another department."""
    org = org_coded(AOBA)
    plan = make_plan(org, user_named("muni-admin-1"), measures=1, owner=department(org, "福祉課"))
    other = department(org, "企画課")
    services.save_measure(
        acting_user=user_named("muni-admin-1"),
        plan=plan,
        policy=plan.policies.first(),
        title="庁内ネットワークの更新",
        owner_department=other,
        weight=3,
        progress=40,
        status="on_track",
    )
    return plan


def test_plans_list_shows_policies_and_weighted_progress(aoba_plan, user_named):
    found = client_for(user_named, "muni-staff-1").get("/api/v1/plans/").json()["results"]
    plan = next(p for p in found if p["id"] == aoba_plan.pk)
    assert plan["organization_code"] == AOBA and plan["status_label"] == "下書き"
    assert plan["measure_count"] == 2
    assert plan["progress"] == "30.0"  # (0×1 + 40×3) / 4
    assert plan["policies"][0]["progress"] == "30.0"
    assert plan["policies"][0]["measure_count"] == 2


def test_another_organizations_plan_and_measures_are_404(aoba_plan, user_named):
    measure = aoba_plan.measures.first()
    for username in ("muni-staff-2", "t-muni-admin-1"):
        api = client_for(user_named, username)
        assert api.get(f"/api/v1/plans/{aoba_plan.pk}/").status_code == 404
        assert api.get(f"/api/v1/plan-measures/{measure.pk}/").status_code == 404
        listed = api.get("/api/v1/plan-measures/", {"plan": aoba_plan.pk}).json()["results"]
        assert listed == []
        refused = api.post(
            f"/api/v1/plan-measures/{measure.pk}/update/",
            {"status": "on_track", "progress": 10},
            format="json",
        )
        assert refused.status_code == 404
        assert refused.json()["detail"].startswith("指定されたものは見つかりません。")
    assert MeasureUpdate.objects.count() == 0


def test_measures_filter_by_plan_department_and_status(aoba_plan, org_coded, user_named):
    api = client_for(user_named, "pref-staff")  # the prefecture sees its municipalities' plans
    welfare = department(org_coded(AOBA), "福祉課")
    by_dept = api.get("/api/v1/plan-measures/", {"department": welfare.pk}).json()["results"]
    assert [m["owner_department_name"] for m in by_dept] == ["福祉課"]
    on_track = api.get(
        "/api/v1/plan-measures/", {"plan": aoba_plan.pk, "status": "on_track"}
    ).json()["results"]
    assert [m["title"] for m in on_track] == ["庁内ネットワークの更新"]
    bad = api.get("/api/v1/plan-measures/", {"status": "unknown"})
    assert bad.status_code == 400


def test_dept_staff_update_their_departments_measure_with_log_and_audit(aoba_plan, user_named):
    own = aoba_plan.measures.get(owner_department__name="福祉課")
    other = aoba_plan.measures.exclude(pk=own.pk).get()
    api = client_for(user_named, "dept-staff-1")
    last_seq = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
    done = api.post(
        f"/api/v1/plan-measures/{own.pk}/update/",
        {"status": "caution", "progress": 35, "comment": " 業者選定が遅れています "},
        format="json",
    )
    assert done.status_code == 200, done.json()
    body = done.json()
    assert (body["status"], body["status_label"], body["progress"]) == ("caution", "注意", 35)
    assert body["updates"][0]["comment"] == "業者選定が遅れています"
    log = MeasureUpdate.objects.get(measure=own)
    assert log.by.username == "dept-staff-1" and log.progress == 35
    written = AuditEntry.objects.filter(seq__gt=last_seq)
    assert {(e.model_label, e.actor_id) for e in written} == {
        ("plans.Measure", log.by_id),
        ("plans.MeasureUpdate", log.by_id),
    }

    refused = api.post(
        f"/api/v1/plan-measures/{other.pk}/update/",
        {"status": "done", "progress": 100},
        format="json",
    )
    assert refused.status_code == 403
    assert refused.json()["detail"] == "この操作を行う権限がありません。"
    other.refresh_from_db()
    assert other.status == "on_track"


def test_viewers_without_change_rights_are_refused(aoba_plan, user_named):
    measure = aoba_plan.measures.first()
    for username in ("executive-1", "liaison", "pref-staff"):
        refused = client_for(user_named, username).post(
            f"/api/v1/plan-measures/{measure.pk}/update/",
            {"status": "on_track", "progress": 10},
            format="json",
        )
        assert refused.status_code == 403, username
    assert MeasureUpdate.objects.count() == 0


@pytest.mark.parametrize(
    ("data", "detail"),
    [
        ({"status": "on_track", "progress": "半分"}, "進捗は0〜100の整数で入力してください。"),
        ({"status": "on_track", "progress": 120}, "進捗は0〜100の範囲で入力してください。"),
        ({"status": "finished", "progress": 10}, "状況を一覧から選んでください。"),
        ({"status": "on_track"}, "進捗は0〜100の整数で入力してください。"),
    ],
)
def test_validation_errors_are_japanese_and_save_nothing(aoba_plan, user_named, data, detail):
    measure = aoba_plan.measures.first()
    answer = client_for(user_named, "muni-staff-1").post(
        f"/api/v1/plan-measures/{measure.pk}/update/", data, format="json"
    )
    assert answer.status_code == 400
    assert answer.json() == {"detail": detail}
    assert MeasureUpdate.objects.filter(measure=measure).count() == 0


def test_done_sets_progress_to_100_and_form_posts_work(aoba_plan, user_named):
    measure = aoba_plan.measures.first()
    answer = client_for(user_named, "muni-admin-1").post(
        f"/api/v1/plan-measures/{measure.pk}/update/", {"status": "done", "progress": "60"}
    )
    assert answer.status_code == 200
    assert answer.json()["progress"] == 100


def test_anonymous_is_refused(aoba_plan):
    assert APIClient().get("/api/v1/plans/").status_code in (401, 403)
    assert APIClient().get("/api/v1/plan-measures/").status_code in (401, 403)


def test_list_query_counts_do_not_grow_with_plans_and_measures(
    aoba_plan, org_coded, user_named, django_assert_max_num_queries
):
    for i in range(3):
        make_plan(org_coded(AOBA), user_named("muni-admin-1"), title=f"計画{i}", measures=4)
    api = client_for(user_named, "pref-staff")
    # grants (2), count, plans, policies, measures, decisions
    with django_assert_max_num_queries(7):
        plans = api.get("/api/v1/plans/").json()
    assert plans["count"] >= 4
    with django_assert_max_num_queries(6):
        measures = api.get("/api/v1/plan-measures/").json()
    assert measures["count"] >= 14
