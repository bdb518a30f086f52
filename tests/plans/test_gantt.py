"""Dependency, 工程 and Gantt pages: forms, what-if without changes, applying a slip, query
counts."""

import datetime
import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from chiikidx.core.models import AuditEntry
from chiikidx.plans.models import Dependency, Measure, MeasureUpdate

from .sample import dated_plan as _dated_plan
from .sample import department, make_plan

pytestmark = pytest.mark.django_db

AOBA = "992011"
D = datetime.date


def _client(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def small(org_coded, admin):
    return _dated_plan(org_coded(AOBA), admin, 4)


def _state():
    dates = list(Measure.objects.order_by("pk").values_list("start_date", "deadline"))
    return dates, MeasureUpdate.objects.count(), AuditEntry.objects.count()


def test_schedule_page_shows_the_critical_path_and_the_rules(small, admin):
    plan, _measures = small
    page = _client(admin).get(reverse("plans:schedule", args=[AOBA, plan.pk])).content.decode()
    assert "★ M2 施策3 → M3 施策4" in page  # the last chain ends last
    assert "令和7年4月1日" in page and "余裕日数" in page
    assert "余裕日数 = 最遅開始日 − 最早開始日" in page  # the rules in words
    assert page.count("✓") == 2


def test_what_if_on_the_page_changes_nothing_and_the_slip_is_applied_by_post(small, admin):
    plan, measures = small
    client = _client(admin)
    url = reverse("plans:schedule", args=[AOBA, plan.pk])
    before = _state()
    page = client.get(url, {"measure": measures[0].pk, "days": 10}).content.decode()
    assert _state() == before
    moves = page[page.index('id="impact-moves"') : page.index('id="impact-deadlines"')]
    assert "M0 施策1" in moves and "M1 施策2" in moves and "M2" not in moves
    assert "10日超過" in page and "この遅れを反映する" in page
    missing = client.post(
        reverse("plans:slip", args=[AOBA, plan.pk]),
        {"measure": measures[0].pk, "days": 10, "reason": ""},
    )
    assert missing.status_code == 400 and _state() == before
    refused = missing.content.decode()
    assert 'class="field__error"' in refused
    assert 'id="impact-moves"' in refused  # the impact is shown again beside the error
    response = client.post(
        reverse("plans:slip", args=[AOBA, plan.pk]),
        {"measure": measures[0].pk, "days": 10, "reason": "入札不調のため再公告"},
    )
    assert response.status_code == 302
    moved = Measure.objects.filter(updates__comment__contains="入札不調").distinct()
    assert set(moved) == {measures[0], measures[1]}
    first = Measure.objects.get(pk=measures[0].pk)
    assert first.start_date == D(2025, 4, 11)


def test_executive_sees_the_pages_but_may_not_change(small, user_named):
    plan, measures = small
    client = _client(user_named("executive-1"))
    schedule = reverse("plans:schedule", args=[AOBA, plan.pk])
    page = client.get(schedule, {"measure": measures[0].pk, "days": 3}).content.decode()
    assert "日程が動く施策" in page and "この遅れを反映する</button>" not in page
    assert client.get(reverse("plans:gantt", args=[AOBA, plan.pk])).status_code == 200
    before = _state()
    slip = {"measure": measures[0].pk, "days": 3, "reason": "遅延"}
    assert client.post(reverse("plans:slip", args=[AOBA, plan.pk]), slip).status_code == 403
    add = {"predecessor": measures[2].pk, "kind": "fs", "lag_days": 0}
    url = reverse("plans:dependency_new", args=[AOBA, measures[1].pk])
    assert client.post(url, add).status_code == 403
    measure_page = client.get(reverse("plans:measure", args=[AOBA, measures[1].pk]))
    assert "先行施策を追加" not in measure_page.content.decode()
    assert _state() == before


def test_department_staff_add_links_to_their_own_measures_only(small, org_coded, admin, user_named):
    _plan, measures = small
    org = org_coded(AOBA)
    others = make_plan(org, admin, title="別の計画", measures=1, owner=department(org, "住民課"))
    foreign = others.measures.get()
    staff = _client(user_named("dept-staff-1"))  # 福祉課 owns `measures`
    own_url = reverse("plans:dependency_new", args=[AOBA, measures[3].pk])
    response = staff.post(own_url, {"predecessor": foreign.pk, "kind": "blocks", "lag_days": 0})
    assert response.status_code == 302
    link = Dependency.objects.get(successor=measures[3], predecessor=foreign)
    page = staff.get(reverse("plans:measure", args=[AOBA, measures[3].pk])).content.decode()
    assert "依存関係" in page and "完了待ち(ゲート)" in page and "他の計画" in page
    theirs = reverse("plans:dependency_new", args=[AOBA, foreign.pk])
    assert staff.post(theirs, {"predecessor": measures[0].pk, "kind": "fs"}).status_code == 403
    delete = reverse("plans:dependency_delete", args=[AOBA, measures[3].pk, link.pk])
    assert staff.post(delete).status_code == 302
    assert not Dependency.objects.filter(pk=link.pk).exists()


def test_a_cycle_through_the_page_is_named(small, admin):
    _plan, measures = small
    client = _client(admin)
    response = client.post(
        reverse("plans:dependency_new", args=[AOBA, measures[0].pk]),
        {"predecessor": measures[1].pk, "kind": "fs", "lag_days": 0},
        follow=True,
    )
    assert "依存関係が循環しています: M0 施策1 → M1 施策2 → M0 施策1。" in (
        response.content.decode()
    )


def _chart(page: str) -> dict:
    found = re.search(r'<script id="gantt-data" type="application/json">(.*?)</script>', page)
    return json.loads(found.group(1))


def test_gantt_draws_bars_arrows_quarters_and_a_table(small, admin):
    plan, _measures = small
    client = _client(admin)
    response = client.get(reverse("plans:gantt", args=[AOBA, plan.pk]))
    page = response.content.decode()
    assert "vendor/plotly.min.js" in page and "plans/gantt.js" in page
    assert "style-src" in response["Content-Security-Policy"]
    chart = _chart(page)
    labels = [b["label"] for b in chart["bars"]]
    assert labels == ["M0 施策1", "M1 施策2", "★ M2 施策3", "★ M3 施策4"]
    assert [b["status_label"] for b in chart["bars"]] == ["未着手"] * 4
    assert all("状況: 未着手" in b["hover"] for b in chart["bars"])
    assert len(chart["arrows"]) == 2 and [a["critical"] for a in chart["arrows"]] == [False, True]
    assert chart["ticks"]["text"][:2] == ["令和7年度 Q1", "Q2"]
    assert chart["today"]
    table = page[page.index('id="gantt-table"') :]
    assert "★ " in table and "未着手" in table
    filtered = client.get(reverse("plans:gantt", args=[AOBA, plan.pk]), {"status": "done"})
    assert "gantt-data" not in filtered.content.decode()


def test_gantt_and_schedule_query_counts_do_not_grow_with_measures(
    org_coded, admin, django_assert_max_num_queries, django_assert_num_queries
):
    org = org_coded(AOBA)
    client = _client(admin)
    small_plan, _ = _dated_plan(org, admin, 4)
    big_plan, _ = _dated_plan(org, admin, 50)
    for name in ["plans:gantt", "plans:schedule"]:
        client.get(reverse(name, args=[AOBA, small_plan.pk]))  # warm the session
        counts = []
        for plan in (small_plan, big_plan):
            with django_assert_max_num_queries(14) as captured:
                assert client.get(reverse(name, args=[AOBA, plan.pk])).status_code == 200
            counts.append(len(captured.captured_queries))
        assert counts[0] == counts[1], name
