"""The baselines API: list (without the snapshot) and detail (with it), taking a baseline with
the page's rights, and the comparison of two states of a plan."""

import datetime

import pytest

from chiikidx.core.models import AuditEntry
from chiikidx.plans import services
from chiikidx.plans.models import Baseline, Measure

from .sample import client_for, department, make_plan

pytestmark = pytest.mark.django_db

AOBA = "992011"
URL = "/api/v1/plan-baselines/"


@pytest.fixture
def plan(org_coded, admin):
    """あおば市: 施策1 and 施策2 of 福祉課 (dept-staff-1's department)."""
    org = org_coded(AOBA)
    return make_plan(org, admin, measures=2, owner=department(org, "福祉課"))


def _take(api, plan, label="議会承認時", **extra):
    return api.post(URL, {"plan": plan.pk, "label": label, **extra}, format="json")


def _state():
    return Baseline.objects.count(), AuditEntry.objects.count()


def test_staff_take_a_baseline_with_its_snapshot_and_audit(plan, user_named):
    answer = _take(client_for(user_named, "muni-staff-1"), plan, note=" 令和8年3月議会 ")
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert (body["plan"], body["plan_version"], body["label"], body["note"]) == (
        plan.pk,
        1,
        "議会承認時",
        "令和8年3月議会",
    )
    assert body["organization_code"] == AOBA and body["taken_by"]
    assert [m["title"] for m in body["snapshot"]["measures"]] == ["施策1", "施策2"]
    taken = Baseline.objects.get(pk=body["id"])
    audited = AuditEntry.objects.filter(model_label="plans.Baseline", object_id=str(taken.pk))
    assert list(audited.values_list("action", "actor__username")) == [("create", "muni-staff-1")]


@pytest.mark.parametrize("username", ["dept-staff-1", "executive-1", "liaison", "pref-staff"])
def test_those_who_may_not_change_the_plan_may_not_take_one(plan, user_named, username):
    before = _state()
    refused = _take(client_for(user_named, username), plan)
    assert refused.status_code == 403
    assert refused.json() == {
        "detail": "ベースラインを保存できるのは、計画を変更できる人だけです。"
    }
    assert _state() == before


@pytest.mark.parametrize(
    ("data", "detail"),
    [
        ({"label": "x"}, "plan に、ベースラインを取る計画のIDを指定してください。"),
        ({"plan": "plan", "label": " "}, "ベースラインの名称を入力してください(例: 議会承認時)。"),
        (
            {"plan": "plan", "label": "あ" * 101},
            "ベースラインの名称は100文字以内で入力してください。",
        ),
    ],
)
def test_bad_input_is_a_japanese_400(plan, user_named, data, detail):
    data = {k: plan.pk if v == "plan" else v for k, v in data.items()}
    before = _state()
    answer = client_for(user_named, "muni-admin-1").post(URL, data, format="json")
    assert answer.status_code == 400
    assert answer.json() == {"detail": detail}
    assert _state() == before


def test_another_organizations_plan_and_baselines_are_404(plan, admin, user_named):
    taken = services.take_baseline(acting_user=admin, plan=plan, label="当初")
    before = _state()
    for username in ("muni-admin-2", "t-muni-admin-1"):
        api = client_for(user_named, username)
        assert _take(api, plan).status_code == 404
        assert api.get(f"{URL}{taken.pk}/").status_code == 404
        assert api.get(URL, {"plan": plan.pk}).json()["results"] == []
        assert api.get(f"/api/v1/plans/{plan.pk}/compare/").status_code == 404
    assert _state() == before


def test_list_has_no_snapshot_and_follows_the_versions_of_a_plan(plan, admin, user_named):
    first = services.take_baseline(acting_user=admin, plan=plan, label="第1版 議会承認時")
    plan.status = "gikai"
    plan.save()
    new = services.revise_plan(acting_user=admin, plan=plan, note="中間見直し")
    second = services.take_baseline(acting_user=admin, plan=new, label="改定の開始時")
    api = client_for(user_named, "executive-1")  # viewers read them
    for plan_id in (plan.pk, new.pk):
        found = api.get(URL, {"plan": plan_id}).json()["results"]
        assert [(b["id"], b["plan"], b["plan_version"]) for b in found] == [
            (first.pk, plan.pk, 1),
            (second.pk, new.pk, 2),
        ]
        assert all("snapshot" not in b for b in found)
    detail = api.get(f"{URL}{first.pk}/").json()
    assert detail["snapshot"]["plan"]["version"] == 1
    assert api.get(URL, {"plan": 999999}).json()["results"] == []


def test_compare_current_with_the_latest_baseline_by_default(plan, admin, user_named):
    services.take_baseline(acting_user=admin, plan=plan, label="古い")
    latest = services.take_baseline(acting_user=admin, plan=plan, label="議会承認時")
    first, second = Measure.objects.filter(plan=plan).order_by("pk")
    services.save_measure(
        acting_user=admin,
        plan=plan,
        measure=first,
        deadline=first.deadline + datetime.timedelta(days=45),
        progress=30,
        budgets={2025: (1_200_000, None)},
    )
    second.delete()
    services.save_measure(
        acting_user=admin,
        plan=plan,
        policy=plan.policies.first(),
        title="新しい施策",
        owner_department=first.owner_department,
    )
    found = client_for(user_named, "dept-staff-1").get(f"/api/v1/plans/{plan.pk}/compare/")
    assert found.status_code == 200, found.json()
    body = found.json()
    assert body["a"] == {
        "key": str(latest.pk),
        "label": "議会承認時",
        "baseline": latest.pk,
        "plan": plan.pk,
        "taken_at": body["a"]["taken_at"],
    }
    assert body["b"] == {
        "key": "current",
        "label": "現在の計画",
        "baseline": None,
        "plan": None,
        "taken_at": None,
    }
    assert [m["title"] for m in body["added"]] == ["新しい施策"]
    assert [m["title"] for m in body["removed"]] == ["施策2"]
    (change,) = body["changed"]
    assert change["key"] == first.pk and change["title"] == "施策1"
    assert (change["deadline_drift_days"], change["progress_drift"]) == (45, 30)
    assert change["budget_drift"] == 1_200_000
    assert change["budgets"] == [
        {"fiscal_year": 2025, "before": 0, "after": 1_200_000, "drift": 1_200_000}
    ]
    assert {"label": "期限", "before": "令和8年3月31日", "after": "令和8年5月15日"} in change[
        "fields"
    ]
    assert (body["unchanged"], body["budget_before"], body["budget_after"]) == (0, 0, 1_200_000)
    assert body["budget_drift"] == 1_200_000


def test_compare_two_baselines_and_refusals(plan, admin, user_named):
    api = client_for(user_named, "muni-staff-1")
    none_yet = api.get(f"/api/v1/plans/{plan.pk}/compare/")
    assert none_yet.status_code == 400
    assert none_yet.json()["detail"].startswith("この計画にはまだベースラインがありません。")
    a = services.take_baseline(acting_user=admin, plan=plan, label="当初")
    measure = Measure.objects.filter(plan=plan).order_by("pk").first()
    services.update_progress(acting_user=admin, measure=measure, status="on_track", progress=40)
    b = services.take_baseline(acting_user=admin, plan=plan, label="年度末")
    url = f"/api/v1/plans/{plan.pk}/compare/"
    body = api.get(url, {"a": a.pk, "b": b.pk}).json()
    assert (body["a"]["label"], body["b"]["label"]) == ("当初", "年度末")
    assert [(c["title"], c["progress_drift"]) for c in body["changed"]] == [("施策1", 40)]
    assert api.get(url, {"a": "current", "b": a.pk}).json()["changed"][0]["progress_drift"] == -40
    same = api.get(url, {"a": a.pk, "b": a.pk})
    assert same.status_code == 400
    assert same.json() == {"detail": "比較元(a)と比較先(b)には別のものを指定してください。"}
    other = make_plan(plan.organization, admin, title="別の計画", measures=1)
    foreign = services.take_baseline(acting_user=admin, plan=other, label="別")
    for key in (foreign.pk, "latest"):
        wrong = api.get(url, {"a": key})
        assert wrong.status_code == 400
        assert wrong.json()["detail"] == (
            f"「{key}」はこの計画のベースラインではありません。a と b には、"
            "この計画(またはその版)のベースラインのIDか current を指定してください。"
        )


def test_list_query_count_does_not_grow(
    plan, org_coded, admin, user_named, django_assert_num_queries
):
    api = client_for(user_named, "pref-staff")
    services.take_baseline(acting_user=admin, plan=plan, label="当初")
    api.get(URL)  # the grants, computed once, stay on the (forced) user
    with django_assert_num_queries(2):
        few = api.get(URL).json()
    for i in range(3):
        more = make_plan(org_coded(AOBA), admin, title=f"計画{i}", measures=3)
        services.take_baseline(acting_user=admin, plan=more, label="当初")
        services.take_baseline(acting_user=admin, plan=more, label="年度末")
    with django_assert_num_queries(2):
        many = api.get(URL).json()
    assert many["count"] == few["count"] + 6
