"""Plan pages: status codes, 404 across organizations, the quick update, pinned query counts."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse

from chiikidx.core.models import AuditEntry
from chiikidx.plans import services
from chiikidx.plans.models import Measure, MeasureUpdate, Plan

from .sample import department, make_plan

pytestmark = pytest.mark.django_db

AOBA, WAKABA = "992011", "993018"


def _client(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def aoba_plan(org_coded):
    org = org_coded(AOBA)
    return make_plan(org, measures=2, owner=department(org, "福祉課"))


def test_pages_of_a_plan_render_for_its_staff(aoba_plan, user_named):
    client = _client(user_named("muni-admin-1"))
    measure = aoba_plan.measures.first()
    urls = [
        reverse("plans:home", args=[AOBA]),
        reverse("plans:plan_new", args=[AOBA]),
        reverse("plans:plan", args=[AOBA, aoba_plan.pk]),
        reverse("plans:plan_edit", args=[AOBA, aoba_plan.pk]),
        reverse("plans:plan_advance", args=[AOBA, aoba_plan.pk]),
        reverse("plans:policy_new", args=[AOBA, aoba_plan.pk]),
        reverse("plans:measure_new", args=[AOBA, aoba_plan.pk]),
        reverse("plans:measure", args=[AOBA, measure.pk]),
        reverse("plans:measure_edit", args=[AOBA, measure.pk]),
        reverse("plans:mine", args=[AOBA]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
    page = client.get(reverse("plans:plan", args=[AOBA, aoba_plan.pk])).content.decode()
    assert "令和7年度〜令和10年度" in page
    assert "中止" in page and "加重平均" in page  # the roll-up rule is written out
    assert "令和8年3月31日" in page


def test_another_organizations_plan_and_measure_are_404(aoba_plan, user_named):
    client = _client(user_named("muni-admin-2"))
    measure = aoba_plan.measures.first()
    for url in [
        reverse("plans:plan", args=[WAKABA, aoba_plan.pk]),
        reverse("plans:measure", args=[WAKABA, measure.pk]),
        reverse("plans:measure_edit", args=[WAKABA, measure.pk]),
    ]:
        assert client.get(url).status_code == 404
    before = AuditEntry.objects.count()
    response = client.post(
        reverse("plans:measure_update", args=[WAKABA, measure.pk]),
        {"status": "done", "progress": 100},
    )
    assert response.status_code == 404
    assert AuditEntry.objects.count() == before


def test_create_plan_with_wareki_years_and_renamed_levels(user_named):
    client = _client(user_named("muni-staff-1"))
    response = client.post(
        reverse("plans:plan_new", args=[AOBA]),
        {
            "title": "スマートシティ構想",
            "vision": "住み続けたいまち",
            "start_fy": "令和7年度",
            "end_fy": "R10",
            "sogo_keikaku": "第6次総合計画 基本目標3",
            "level_policy": "柱",
            "level_measure": "",
            "level_action": "",
        },
    )
    plan = Plan.objects.get(title="スマートシティ構想")
    assert response.status_code == 302
    assert (plan.start_fy, plan.end_fy) == (2025, 2028)
    assert plan.level_names == {"policy": "柱", "measure": "施策", "action": "取組"}
    bad = client.post(
        reverse("plans:plan_new", args=[AOBA]),
        {"title": "逆", "start_fy": "2028", "end_fy": "2025"},
    )
    assert bad.status_code == 400
    assert "終了年度は開始年度以降にしてください。" in bad.content.decode()


def test_advance_form_records_the_decision(aoba_plan, user_named):
    client = _client(user_named("muni-admin-1"))
    response = client.post(
        reverse("plans:plan_advance", args=[AOBA, aoba_plan.pk]),
        {"to_status": "genka", "decided_on": "令和7年5月20日", "decided_by": "庁議"},
    )
    assert response.status_code == 302
    aoba_plan.refresh_from_db()
    assert aoba_plan.status == "genka"
    decision = aoba_plan.decisions.get()
    assert decision.decided_on == datetime.date(2025, 5, 20)
    page = client.get(reverse("plans:plan", args=[AOBA, aoba_plan.pk])).content.decode()
    assert "令和7年5月20日" in page and "下書き → 原課合意" in page


def test_measure_form_saves_budgets_per_year(aoba_plan, user_named, org_coded):
    client = _client(user_named("muni-admin-1"))
    measure = aoba_plan.measures.first()
    data = {
        "policy": measure.policy_id,
        "title": "電子申請の拡充",
        "owner_department": measure.owner_department_id,
        "contributors": [department(org_coded(AOBA), "DX推進室").pk],
        "deadline": "令和9年3月31日",
        "weight": "2",
        "priority": "high",
        "status": "on_track",
        "progress": "25",
        "kind": "normal",
        "order": "1",
        "planned_2025": "1200000",
        "actual_2025": "1150000",
        "planned_2026": "3000000",
    }
    response = client.post(reverse("plans:measure_edit", args=[AOBA, measure.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    measure.refresh_from_db()
    assert measure.deadline == datetime.date(2027, 3, 31)
    assert list(measure.budgets.values_list("fiscal_year", "planned_yen", "actual_yen")) == [
        (2025, 1_200_000, 1_150_000),
        (2026, 3_000_000, None),
    ]
    page = client.get(reverse("plans:measure", args=[AOBA, measure.pk])).content.decode()
    assert "4,200,000円" in page and "令和7年度" in page


def test_dept_staff_quick_update_from_my_measures(aoba_plan, user_named, org_coded):
    org = org_coded(AOBA)
    other = make_plan(org, measures=1, owner=department(org, "税務課")).measures.get()
    client = _client(user_named("dept-staff-1"))
    mine = client.get(reverse("plans:mine", args=[AOBA]))
    page = mine.content.decode()
    assert mine.status_code == 200
    own = aoba_plan.measures.first()
    assert f'id="measure-{own.pk}"' in page and f'id="measure-{other.pk}"' not in page
    assert 'action="/o/992011/plans/measures/' in page
    response = client.post(
        reverse("plans:measure_update", args=[AOBA, own.pk]),
        {
            "status": "delayed",
            "progress": "35",
            "comment": "業者選定が遅れた",
            "next": "/o/992011/plans/mine/",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/o/992011/plans/mine/"
    own.refresh_from_db()
    assert (own.status, own.progress) == ("delayed", 35)
    assert MeasureUpdate.objects.get(measure=own).comment == "業者選定が遅れた"
    before = AuditEntry.objects.count()
    refused = client.post(
        reverse("plans:measure_update", args=[AOBA, other.pk]),
        {"status": "done", "progress": "100"},
    )
    assert refused.status_code == 403
    assert AuditEntry.objects.count() == before
    assert client.get(reverse("plans:measure_edit", args=[AOBA, own.pk])).status_code == 403


def test_three_clicks_from_home_to_an_update(aoba_plan, user_named):
    """Home → 「自分の作業」 → the delayed measure's row → 「更新」."""
    staff = user_named("dept-staff-1")
    measure = aoba_plan.measures.first()
    services.update_progress(acting_user=staff, measure=measure, status="delayed", progress=10)
    client = _client(staff)
    home = client.get("/", follow=True).content.decode()
    assert reverse("core:tasks") in home
    tasks = client.get(reverse("core:tasks")).content.decode()
    link = re.search(r'href="(/o/992011/plans/mine/#measure-\d+)"', tasks).group(1)
    assert link.endswith(f"#measure-{measure.pk}")
    mine = client.get(link.split("#")[0]).content.decode()
    assert f'id="measure-{measure.pk}"' in mine
    client.post(
        reverse("plans:measure_update", args=[AOBA, measure.pk]),
        {"status": "on_track", "progress": "40"},
    )
    measure.refresh_from_db()
    assert (measure.status, measure.progress) == ("on_track", 40)


def test_executive_views_without_update_forms(aoba_plan, user_named):
    client = _client(user_named("executive-1"))
    measure = aoba_plan.measures.first()
    page = client.get(reverse("plans:measure", args=[AOBA, measure.pk])).content.decode()
    assert "状況と進捗を更新する" not in page
    assert client.get(reverse("plans:plan_edit", args=[AOBA, aoba_plan.pk])).status_code == 403


def test_spawn_and_actions_through_pages(aoba_plan, user_named):
    admin = user_named("muni-admin-1")
    measure = aoba_plan.measures.first()
    services.save_measure(
        acting_user=admin, plan=aoba_plan, measure=measure, kind="poc", decision="adopt"
    )
    client = _client(admin)
    response = client.post(reverse("plans:measure_spawn", args=[AOBA, measure.pk]))
    follow_on = Measure.objects.get(spawned_from=measure)
    assert response["Location"] == reverse("plans:measure_edit", args=[AOBA, follow_on.pk])
    client.post(
        reverse("plans:action_new", args=[AOBA, measure.pk]),
        {"title": "仕様書作成", "due_on": "R7.9.30"},
    )
    action = measure.actions.get()
    staff = _client(user_named("dept-staff-1"))
    staff.post(reverse("plans:action_done", args=[AOBA, measure.pk, action.pk]), {"done": "1"})
    action.refresh_from_db()
    assert action.done and action.due_on == datetime.date(2025, 9, 30)


def _big_plan(org, user, count=30):
    plan = make_plan(org, user, measures=0)
    policies = [
        services.save_policy(acting_user=user, plan=plan, code=str(i), title=f"方針{i}")
        for i in range(3)
    ]
    depts = [department(org, "福祉課"), department(org, "税務課"), department(org, "DX推進室")]
    for i in range(count):
        services.save_measure(
            acting_user=user,
            plan=plan,
            policy=policies[i % 3],
            title=f"施策{i}",
            owner_department=depts[i % 3],
            contributors=depts[:2],
            progress=i * 3,
            budgets={2025: (1000 * i, None), 2026: (2000, 1500)},
        )
    return plan


def test_tree_and_my_measures_have_pinned_query_counts(
    user_named, org_coded, django_assert_max_num_queries
):
    admin = user_named("muni-admin-1")
    plan = _big_plan(org_coded(AOBA), admin)
    client = _client(admin)
    url = reverse("plans:plan", args=[AOBA, plan.pk])
    client.get(url)  # warm caches of the session and the shell
    with django_assert_max_num_queries(14):
        assert client.get(url).status_code == 200
    staff = _client(user_named("dept-staff-1"))
    mine = reverse("plans:mine", args=[AOBA])
    staff.get(mine)
    with django_assert_max_num_queries(12):
        response = staff.get(mine)
    assert response.content.decode().count('class="quick-update"') == 10
    measure = plan.measures.first()
    detail = reverse("plans:measure", args=[AOBA, measure.pk])
    # 16, and 1 each for the panels of other apps (core.panels): monitoring's reviews, logic
    # models and 費用対効果, and the challenges (課題) the measure came from
    with django_assert_max_num_queries(20):
        assert client.get(detail).status_code == 200
