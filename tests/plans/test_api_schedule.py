"""The schedule API: the computed schedule, the what-if (GET or POST, changes nothing) and the
audited apply-slip with the page's rights."""

import datetime

import pytest

from chiikidx.core.models import AuditEntry
from chiikidx.plans import services
from chiikidx.plans.models import Dependency, Measure, MeasureUpdate

from .sample import client_for, department, make_plan

pytestmark = pytest.mark.django_db

AOBA = "992011"
D = datetime.date


@pytest.fixture
def chain(org_coded, admin):
    """あおば市 (福祉課): A (4/1–4/30) → B (5/1–5/31) → C (6/1–6/30), lag 1 day;
    D (4/1–12/31) on its own; E without dates."""
    org = org_coded(AOBA)
    plan = make_plan(org, admin, measures=5, owner=department(org, "福祉課"))
    spans = [
        (D(2025, 4, 1), D(2025, 4, 30)),
        (D(2025, 5, 1), D(2025, 5, 31)),
        (D(2025, 6, 1), D(2025, 6, 30)),
        (D(2025, 4, 1), D(2025, 12, 31)),
        (None, None),
    ]
    measures = list(plan.measures.order_by("pk"))
    for measure, (start, end) in zip(measures, spans, strict=True):
        Measure.objects.filter(pk=measure.pk).update(start_date=start, deadline=end)
    a, b, c, d, e = plan.measures.order_by("pk")
    services.add_dependency(acting_user=admin, predecessor=a, successor=b, lag_days=1)
    services.add_dependency(acting_user=admin, predecessor=b, successor=c, lag_days=1)
    return plan, a, b, c, d, e


def _db_state():
    measures = list(Measure.objects.order_by("pk").values_list("pk", "start_date", "deadline"))
    return measures, MeasureUpdate.objects.count(), AuditEntry.objects.count()


def test_schedule_lists_dates_slack_critical_and_broken_deadlines(chain, user_named):
    plan, a, b, c, d, e = chain
    Dependency.objects.filter(predecessor=b, successor=c).update(lag_days=10)
    body = client_for(user_named, "executive-1").get(f"/api/v1/plans/{plan.pk}/schedule/").json()
    assert body["plan"] == plan.pk and body["error"] == ""
    rows = {r["measure"]: r for r in body["measures"]}
    assert set(rows) == {a.pk, b.pk, c.pk, d.pk}
    assert (
        rows[c.pk]
        | {
            "earliest_start": "2025-06-10",
            "earliest_finish": "2025-07-09",
            "days_late": 9,
        }
        == rows[c.pk]
    )
    assert rows[d.pk]["critical"] and rows[d.pk]["slack_days"] == 0
    assert rows[a.pk]["slack_days"] == (D(2025, 12, 31) - D(2025, 7, 9)).days
    assert rows[a.pk]["latest_start"] == "2025-09-23"
    assert rows[a.pk]["plan_title"] == plan.title and not rows[a.pk]["external"]
    assert rows[a.pk]["owner_department_name"] == "福祉課"
    assert [r["measure"] for r in body["broken_deadlines"]] == [c.pk]
    assert body["critical_paths"] == [[d.pk]]
    assert body["undated"] == [{"measure": e.pk, "code": "", "title": "施策5"}]
    assert (body["project_start"], body["project_finish"]) == ("2025-04-01", "2025-12-31")
    assert {(x["predecessor"], x["successor"], x["lag_days"]) for x in body["dependencies"]} == {
        (a.pk, b.pk, 1),
        (b.pk, c.pk, 10),
    }


def test_a_cycle_is_reported_not_computed(chain, user_named):
    plan, a, _b, c, *_ = chain
    Dependency.objects.create(predecessor=c, successor=a)  # as an import could leave it
    body = client_for(user_named, "muni-staff-1").get(f"/api/v1/plans/{plan.pk}/schedule/").json()
    assert body["error"].startswith("依存関係が循環しています: ")
    assert body["measures"] == [] and body["critical_paths"] == []


def test_what_if_by_get_or_post_changes_nothing(chain, user_named):
    plan, a, b, c, *_ = chain
    url = f"/api/v1/plans/{plan.pk}/what-if/"
    before = _db_state()
    for username in ("executive-1", "dept-staff-1", "pref-staff"):  # viewers may ask
        api = client_for(user_named, username)
        by_get = api.get(url, {"measure": a.pk, "days": 10})
        by_post = api.post(url, {"measure": a.pk, "days": 10}, format="json")
        assert by_get.status_code == by_post.status_code == 200, by_post.json()
        assert by_get.json() == by_post.json()
    body = by_get.json()
    assert (body["measure"], body["days"]) == (a.pk, 10)
    assert [(m["measure"], m["shift_days"]) for m in body["moves"]] == [
        (a.pk, 10),
        (b.pk, 10),
        (c.pk, 10),
    ]
    assert (
        body["moves"][2] | {"new_start": "2025-06-11", "new_finish": "2025-07-10"}
        == (body["moves"][2])
    )
    assert [(x["measure"], x["days_late"]) for x in body["broken_deadlines"]] == [
        (a.pk, 10),
        (b.pk, 10),
        (c.pk, 10),
    ]
    assert (body["project_finish_before"], body["project_finish_after"]) == (
        "2025-12-31",
        "2025-12-31",
    )
    assert _db_state() == before


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        ({"days": 3}, "measure に、この計画の施策のIDを指定してください。"),
        ({"measure": "other", "days": 3}, "measure に、この計画の施策のIDを指定してください。"),
        ({"measure": "a"}, "遅れる日数(days)は1〜3650の整数で指定してください。"),
        ({"measure": "a", "days": 0}, "遅れる日数(days)は1〜3650の整数で指定してください。"),
        ({"measure": "a", "days": "十"}, "遅れる日数(days)は1〜3650の整数で指定してください。"),
        (
            {"measure": "e", "days": 3},
            "施策「施策5」は開始日か期限が未入力のため、工程に含まれていません。",
        ),
    ],
)
def test_what_if_refusals_are_japanese(chain, org_coded, user_named, params, detail):
    plan, a, *_, e = chain
    other = make_plan(org_coded(AOBA), title="別の計画", measures=1).measures.get()
    ids = {"a": a.pk, "e": e.pk, "other": other.pk}
    params = {k: ids.get(v, v) if isinstance(v, str) else v for k, v in params.items()}
    answer = client_for(user_named, "muni-staff-1").get(f"/api/v1/plans/{plan.pk}/what-if/", params)
    assert answer.status_code == 400
    assert answer.json() == {"detail": detail}


def test_apply_slip_moves_the_measures_with_a_logged_reason(chain, user_named, admin):
    plan, a, b, c, d, _e = chain
    staff = user_named("muni-staff-1")
    last_seq = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
    answer = client_for(user_named, "muni-staff-1").post(
        f"/api/v1/plans/{plan.pk}/slip/",
        {"measure": b.pk, "days": 5, "reason": " 入札不調のため再公告 "},
        format="json",
    )
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert (body["measure"], body["days"], body["reason"]) == (b.pk, 5, "入札不調のため再公告")
    assert [m["measure"] for m in body["moves"]] == [b.pk, c.pk]
    moved = {m.pk: m for m in Measure.objects.filter(pk__in=[b.pk, c.pk])}
    assert (moved[b.pk].start_date, moved[b.pk].deadline) == (D(2025, 5, 6), D(2025, 6, 5))
    assert (moved[c.pk].start_date, moved[c.pk].deadline) == (D(2025, 6, 6), D(2025, 7, 5))
    for m in moved.values():
        log = m.updates.get()
        assert "入札不調のため再公告" in log.comment and log.by == staff
    assert not a.updates.exists() and not d.updates.exists()
    written = AuditEntry.objects.filter(seq__gt=last_seq)
    assert len(written) == 4
    assert {(e.model_label, e.actor_id) for e in written} == {
        ("plans.Measure", staff.pk),
        ("plans.MeasureUpdate", staff.pk),
    }


@pytest.mark.parametrize("username", ["dept-staff-1", "executive-1", "liaison", "pref-staff"])
def test_only_the_plans_staff_apply_a_slip(chain, user_named, username):
    plan, a, *_ = chain  # a is 福祉課's: even dept-staff-1 may not move the plan's dates
    before = _db_state()
    refused = client_for(user_named, username).post(
        f"/api/v1/plans/{plan.pk}/slip/", {"measure": a.pk, "days": 3, "reason": "遅延"}
    )
    assert refused.status_code == 403
    assert _db_state() == before


@pytest.mark.parametrize(
    ("data", "detail"),
    [
        ({"days": 3, "reason": " "}, "遅れを反映する理由を入力してください。"),
        ({"days": 3, "reason": "あ" * 501}, "反映する理由は500文字以内で入力してください。"),
        ({"days": -2, "reason": "遅延"}, "遅れる日数(days)は1〜3650の整数で指定してください。"),
    ],
)
def test_apply_slip_refusals_change_nothing(chain, user_named, data, detail):
    plan, a, *_ = chain
    before = _db_state()
    answer = client_for(user_named, "muni-admin-1").post(
        f"/api/v1/plans/{plan.pk}/slip/", {"measure": a.pk, **data}, format="json"
    )
    assert answer.status_code == 400
    assert answer.json() == {"detail": detail}
    assert _db_state() == before


def test_another_organizations_plan_is_404(chain, user_named):
    plan, a, *_ = chain
    before = _db_state()
    for username in ("muni-admin-2", "t-muni-admin-1"):
        api = client_for(user_named, username)
        assert api.get(f"/api/v1/plans/{plan.pk}/schedule/").status_code == 404
        what_if = api.get(f"/api/v1/plans/{plan.pk}/what-if/", {"measure": a.pk, "days": 3})
        assert what_if.status_code == 404
        slip = api.post(
            f"/api/v1/plans/{plan.pk}/slip/", {"measure": a.pk, "days": 3, "reason": "遅延"}
        )
        assert slip.status_code == 404
    assert _db_state() == before


def test_schedule_query_count_does_not_grow_with_measures(
    chain, user_named, admin, django_assert_num_queries
):
    plan, a, _b, c, *_ = chain
    api = client_for(user_named, "muni-staff-1")
    url = f"/api/v1/plans/{plan.pk}/schedule/"
    api.get(url)
    with django_assert_num_queries(3):  # the plan, its measures, their dependencies
        few = api.get(url).json()
    for i in range(6):
        m = services.save_measure(
            acting_user=admin,
            plan=plan,
            policy=plan.policies.first(),
            title=f"追加{i}",
            owner_department=a.owner_department,
            start_date=D(2025, 7, 1),
            deadline=D(2025, 9, 30),
        )
        services.add_dependency(acting_user=admin, predecessor=c, successor=m)
    with django_assert_num_queries(3):  # the plan, its measures, their dependencies
        many = api.get(url).json()
    assert len(many["measures"]) == len(few["measures"]) + 6
