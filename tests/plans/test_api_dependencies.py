"""The dependencies API: list and filters, create and delete through the services, with the
page's rights (原課担当 only for their department's waiting measure), Japanese refusals, 404 for
another organization's objects, and a fixed number of queries for the list."""

import datetime

import pytest
from rest_framework.test import APIClient

from chiikidx.core.models import AuditEntry
from chiikidx.plans import services
from chiikidx.plans.models import Dependency, Measure

from .sample import client_for, department, make_plan

pytestmark = pytest.mark.django_db

AOBA, WAKABA = "992011", "993018"
D = datetime.date
URL = "/api/v1/plan-dependencies/"


@pytest.fixture
def plan(org_coded, admin):
    """あおば市: 施策1 and 施策2 of 福祉課 (dept-staff-1's department), 施策3 of 企画課;
    施策2 waits for 施策1."""
    org = org_coded(AOBA)
    plan = make_plan(org, admin, measures=2, owner=department(org, "福祉課"))
    services.save_measure(
        acting_user=admin,
        plan=plan,
        policy=plan.policies.first(),
        title="施策3",
        owner_department=department(org, "企画課"),
    )
    first, second, _third = _measures(plan)
    services.add_dependency(acting_user=admin, predecessor=first, successor=second, lag_days=1)
    return plan


def _measures(plan):
    return list(Measure.objects.filter(plan=plan).order_by("pk"))


def _post(api, **data):
    return api.post(URL, data, format="json")


def _state():
    return (
        sorted(Dependency.objects.values_list("predecessor_id", "successor_id")),
        AuditEntry.objects.count(),
    )


def test_list_and_filters(plan, user_named, org_coded, admin):
    first, second, third = _measures(plan)
    other_plan = make_plan(org_coded(AOBA), admin, title="スマートシティ構想", measures=1)
    (x,) = _measures(other_plan)
    services.add_dependency(acting_user=admin, predecessor=x, successor=third)
    api = client_for(user_named, "pref-staff")  # the prefecture sees its municipalities' plans
    by_plan = api.get(URL, {"plan": plan.pk}).json()["results"]
    assert [(d["predecessor"], d["successor"]) for d in by_plan] == [
        (first.pk, second.pk),
        (x.pk, third.pk),
    ]
    link = by_plan[1]
    assert link["organization_code"] == AOBA
    assert (link["predecessor_title"], link["predecessor_plan"]) == ("施策1", other_plan.pk)
    assert (link["successor_title"], link["successor_plan"]) == ("施策3", plan.pk)
    assert (link["kind"], link["kind_label"], link["lag_days"]) == ("fs", "終了→開始", 0)
    by_other_plan = api.get(URL, {"plan": other_plan.pk}).json()["results"]
    assert [d["successor"] for d in by_other_plan] == [third.pk]
    by_measure = api.get(URL, {"measure": first.pk}).json()["results"]
    assert [d["successor"] for d in by_measure] == [second.pk]
    detail = api.get(f"{URL}{by_plan[0]['id']}/").json()
    assert detail["lag_days"] == 1 and detail["note"] == ""
    assert api.get(URL, {"kind": "ss"}).json()["count"] == 0
    assert api.get(URL, {"kind": "later"}).status_code == 400


def test_another_organizations_dependencies_are_404(plan, user_named):
    link = Dependency.objects.get(successor__plan=plan)
    first, second, _third = _measures(plan)
    before = _state()
    for username in ("muni-admin-2", "t-muni-admin-1"):
        api = client_for(user_named, username)
        assert api.get(URL, {"plan": plan.pk}).json()["results"] == []
        assert api.get(f"{URL}{link.pk}/").status_code == 404
        refused = api.delete(f"{URL}{link.pk}/")
        assert refused.status_code == 404
        assert refused.json()["detail"].startswith("指定されたものは見つかりません。")
        created = _post(api, predecessor=second.pk, successor=first.pk)
        assert created.status_code == 404
    assert _state() == before


def test_staff_create_and_delete_with_audit(plan, user_named):
    _first, second, third = _measures(plan)
    api = client_for(user_named, "muni-staff-1")
    created = _post(api, predecessor=second.pk, successor=third.pk, kind="ss", lag_days=-5)
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["predecessor"], body["successor"], body["kind"], body["lag_days"]) == (
        second.pk,
        third.pk,
        "ss",
        -5,
    )
    link = Dependency.objects.get(pk=body["id"])
    audited = AuditEntry.objects.filter(model_label="plans.Dependency", object_id=str(link.pk))
    assert list(audited.values_list("action", "actor__username")) == [("create", "muni-staff-1")]
    deleted = api.delete(f"{URL}{link.pk}/")
    assert deleted.status_code == 204
    assert not Dependency.objects.filter(pk=link.pk).exists()
    assert set(audited.values_list("action", "actor__username")) == {
        ("create", "muni-staff-1"),
        ("delete", "muni-staff-1"),
    }


def test_a_cycle_is_refused_naming_the_cycle(plan, user_named):
    first, second, _third = _measures(plan)
    before = _state()
    refused = _post(
        client_for(user_named, "muni-admin-1"), predecessor=second.pk, successor=first.pk
    )
    assert refused.status_code == 400
    assert refused.json() == {
        "detail": "依存関係が循環しています: 施策1 → 施策2 → 施策1。"
        "どれか1つの依存関係を外してください。"
    }
    assert _state() == before


def test_a_link_to_another_plan_of_the_organization_is_allowed(plan, org_coded, user_named):
    other = make_plan(org_coded(AOBA), title="スマートシティ構想", measures=1)
    (x,) = _measures(other)
    first, *_ = _measures(plan)
    created = _post(client_for(user_named, "muni-staff-1"), predecessor=x.pk, successor=first.pk)
    assert created.status_code == 201
    assert created.json()["predecessor_plan"] == other.pk


@pytest.mark.parametrize(
    ("data", "detail"),
    [
        ({}, "successor に、待つ側の施策(後続施策)のIDを指定してください。"),
        ({"successor": "三"}, "successor に、待つ側の施策(後続施策)のIDを指定してください。"),
        (
            {"successor": "third"},
            "predecessor に、待たれる施策(先行施策)のIDを指定してください。"
            "先行施策は後続施策と同じ団体の計画の施策から選びます。",
        ),
        (
            {"successor": "third", "predecessor": "wakaba"},
            "predecessor に、待たれる施策(先行施策)のIDを指定してください。"
            "先行施策は後続施策と同じ団体の計画の施策から選びます。",
        ),
        (
            {"successor": "third", "predecessor": "first", "kind": "ff"},
            "依存関係の種類(kind)は fs(終了→開始)・ss(開始→開始)・blocks(完了待ち(ゲート))"
            " のどれかにしてください。",
        ),
        (
            {"successor": "third", "predecessor": "first", "lag_days": "3日"},
            "ずれ(lag_days)は-3650〜3650の整数(日)で指定してください。",
        ),
        (
            {"successor": "third", "predecessor": "first", "lag_days": 4000},
            "ずれ(lag_days)は-3650〜3650の整数(日)で指定してください。",
        ),
        (
            {"successor": "third", "predecessor": "first", "note": "あ" * 201},
            "メモは200文字以内で入力してください。",
        ),
        (
            {"successor": "third", "predecessor": "first", "kind": "blocks", "lag_days": 2},
            "完了待ちの依存関係には日数のずれを指定できません。"
            "0日にするか、終了→開始にしてください。",
        ),
        (
            {"successor": "third", "predecessor": "third"},
            "施策は自分自身に依存できません。別の施策を選んでください。",
        ),
        (
            {"successor": "second", "predecessor": "first"},
            "「施策1」→「施策2」の依存関係はすでにあります。変更するには一度外してください。",
        ),
    ],
)
def test_bad_input_is_a_japanese_400_and_saves_nothing(plan, org_coded, user_named, data, detail):
    first, second, third = _measures(plan)
    wakaba = make_plan(org_coded(WAKABA), measures=1).measures.get()
    ids = {"first": first.pk, "second": second.pk, "third": third.pk, "wakaba": wakaba.pk}
    data = {k: ids.get(v, v) if isinstance(v, str) else v for k, v in data.items()}
    before = _state()
    answer = _post(client_for(user_named, "muni-staff-1"), **data)
    assert answer.status_code == 400
    assert answer.json() == {"detail": detail}
    assert _state() == before


def test_department_staff_change_only_what_their_departments_measures_wait_for(plan, user_named):
    first, second, third = _measures(plan)  # 施策1・2: 福祉課 (dept-staff-1), 施策3: 企画課
    api = client_for(user_named, "dept-staff-1")
    # their measure may wait for another department's measure
    own = _post(api, predecessor=third.pk, successor=first.pk)
    assert own.status_code == 201, own.json()
    # another department's measure may not be made to wait (as the page refuses it: 403)
    before = _state()
    refused = _post(api, predecessor=first.pk, successor=third.pk)
    assert refused.status_code == 403
    assert refused.json() == {
        "detail": "この依存関係を変更できるのは、後続の施策「施策3」の担当部署の職員と"
        "計画の担当者だけです。"
    }
    assert _state() == before
    # deleting: only links whose waiting measure is theirs
    theirs = Dependency.objects.get(successor=first)
    admin = user_named("muni-admin-1")
    fourth = services.save_measure(
        acting_user=admin,
        plan=plan,
        policy=plan.policies.first(),
        title="施策4",
        owner_department=third.owner_department,
    )
    foreign = services.add_dependency(acting_user=admin, predecessor=second, successor=fourth)
    before = _state()
    assert api.delete(f"{URL}{foreign.pk}/").status_code == 403
    assert _state() == before
    assert api.delete(f"{URL}{theirs.pk}/").status_code == 204
    assert not Dependency.objects.filter(pk=theirs.pk).exists()


@pytest.mark.parametrize("username", ["executive-1", "liaison", "pref-staff"])
def test_viewers_without_change_rights_are_refused(plan, user_named, username):
    first, _second, third = _measures(plan)
    link = Dependency.objects.get(successor__plan=plan)
    api = client_for(user_named, username)
    before = _state()
    assert api.get(f"{URL}{link.pk}/").status_code == 200
    assert _post(api, predecessor=first.pk, successor=third.pk).status_code == 403
    assert api.delete(f"{URL}{link.pk}/").status_code == 403
    assert _state() == before


def test_a_superseded_version_is_read_only(plan, admin, user_named):
    plan.status = "honbu"
    plan.save()
    services.revise_plan(acting_user=admin, plan=plan)
    first, _second, third = _measures(plan)
    link = Dependency.objects.get(successor__plan=plan)
    api = client_for(user_named, "muni-admin-1")
    before = _state()
    created = _post(api, predecessor=first.pk, successor=third.pk)
    assert created.status_code == 400
    assert "改定前の版" in created.json()["detail"]
    deleted = api.delete(f"{URL}{link.pk}/")
    assert deleted.status_code == 400 and "改定前の版" in deleted.json()["detail"]
    assert _state() == before


def test_anonymous_is_refused(plan):
    first, _second, third = _measures(plan)
    assert APIClient().get(URL).status_code in (401, 403)
    assert APIClient().post(URL, {"predecessor": first.pk, "successor": third.pk}).status_code in (
        401,
        403,
    )


def test_list_query_count_does_not_grow(
    plan, org_coded, admin, user_named, django_assert_num_queries
):
    api = client_for(user_named, "pref-staff")
    api.get(URL)  # the grants, computed once, stay on the (forced) user: count and rows remain
    with django_assert_num_queries(2):
        few = api.get(URL).json()
    for i in range(3):
        more = make_plan(org_coded(AOBA), admin, title=f"計画{i}", measures=3)
        a, b, c = _measures(more)
        services.add_dependency(acting_user=admin, predecessor=a, successor=b)
        services.add_dependency(acting_user=admin, predecessor=b, successor=c)
    with django_assert_num_queries(2):
        many = api.get(URL).json()
    assert many["count"] == few["count"] + 6
