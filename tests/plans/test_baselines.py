"""Baselines: the snapshot, the comparison (hand-built cases), the page and its permissions."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chiikidx.core.models import AuditEntry
from chiikidx.core.services import ServiceError
from chiikidx.plans import baselines, services
from chiikidx.plans.baselines import State, compare
from chiikidx.plans.choices import PlanStatus
from chiikidx.plans.models import Baseline, Plan

from .sample import admin_of, department, make_plan

pytestmark = pytest.mark.django_db

AOBA = "992011"


def _m(key, **fields):
    base = {
        "id": key,
        "key": key,
        "code": "",
        "title": f"施策{key}",
        "policy": "1 行政手続のDX",
        "owner_department": "企画課",
        "responsible": "",
        "start_date": "2025-04-01",
        "deadline": "2026-03-31",
        "deliverable": "",
        "target_level": "",
        "status": "on_track",
        "progress": 20,
        "weight": "1",
        "kind": "normal",
        "budgets": {"2025": [1_000_000, None]},
    }
    return base | fields


def _state(label, *measures):
    return State(label, {"measures": list(measures)})


def test_added_removed_and_changed_measures_by_id():
    a = _state("議会承認時", _m(1), _m(2), _m(3))
    b = _state("現在", _m(1), _m(2, title="オンライン申請の拡充(改称)"), _m(4))
    c = compare(a, b)
    assert [m["id"] for m in c.added] == [4]
    assert [m["id"] for m in c.removed] == [3]
    assert [m.key for m in c.changed] == [2]  # renamed: changed, not removed and added
    assert c.unchanged == 1
    (change,) = c.changed
    assert [(f.label, f.before, f.after) for f in change.fields] == [
        ("名称", "施策2", "オンライン申請の拡充(改称)")
    ]


def test_date_progress_and_budget_drift():
    a = _state("前", _m(1, budgets={"2025": [1_000_000, None], "2026": [500_000, None]}))
    b = _state(
        "後",
        _m(
            1,
            start_date="2025-03-20",  # 12 days earlier
            deadline="2026-05-15",  # 45 days later
            progress=35,
            status="delayed",
            budgets={"2025": [1_200_000, 900_000], "2027": [300_000, None]},
        ),
    )
    (change,) = compare(a, b).changed
    assert change.start_drift == -12 and change.start.text == "−12日 前倒し"
    assert change.deadline_drift == 45 and change.deadline.text == "+45日 遅れ"
    assert change.deadline.style == "off"
    assert change.progress_drift == 15 and "進んだ" in change.progress.text
    drifts = [(d.fiscal_year, d.before, d.after, d.drift) for d in change.budgets]
    assert drifts == [
        (2025, 1_000_000, 1_200_000, 200_000),
        (2026, 500_000, 0, -500_000),
        (2027, 0, 300_000, 300_000),
    ]
    assert change.budget_drift == 0 and change.budget.text == "±0円"
    fields = {f.label: (f.before, f.after) for f in change.fields}
    assert fields["状況"] == ("順調", "遅延")
    assert fields["期限"] == ("令和8年3月31日", "令和8年5月15日")


def test_total_budget_drift_counts_added_and_removed_measures():
    a = _state("前", _m(1), _m(2, budgets={"2025": [400_000, None]}))
    b = _state("後", _m(1), _m(3, budgets={"2026": [250_000, None]}))
    c = compare(a, b)
    assert (c.budget_before, c.budget_after, c.budget_drift) == (1_400_000, 1_250_000, -150_000)
    assert c.budget.text == "−150,000円 減"


def test_only_an_actual_amount_changed_still_counts_as_changed():
    a = _state("前", _m(1))
    b = _state("後", _m(1, budgets={"2025": [1_000_000, 990_000]}))
    (change,) = compare(a, b).changed
    assert change.budget_drift == 0
    assert change.fields[0].label == "決算額"


@pytest.fixture
def aoba_plan(org_coded):
    org = org_coded(AOBA)
    return make_plan(org, measures=3, owner=department(org, "福祉課"))


def test_snapshot_holds_plan_policies_measures_and_budgets(aoba_plan):
    user = admin_of(aoba_plan.organization)
    measure = aoba_plan.measures.first()
    services.save_measure(
        acting_user=user, plan=aoba_plan, measure=measure, budgets={2025: (1_500_000, None)}
    )
    data = baselines.snapshot(aoba_plan)
    assert data["plan"]["title"] == aoba_plan.title and data["plan"]["version"] == 1
    assert [p["title"] for p in data["policies"]] == ["行政手続のDX"]
    first = next(m for m in data["measures"] if m["id"] == measure.pk)
    assert first["owner_department"] == "福祉課"
    assert first["deadline"] == "2026-03-31"
    assert first["budgets"] == {"2025": [1_500_000, None]}


def test_current_plan_against_its_baseline_and_baseline_against_baseline(aoba_plan):
    user = admin_of(aoba_plan.organization)
    approved = services.take_baseline(acting_user=user, plan=aoba_plan, label="議会承認時")
    first, second, third = aoba_plan.measures.order_by("pk")
    services.save_measure(
        acting_user=user,
        plan=aoba_plan,
        measure=first,
        deadline=datetime.date(2026, 6, 30),
        budgets={2025: (2_000_000, None)},
    )
    third.delete()
    services.save_measure(
        acting_user=user,
        plan=aoba_plan,
        policy=aoba_plan.policies.first(),
        title="新しい施策",
        owner_department=first.owner_department,
    )
    midyear = services.take_baseline(acting_user=user, plan=aoba_plan, label="年度中間")
    services.update_progress(acting_user=user, measure=second, status="on_track", progress=40)

    now = compare(approved, aoba_plan)
    assert [m["title"] for m in now.added] == ["新しい施策"]
    assert [m["title"] for m in now.removed] == ["施策3"]
    assert {c.title for c in now.changed} == {"施策1", "施策2"}
    one = next(c for c in now.changed if c.title == "施策1")
    assert one.deadline_drift == 91 and one.budget_drift == 2_000_000

    between = compare(approved, midyear)
    assert [c.title for c in between.changed] == ["施策1"]  # the progress came later
    later = compare(midyear, aoba_plan)
    assert [c.title for c in later.changed] == ["施策2"]
    assert later.changed[0].progress_drift == 40 and not later.added and not later.removed


def test_reaching_gikai_takes_a_baseline_labelled_by_the_step(aoba_plan):
    user = admin_of(aoba_plan.organization)
    day = datetime.date(2026, 3, 19)
    for status in (PlanStatus.GENKA, PlanStatus.HONBU):
        services.advance_plan(
            acting_user=user, plan=aoba_plan, to_status=status, decided_on=day, decided_by="会議"
        )
    assert not Baseline.objects.filter(plan=aoba_plan).exists()
    services.advance_plan(
        acting_user=user,
        plan=aoba_plan,
        to_status=PlanStatus.GIKAI,
        decided_on=day,
        decided_by="市議会",
        with_baseline=True,
    )
    (taken,) = Baseline.objects.filter(plan=aoba_plan)
    assert taken.label == "議会報告・承認(令和8年3月19日)"
    assert taken.taken_by == user and len(taken.snapshot["measures"]) == 3
    assert AuditEntry.objects.filter(model_label="plans.Baseline", object_id=str(taken.pk)).exists()


def test_the_step_form_offers_the_baseline_checked(aoba_plan, user_named):
    client = Client()
    client.force_login(user_named("muni-admin-1"))
    Plan.objects.filter(pk=aoba_plan.pk).update(status=PlanStatus.HONBU)
    url = reverse("plans:plan_advance", args=[AOBA, aoba_plan.pk])
    page = client.get(url).content.decode()
    assert 'name="with_baseline"' in page and "checked" in page
    response = client.post(
        url,
        {
            "to_status": "gikai",
            "decided_on": "令和8年3月19日",
            "decided_by": "市議会",
            "with_baseline": "on",
        },
    )
    assert response.status_code == 302
    assert Baseline.objects.get(plan=aoba_plan).label.startswith("議会報告・承認")


def test_only_changers_take_baselines(aoba_plan, user_named):
    with pytest.raises(ServiceError):
        services.take_baseline(acting_user=user_named("executive-1"), plan=aoba_plan, label="x")
    url = reverse("plans:baseline_new", args=[AOBA, aoba_plan.pk])
    for username in ("executive-1", "dept-staff-1"):
        client = Client()
        client.force_login(user_named(username))
        assert client.post(url, {"label": "議会承認時"}).status_code == 403
    assert not Baseline.objects.exists()
    client = Client()
    client.force_login(user_named("muni-staff-1"))
    assert client.post(url, {"label": "議会承認時"}).status_code == 302
    assert Baseline.objects.get().label == "議会承認時"


def test_executives_see_the_compare_page(aoba_plan, user_named):
    services.take_baseline(
        acting_user=admin_of(aoba_plan.organization), plan=aoba_plan, label="議会承認時"
    )
    client = Client()
    client.force_login(user_named("executive-1"))
    page = client.get(reverse("plans:baselines", args=[AOBA, aoba_plan.pk])).content.decode()
    assert "議会承認時" in page and "変更のない施策" in page
    assert "ベースラインを保存" not in page  # no form for those who may not change the plan


def test_compare_page_query_count_does_not_grow_with_measures(aoba_plan, user_named):
    user = admin_of(aoba_plan.organization)
    services.take_baseline(acting_user=user, plan=aoba_plan, label="議会承認時")
    client = Client()
    client.force_login(user_named("muni-admin-1"))
    url = reverse("plans:baselines", args=[AOBA, aoba_plan.pk])

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    small = count()
    policy = aoba_plan.policies.first()
    owner = aoba_plan.measures.first().owner_department
    for i in range(10):
        services.save_measure(
            acting_user=user,
            plan=aoba_plan,
            policy=policy,
            title=f"追加{i}",
            owner_department=owner,
            budgets={2025: (i, None)},
        )
    services.take_baseline(acting_user=user, plan=aoba_plan, label="年度末")
    assert count() == small
    assert small <= 14, small


# --- revisions (改定) ---------------------------------------------------------------------


def _approved(plan):
    Plan.objects.filter(pk=plan.pk).update(status=PlanStatus.GIKAI)
    plan.refresh_from_db()
    return plan


def test_revision_copies_the_plan_and_keeps_the_old_version(aoba_plan):
    user = admin_of(aoba_plan.organization)
    first = aoba_plan.measures.order_by("pk").first()
    services.save_measure(
        acting_user=user, plan=aoba_plan, measure=first, budgets={2025: (500_000, 400_000)}
    )
    services.add_action(acting_user=user, measure=first, title="仕様書の作成")
    services.update_progress(acting_user=user, measure=first, status="on_track", progress=30)
    approved = services.take_baseline(acting_user=user, plan=_approved(aoba_plan), label="承認時")
    before = AuditEntry.objects.count()

    new = services.revise_plan(acting_user=user, plan=aoba_plan, note="中間見直し")

    assert (new.version, new.previous, new.status) == (2, aoba_plan, PlanStatus.REVISING)
    assert new.title == aoba_plan.title and new.start_fy == aoba_plan.start_fy
    assert [p.title for p in new.policies.all()] == ["行政手続のDX"]
    copies = list(new.measures.order_by("pk"))
    assert [m.title for m in copies] == ["施策1", "施策2", "施策3"]
    copy = copies[0]
    assert copy.pk != first.pk and copy.origin == first.pk and copy.progress == 30
    assert copy.policy.plan == new
    assert [(b.fiscal_year, b.planned_yen, b.actual_yen) for b in copy.budgets.all()] == [
        (2025, 500_000, 400_000)
    ]
    assert [a.title for a in copy.actions.all()] == ["仕様書の作成"]
    assert new.decisions.get().note == "中間見直し"
    assert AuditEntry.objects.count() > before  # every copied row is audited
    # the old version keeps its history and is read-only
    aoba_plan = Plan.objects.get(pk=aoba_plan.pk)
    assert aoba_plan.is_superseded and aoba_plan.next_version == new
    assert first.updates.count() == 1 and aoba_plan.baselines.get() == approved
    with pytest.raises(ServiceError, match="改定前の版"):
        services.update_plan(acting_user=user, plan=aoba_plan, title="変更")
    with pytest.raises(ServiceError, match="改定前の版"):
        services.update_progress(acting_user=user, measure=first, status="done", progress=100)
    with pytest.raises(ServiceError, match="改定前の版"):
        services.revise_plan(acting_user=user, plan=aoba_plan)
    # the old baseline still compares with the new version, measure by measure
    services.save_measure(acting_user=user, plan=new, measure=copy, title="施策1(改称)")
    c = compare(approved, new)
    assert not c.added and not c.removed
    assert [m.title for m in c.changed] == ["施策1(改称)"]


def test_a_draft_is_edited_not_revised(aoba_plan):
    with pytest.raises(ServiceError, match="下書き"):
        services.revise_plan(acting_user=admin_of(aoba_plan.organization), plan=aoba_plan)


def test_plan_page_shows_versions_and_the_old_one_links_to_the_new(aoba_plan, user_named):
    client = Client()
    client.force_login(user_named("muni-admin-1"))
    _approved(aoba_plan)
    url = reverse("plans:plan_revise", args=[AOBA, aoba_plan.pk])
    assert (
        "改定を始める"
        in client.get(reverse("plans:plan", args=[AOBA, aoba_plan.pk])).content.decode()
    )
    response = client.post(url, {"note": "中間見直し"})
    new = Plan.objects.get(previous=aoba_plan)
    assert response.status_code == 302 and response["Location"].endswith(f"/{new.pk}/")
    old_page = client.get(reverse("plans:plan", args=[AOBA, aoba_plan.pk])).content.decode()
    assert "改定前の版" in old_page
    assert reverse("plans:plan", args=[AOBA, new.pk]) in old_page
    assert "段階を進める" not in old_page and "改定を始める" not in old_page
    new_page = client.get(reverse("plans:plan", args=[AOBA, new.pk])).content.decode()
    assert "第2版" in new_page and "版の履歴" in new_page


def test_only_changers_revise(aoba_plan, user_named):
    _approved(aoba_plan)
    url = reverse("plans:plan_revise", args=[AOBA, aoba_plan.pk])
    for username in ("executive-1", "dept-staff-1"):
        client = Client()
        client.force_login(user_named(username))
        assert client.post(url).status_code == 403
    assert Plan.objects.filter(previous=aoba_plan).count() == 0


def test_writes_to_the_old_version_are_refused_with_a_message(aoba_plan, user_named):
    user = admin_of(aoba_plan.organization)
    measure = aoba_plan.measures.first()
    action = services.add_action(acting_user=user, measure=measure, title="仕様書")
    services.revise_plan(acting_user=user, plan=_approved(aoba_plan))
    client = Client()
    client.force_login(user_named("muni-admin-1"))
    before = AuditEntry.objects.count()
    posts = [
        (reverse("plans:action_new", args=[AOBA, measure.pk]), {"title": "追加"}),
        (reverse("plans:action_done", args=[AOBA, measure.pk, action.pk]), {"done": "1"}),
        (
            reverse("plans:measure_update", args=[AOBA, measure.pk]),
            {"status": "done", "progress": "100"},
        ),
        (reverse("plans:baseline_new", args=[AOBA, aoba_plan.pk]), {"label": "x"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 302, url
    assert AuditEntry.objects.count() == before


def test_my_measures_and_the_plan_list_after_a_revision(aoba_plan, user_named):
    from chiikidx.plans import queries

    new = services.revise_plan(
        acting_user=admin_of(aoba_plan.organization), plan=_approved(aoba_plan)
    )
    staff = user_named("dept-staff-1")
    assert {m.plan_id for m in queries.my_measures(staff, aoba_plan.organization)} == {new.pk}
    listed = list(queries.plans_of(aoba_plan.organization))
    assert [(p.pk, p.revised) for p in listed] == [(new.pk, False), (aoba_plan.pk, True)]
    client = Client()
    client.force_login(staff)
    page = client.get(reverse("plans:home", args=[AOBA])).content.decode()
    assert "第2版" in page and "改定前の版" in page
