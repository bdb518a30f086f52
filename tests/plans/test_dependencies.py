"""Dependencies through the services: cycles, organizations, permissions, what-if, apply_slip."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from chiikidx.core.models import AuditEntry
from chiikidx.core.services import ServiceError
from chiikidx.plans import services
from chiikidx.plans.models import Dependency, Measure, MeasureUpdate

from .sample import department, make_plan

pytestmark = pytest.mark.django_db

AOBA, WAKABA = "992011", "993018"
D = datetime.date


def _dates(plan, *spans):
    """Give the plan's measures (in order) start and deadline dates."""
    measures = list(plan.measures.order_by("pk"))
    for measure, (start, end) in zip(measures, spans, strict=True):
        Measure.objects.filter(pk=measure.pk).update(start_date=start, deadline=end)
    return list(plan.measures.order_by("pk"))


def _link(user, p, s, kind="fs", lag=0):
    return services.add_dependency(
        acting_user=user, predecessor=p, successor=s, kind=kind, lag_days=lag
    )


@pytest.fixture
def chain(org_coded, admin):
    """あおば市: A (4/1–4/30) → B (5/1–5/31) → C (6/1–6/30), D (4/1–12/31) on its own."""
    plan = make_plan(
        org_coded(AOBA), admin, measures=4, owner=department(org_coded(AOBA), "福祉課")
    )
    a, b, c, d = _dates(
        plan,
        (D(2025, 4, 1), D(2025, 4, 30)),
        (D(2025, 5, 1), D(2025, 5, 31)),
        (D(2025, 6, 1), D(2025, 6, 30)),
        (D(2025, 4, 1), D(2025, 12, 31)),
    )
    _link(admin, a, b, lag=1)
    _link(admin, b, c, lag=1)
    return plan, a, b, c, d


def test_a_cycle_is_refused_with_the_engines_message(chain, admin):
    _plan, a, _b, c, _d = chain
    before = AuditEntry.objects.count()
    with pytest.raises(ServiceError) as refused:
        _link(admin, c, a)
    assert str(refused.value) == (
        "依存関係が循環しています: 施策1 → 施策2 → 施策3 → 施策1。"
        "どれか1つの依存関係を外してください。"
    )
    assert Dependency.objects.count() == 2
    assert AuditEntry.objects.count() == before


def test_other_refusals_are_sentences_in_japanese(chain, admin):
    _plan, a, b, _c, _d = chain
    with pytest.raises(ServiceError, match="すでにあります"):
        _link(admin, a, b)
    with pytest.raises(ServiceError, match="自分自身に依存できません"):
        _link(admin, a, a)
    with pytest.raises(ServiceError, match="完了待ちの依存関係には日数のずれを指定できません"):
        _link(admin, b, a, kind="blocks", lag=3)


def test_another_organizations_measure_is_refused(chain, org_coded, admin):
    _plan, a, *_ = chain
    other = make_plan(org_coded(WAKABA), measures=1).measures.get()
    with pytest.raises(ServiceError, match="別の団体の施策とは依存関係を結べません"):
        _link(admin, other, a)


def test_a_link_to_another_plan_of_the_organization_is_in_the_schedule(chain, admin, org_coded):
    plan, a, _b, c, _d = chain
    other_plan = make_plan(org_coded(AOBA), admin, title="スマートシティ構想", measures=1)
    (x,) = _dates(other_plan, (D(2025, 4, 1), D(2025, 12, 31)))
    _link(admin, x, c, lag=1)  # C waits for X of the other plan: 令和8年1月1日–1月30日
    found = services.schedule_of(plan)
    assert found.external == {x.pk}
    row = {r.measure.pk: r for r in found.rows}
    assert row[x.pk].external
    assert row[c.pk].computed.earliest_start == D(2026, 1, 1)
    assert row[c.pk].computed.earliest_finish == D(2026, 1, 30)
    assert row[c.pk].days_late == 214
    assert found.result.critical_paths == [[x.pk, c.pk]]
    assert not row[a.pk].computed.critical and row[a.pk].computed.slack_days > 0


def test_the_schedule_follows_lags_and_marks_the_critical_path(chain):
    plan, a, b, c, d = chain
    found = services.schedule_of(plan)
    row = {r.measure.pk: r.computed for r in found.rows}
    assert row[b.pk].earliest_start == D(2025, 5, 1)  # 4/30 + 1 day
    assert row[c.pk].earliest_start == D(2025, 6, 1)
    assert row[d.pk].critical and row[d.pk].slack_days == 0
    assert row[a.pk].slack_days == (D(2025, 12, 31) - D(2025, 6, 30)).days
    assert found.result.critical_paths == [[d.pk]]


def _db_state():
    measures = list(Measure.objects.order_by("pk").values_list("pk", "start_date", "deadline"))
    return measures, MeasureUpdate.objects.count(), AuditEntry.objects.count()


def test_what_if_lists_the_moves_and_changes_nothing(chain):
    plan, a, b, c, _d = chain
    before = _db_state()
    impact = services.what_if(plan, a, 10)
    assert _db_state() == before
    assert [m.id for m in impact.moves] == [a.pk, b.pk, c.pk]
    assert [m.shift_days for m in impact.moves] == [10, 10, 10]
    assert [x.id for x in impact.broken_deadlines] == [a.pk, b.pk, c.pk]
    assert impact.broken_deadlines[2].days_late == 10


def test_apply_slip_moves_exactly_the_measures_of_the_what_if_and_audits_them(chain, admin):
    plan, a, b, c, d = chain
    _link(admin, d, c, kind="ss", lag=0)  # D starts 4/1: C's start is not set by it
    impact = services.what_if(plan, b, 5)
    moved = {m.id: m for m in impact.moves}
    assert set(moved) == {b.pk, c.pk}
    untouched = {m.pk: (m.start_date, m.deadline) for m in (a, d)}
    entries = AuditEntry.objects.count()
    services.apply_slip(acting_user=admin, plan=plan, measure=b, days=5, reason="入札不調")
    for m in Measure.objects.filter(pk__in=moved):
        assert (m.start_date, m.deadline) == (moved[m.pk].new_start, moved[m.pk].new_finish)
        log = m.updates.get()
        assert "入札不調" in log.comment and "5日" in log.comment and log.by == admin
    for m in Measure.objects.filter(pk__in=untouched):
        assert (m.start_date, m.deadline) == untouched[m.pk]
        assert not m.updates.exists()
    assert AuditEntry.objects.count() >= entries + 4  # two measures and two log entries
    assert services.what_if(plan, b, 0).moves == []


def test_apply_slip_needs_a_reason_and_the_right_to_change(chain, user_named):
    plan, a, *_ = chain
    before = _db_state()
    with pytest.raises(ServiceError, match="理由を入力してください"):
        services.apply_slip(
            acting_user=user_named("muni-admin-1"), plan=plan, measure=a, days=3, reason=" "
        )
    with pytest.raises(ServiceError, match="権限がありません"):
        services.apply_slip(
            acting_user=user_named("executive-1"), plan=plan, measure=a, days=3, reason="遅延"
        )
    assert _db_state() == before


def test_department_staff_link_only_their_own_measures(org_coded, admin, user_named):
    org = org_coded(AOBA)
    staff = user_named("dept-staff-1")  # 福祉課
    own = make_plan(org, admin, measures=1, owner=department(org, "福祉課")).measures.get()
    other_dept = department(org, "住民課")
    others = make_plan(org, admin, title="別計画", measures=1, owner=other_dept).measures.get()
    link = _link(staff, others, own)  # their measure waits for another's: allowed
    with pytest.raises(ServiceError, match="担当部署の職員と計画の担当者だけです"):
        _link(staff, own, others)
    with pytest.raises(ServiceError, match="担当部署の職員と計画の担当者だけです"):
        _link(user_named("executive-1"), others, own)
    with pytest.raises(ServiceError):
        services.remove_dependency(acting_user=user_named("executive-1"), dependency=link)
    link_id = link.pk
    services.remove_dependency(acting_user=staff, dependency=link)
    assert not Dependency.objects.exists()
    audited = AuditEntry.objects.filter(model_label="plans.Dependency", object_id=str(link_id))
    assert set(audited.values_list("action", "actor__username")) == {
        ("create", "dept-staff-1"),
        ("delete", "dept-staff-1"),
    }
    assert audited.first().organization == org


def test_department_staff_may_not_apply_a_slip_even_to_their_own_measures(chain, user_named):
    plan, a, *_ = chain  # owned by 福祉課, dept-staff-1's department
    before = _db_state()
    with pytest.raises(ServiceError, match="権限がありません"):
        services.apply_slip(
            acting_user=user_named("dept-staff-1"), plan=plan, measure=a, days=3, reason="遅延"
        )
    assert _db_state() == before


def test_a_revision_copies_the_links_between_its_measures(chain, admin):
    plan, a, b, c, _d = chain
    plan.status = "honbu"
    plan.save()
    new = services.revise_plan(acting_user=admin, plan=plan, note="見直し")
    copies = {m.origin: m for m in new.measures.all()}
    links = {
        (d.predecessor_id, d.successor_id, d.lag_days)
        for d in Dependency.objects.filter(successor__plan=new)
    }
    assert links == {(copies[a.pk].pk, copies[b.pk].pk, 1), (copies[b.pk].pk, copies[c.pk].pk, 1)}
    assert (
        Dependency.objects.filter(successor__plan=plan).count() == 2
    )  # the old version keeps its links


def test_the_links_of_a_superseded_version_stay_as_they_were(chain, admin, user_named):
    plan, a, b, c, d = chain
    plan.status = "honbu"
    plan.save()
    services.revise_plan(acting_user=admin, plan=plan)
    with pytest.raises(ServiceError, match="改定前の版"):
        _link(admin, d, c)
    link = Dependency.objects.get(predecessor=a, successor=b)
    client = Client()
    client.force_login(user_named("muni-admin-1"))
    url = reverse("plans:dependency_delete", args=[AOBA, b.pk, link.pk])
    page = client.post(url, follow=True).content.decode()
    assert "改定前の版" in page
    assert Dependency.objects.filter(pk=link.pk).exists()
