"""The priority map: deterministic jitter, quadrants, the chart data and the table alternative
(pinned queries, privacy), and turning selected challenges into candidate plan measures in one
transaction (each challenge's department by default, per-challenge results, rights)."""

import json
import math
import re

import pytest

from chiikidx.challenges import priority, services, triage
from chiikidx.challenges.models import Challenge
from chiikidx.core.models import AuditEntry
from chiikidx.plans.choices import PlanStatus
from chiikidx.plans.models import Measure, Plan

from ..plans.sample import admin_of, make_plan
from .triage_sample import add, aoba, client_of, department, scored, url

pytestmark = pytest.mark.django_db
WEIGHTS = (2, 1, 2)


def _chart(page: str) -> dict:
    found = re.search(r'<script id="map-data" type="application/json">(.*?)</script>', page)
    return json.loads(found.group(1))


# --- points and jitter ------------------------------------------------------------------------


def test_points_on_one_spot_spread_deterministically_within_the_radius():
    assert triage.spread(1) == [(0.0, 0.0)]
    offsets = triage.spread(12)
    assert offsets == triage.spread(12)  # the same data draws the same picture
    assert offsets[0] == (0.0, 0.0) and len(set(offsets)) == 12
    assert all(math.hypot(dx, dy) <= triage.JITTER_RADIUS + 0.001 for dx, dy in offsets)
    # no two points closer than a marker's radius in data units (~0.05 at 600 px)
    closest = min(math.dist(a, b) for i, a in enumerate(offsets) for b in offsets[i + 1 :])
    assert closest > 0.05


def test_map_points_keep_their_quadrant_and_sort_by_priority():
    org = aoba()
    quick = scored(org, "すぐやる課題", b=5, d=1, u=5)
    twin = scored(org, "同じ点の課題", b=5, d=1, u=5)
    strategic = scored(org, "戦略的な課題", b=4, d=4, u=3)
    edge = scored(org, "真ん中の課題", b=3, d=3, u=1)  # 3 counts as easy and high
    low = scored(org, "再検討の課題", b=2, d=5, u=1)
    unscored = add(org, "点数なしの課題", benefit=4)
    found = list(Challenge.objects.filter(organization=org))
    points, rest = triage.map_points(found, WEIGHTS)
    assert rest == [unscored]
    assert [p.challenge for p in points] == [quick, twin, strategic, edge, low]
    assert [str(p.priority) for p in points] == ["100.0", "100.0", "55.0", "30.0", "10.0"]
    by = {p.challenge: p for p in points}
    assert (by[quick].x, by[quick].y) == (1, 5)  # the first of a spot stays on it
    assert (by[twin].x, by[twin].y) != (1, 5)
    assert abs(by[twin].x - 1) <= 0.33 and abs(by[twin].y - 5) <= 0.33
    keys = {p.challenge.title: priority.QUADRANT_SLUGS[p.quadrant] for p in points}
    assert keys == {
        "すぐやる課題": "quick",
        "同じ点の課題": "quick",
        "戦略的な課題": "strategic",
        "真ん中の課題": "quick",
        "再検討の課題": "reconsider",
    }


# --- the page -----------------------------------------------------------------------------------


def test_the_page_draws_the_points_and_lists_them_by_quadrant():
    org = aoba()
    quick = scored(org, "すぐやる課題", b=5, d=1, u=5)
    filler = scored(org, "ついでの課題", b=1, d=2, u=2, field="福祉")
    unscored = add(org, "点数なしの課題")
    response = client_of("muni-admin-1").get(url("map"))
    assert "'unsafe-inline'" in response["Content-Security-Policy"]  # Plotly's own styles
    page = response.content.decode()
    assert '<script src="/static/vendor/plotly.min.js" defer></script>' in page
    chart = _chart(page)
    assert [p["title"] for p in chart["points"]] == ["すぐやる課題", "ついでの課題"]
    first = chart["points"][0]
    assert first == {
        "id": quick.pk,
        "title": "すぐやる課題",
        "x": 1,
        "y": 5,
        "benefit": 5,
        "difficulty": 1,
        "urgency": 5,
        "priority": 100.0,
        "quadrant": "すぐやる(効果大・易しい)",
        "department": "福祉課",
        "url": f"/o/992011/challenges/{quick.pk}/",
    }
    assert {q["slug"]: (q["x0"], q["x1"], q["y0"], q["y1"]) for q in chart["quadrants"]} == {
        "quick": (0.5, 3.5, 2.5, 5.5),
        "strategic": (3.5, 5.5, 2.5, 5.5),
        "filler": (0.5, 3.5, 0.5, 2.5),
        "reconsider": (3.5, 5.5, 0.5, 2.5),
    }
    assert f'<tr id="map-row-{quick.pk}" data-quadrant="quick">' in page
    assert f'<tr id="map-row-{filler.pk}" data-quadrant="filler">' in page
    assert f'<tr id="map-row-{unscored.pk}" data-quadrant="unscored">' in page
    assert "まだ点数がない課題" in page
    # no plan takes candidate measures yet: no checkboxes, and a word on why
    assert 'name="challenge"' not in page
    assert "施策の候補を入れられる計画(状態が「下書き」か「改定中」の計画)がありません。" in page
    # filtered by 分野: the other points are gone from the chart and the tables
    page = client_of("muni-admin-1").get(url("map"), {"field": "福祉"}).content.decode()
    assert [p["title"] for p in _chart(page)["points"]] == ["ついでの課題"]
    assert f"map-row-{quick.pk}" not in page


def test_the_chart_takes_its_words_from_the_page_and_filters_like_the_list():
    """map.js writes no Japanese of its own; a 分野 removed from the list still filters, as on
    the list page."""
    org = aoba()
    old = scored(org, "窓口の課題", field="窓口", dept=None)
    scored(org, "防災の課題", field="防災")
    services.save_settings(acting_user=admin_of(org), organization=org, fields=["防災"])
    client = client_of("muni-admin-1")
    chart = _chart(client.get(url("map")).content.decode())
    assert chart["labels"] == {
        "x": "難易度(左ほど易しい)",
        "y": "裨益性(上ほど効果が大きい)",
        "benefit": "裨益性",
        "difficulty": "難易度",
        "urgency": "緊急性",
        "priority": "優先度",
    }
    assert [p["department"] for p in chart["points"] if p["id"] == old.pk] == ["部署なし"]
    page = client.get(url("map"), {"field": "窓口"}).content.decode()
    assert [p["title"] for p in _chart(page)["points"]] == ["窓口の課題"]
    assert '<option value="窓口" selected>窓口</option>' in page
    listed = client.get(url("home"), {"field": "窓口"}).content.decode()
    assert "窓口の課題" in listed and "防災の課題" not in listed


def test_the_page_has_a_pinned_query_count(django_assert_num_queries):
    org = aoba()
    make_plan(org, measures=1)
    for i in range(3):
        scored(org, f"課題{i}")
    client = client_of("muni-admin-1")
    # session, user, the organization, memberships, wards, the settings, the departments, the
    # 分野 in use, the challenges (with departments and measures), the plans to choose from,
    # the demo flag
    with django_assert_num_queries(11):
        client.get(url("map"))
    for i in range(12):
        scored(org, f"追加{i}", b=1 + i % 5, d=1 + i % 4, dept=[None, "総務課"][i % 2])
    with django_assert_num_queries(11):
        page = client.get(url("map")).content.decode()
    assert len(_chart(page)["points"]) == 15


def test_the_prefecture_sees_only_shared_challenges_and_no_checkboxes():
    org = aoba()
    shared = scored(org, "共有した課題")
    scored(org, "共有していない課題")
    services.share(acting_user=admin_of(org), challenge=shared)
    page = client_of("pref-admin").get(url("map")).content.decode()
    assert [p["title"] for p in _chart(page)["points"]] == ["共有した課題"]
    assert "共有していない課題" not in page
    assert 'name="challenge"' not in page


# --- to plan measures ---------------------------------------------------------------------------


@pytest.fixture
def plan():
    return make_plan(aoba(), measures=1)


def _make(client, challenges, plan, **extra):
    data = {"challenge": [str(c.pk) for c in challenges], "plan": str(plan.pk)} | extra
    return client.post(url("map_measures"), data)


def test_selected_challenges_become_candidate_measures_of_the_plan(plan):
    org = aoba()
    welfare = scored(org, "福祉課の課題", dept="福祉課")
    orphan = scored(org, "部署のない課題", dept=None)
    general = department(org, "総務課")
    client = client_of("muni-admin-1")
    response = _make(client, [welfare, orphan], plan, **{f"owner-{orphan.pk}": str(general.pk)})
    assert response.status_code == 302
    assert response["Location"] == url("map") + "#measures"
    made = {m.source_ref: m for m in Measure.objects.filter(plan=plan, source_kind="challenge")}
    assert set(made) == {f"challenge:{welfare.pk}", f"challenge:{orphan.pk}"}
    assert made[f"challenge:{welfare.pk}"].owner_department.name == "福祉課"
    assert made[f"challenge:{orphan.pk}"].owner_department == general
    for challenge in (welfare, orphan):
        challenge.refresh_from_db()
        assert challenge.status == "measured"
        assert challenge.measure == made[f"challenge:{challenge.pk}"]
    page = client.get(response["Location"]).content.decode()
    assert "「福祉課の課題」を計画「DX推進計画」の施策の候補にしました(担当: 福祉課)。" in page
    measure = made[f"challenge:{welfare.pk}"]
    assert f'href="/o/992011/plans/measures/{measure.pk}/">福祉課の課題</a>' in page
    assert f'id="pick-{welfare.pk}"' not in page  # already a measure: not selectable again
    detail = client.get(f"/o/992011/plans/measures/{measure.pk}/")
    assert detail.status_code == 200 and "福祉課の課題" in detail.content.decode()


def test_one_owner_for_all_overrides_each_challenges_department(plan):
    org = aoba()
    challenge = scored(org, "福祉課の課題", dept="福祉課")
    general = department(org, "総務課")
    response = _make(client_of("muni-admin-1"), [challenge], plan, owner=str(general.pk))
    assert response.status_code == 302
    assert Measure.objects.get(source_ref=f"challenge:{challenge.pk}").owner_department == general


def test_nothing_is_made_when_any_challenge_cannot_be_and_each_one_is_reported(plan):
    org = aoba()
    fine = scored(org, "施策にできる課題", dept="福祉課")
    orphan = scored(org, "部署のない課題", dept=None)
    deferred = scored(org, "見送った課題", dept="福祉課")
    services.set_status(
        acting_user=admin_of(org), challenge=deferred, status="deferred", reason="予算がない"
    )
    measures, entries = Measure.objects.count(), AuditEntry.objects.count()
    response = _make(client_of("muni-admin-1"), [fine, orphan, deferred], plan)
    assert response.status_code == 400
    page = response.content.decode()
    assert "どの課題も施策にしていません" in page
    assert (
        "「施策にできる課題」: 施策にできます(ほかの課題の誤りのため、まだ作っていません)。" in page
    )
    assert "「部署のない課題」: <strong>部署がない課題です。" in page
    assert "「見送った課題」: <strong>「見送り」の課題は施策にできません。" in page
    assert (Measure.objects.count(), AuditEntry.objects.count()) == (measures, entries)
    assert Challenge.objects.get(pk=fine.pk).status == "candidate"
    # the selection is kept for the next try
    assert f'value="{fine.pk}" id="pick-{fine.pk}" checked' in page


def test_a_plan_without_policies_gets_one_for_candidates_from_challenges():
    from chiikidx.plans import services as plan_services

    org = aoba()
    plan = plan_services.create_plan(
        acting_user=admin_of(org), organization=org, title="新しい計画", start_fy=2025, end_fy=2028
    )
    first, second = scored(org, "一つ目"), scored(org, "二つ目")
    assert _make(client_of("muni-admin-1"), [first, second], plan).status_code == 302
    assert list(plan.policies.values_list("title", flat=True)) == ["課題からの候補"]
    assert {m.policy.title for m in plan.measures.all()} == {"課題からの候補"}


def test_a_plan_that_takes_no_candidates_is_refused(plan):
    challenge = scored(title="課題")
    Plan.objects.filter(pk=plan.pk).update(status=PlanStatus.GIKAI)
    response = _make(client_of("muni-admin-1"), [challenge], plan)
    assert response.status_code == 400
    assert "施策を入れる計画を選んでください(「下書き」か「改定中」の計画)。" in (
        response.content.decode()
    )
    nothing = client_of("muni-admin-1").post(url("map_measures"), {"plan": str(plan.pk)})
    assert "施策の候補にする課題を、表のチェックボックスで選んでください。" in (
        nothing.content.decode()
    )
    assert not Measure.objects.filter(source_kind="challenge").exists()


@pytest.mark.parametrize(
    ("username", "status"),
    [("dept-staff-1", 403), ("executive-1", 403), ("pref-admin", 403), ("muni-admin-2", 404)],
)
def test_only_those_who_change_the_plans_make_measures(plan, username, status):
    challenge = scored(title="課題")
    services.share(acting_user=admin_of(aoba()), challenge=challenge)
    assert _make(client_of(username), [challenge], plan).status_code == status
    assert not Measure.objects.filter(source_kind="challenge").exists()
