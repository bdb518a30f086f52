"""The logic-model API: a model with its statuses, links in doubt and line of sight; models,
nodes and links written with the pages' checks; another organization's model is a 404."""

import pytest
from rest_framework.test import APIClient

from chiikidx.core.models import AuditEntry
from chiikidx.monitoring.models import LogicLink, LogicModel, LogicNode

from ..plans.sample import make_plan
from .logic_sample import add_node, make_logic_model
from .sample import make_kpi, user
from .test_logic_models import AOBA, WAKABA, world  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def api_for(username):
    api = APIClient()
    api.force_authenticate(user(username))
    return api


def test_a_model_comes_with_statuses_doubts_and_line_of_sight(world):  # noqa: F811
    nodes, (m1, m2, m3) = world["nodes"], world["measures"]
    found = api_for("executive-1").get(f"/api/v1/logic-models/{world['model'].pk}/").json()
    assert (found["organization_code"], found["title"], found["plan"]) == (
        AOBA,
        "窓口のDX",
        world["plan"].pk,
    )
    assert (found["node_count"], found["link_count"], found["doubtful_count"]) == (6, 3, 1)
    assert (found["unconnected_count"], found["unserved_count"]) == (2, 1)
    assert {n["title"]: (n["stage"], n["status"]) for n in found["nodes"]} == {
        "オンライン化": ("activity", "no_kpi"),
        "書かない窓口": ("activity", "no_kpi"),
        "申請が増える": ("output", "on_track"),
        "来庁が減る": ("short_term", "off_track"),
        "職員の時間": ("short_term", "no_kpi"),
        "誰一人取り残されないデジタル社会": ("impact", "no_kpi"),
    }
    output = next(n for n in found["nodes"] if n["title"] == "申請が増える")
    assert [(k["name"], k["status"], k["latest_value"]) for k in output["kpis"]] == [
        ("申請件数", "on_track", "400.0000")
    ]
    (doubt,) = found["doubtful_links"]
    assert (doubt["source"], doubt["target"], doubt["verdict"], doubt["note"]) == (
        nodes["O"].pk,
        nodes["S"].pk,
        "doubtful",
        1,
    )
    assert doubt["reason"].endswith(
        "前提「オンラインの人は来庁しない」が成り立っていない可能性があります。"
    )
    sight = found["line_of_sight"]
    assert [(s["measure"], s["reaches"], s["paths"]) for s in sight["measures"]] == [
        (m1.pk, True, [[nodes[k].pk for k in ("A", "O", "S", "I")]]),
        (m2.pk, False, []),
    ]
    assert [u["measure"] for u in sight["unconnected_measures"]] == [m2.pk, m3.pk]
    assert sight["unserved_outcomes"] == [
        {"node": nodes["S2"].pk, "title": "職員の時間", "stage": "short_term"}
    ]
    assert (
        api_for("muni-admin-2").get(f"/api/v1/logic-models/{world['model'].pk}/").status_code == 404
    )
    assert api_for("t-pref-admin").get("/api/v1/logic-models/").json()["count"] == 0


def test_the_list_has_a_fixed_number_of_queries(world, django_assert_num_queries):  # noqa: F811
    api = api_for("muni-admin-1")
    api.get("/api/v1/logic-models/")
    with django_assert_num_queries(9):  # count, models, then the analysis 7
        first = api.get("/api/v1/logic-models/").json()
    for i in range(3):
        model = make_logic_model(world["org"], title=f"モデル {i}")
        add_node(model, "output", "産出", kpis=[make_kpi(world["org"], name=f"KPI {i}")])
    with django_assert_num_queries(9):
        found = api.get("/api/v1/logic-models/").json()
    assert first["count"] == 1 and found["count"] == 4
    assert [m["title"] for m in found["results"]] == [
        "モデル 0",
        "モデル 1",
        "モデル 2",
        "窓口のDX",
    ]


def test_staff_build_a_model_through_the_api(world):  # noqa: F811
    api = api_for("muni-admin-1")
    made = api.post(
        "/api/v1/logic-models/",
        {"organization_code": AOBA, "title": "APIのモデル", "plan": world["plan"].pk},
        format="json",
    )
    assert made.status_code == 201, made.content
    model_id = made.json()["id"]
    m1 = world["measures"][0]
    activity = api.post(
        "/api/v1/logic-nodes/",
        {"logic_model": model_id, "stage": "activity", "title": "活動", "measures": [m1.pk]},
        format="json",
    )
    assert activity.status_code == 201, activity.content
    assert activity.json()["measures"] == [m1.pk]
    impact = api.post(
        "/api/v1/logic-nodes/",
        {"logic_model": model_id, "stage": "impact", "title": "目指す姿"},
        format="json",
    ).json()
    link = api.post(
        "/api/v1/logic-links/",
        {
            "logic_model": model_id,
            "source": activity.json()["id"],
            "target": impact["id"],
            "assumption": "前提",
        },
        format="json",
    )
    assert link.status_code == 201, link.content
    changed = api.patch(
        f"/api/v1/logic-links/{link.json()['id']}/", {"rationale": "根拠"}, format="json"
    )
    assert changed.json()["rationale"] == "根拠" and changed.json()["assumption"] == "前提"
    detail = api.get(f"/api/v1/logic-models/{model_id}/").json()
    assert detail["line_of_sight"]["measures"][0]["reaches"] is True
    assert api.delete(f"/api/v1/logic-links/{link.json()['id']}/").status_code == 204
    assert api.delete(f"/api/v1/logic-models/{model_id}/").status_code == 204
    assert not LogicNode.objects.filter(logic_model_id=model_id).exists()


def test_the_api_refuses_what_the_pages_refuse(world, org_coded):  # noqa: F811
    api = api_for("muni-admin-1")
    nodes, model = world["nodes"], world["model"]
    before = (LogicLink.objects.count(), LogicNode.objects.count(), AuditEntry.objects.count())
    backward = api.post(
        "/api/v1/logic-links/",
        {"logic_model": model.pk, "source": nodes["S"].pk, "target": nodes["A"].pk},
        format="json",
    )
    assert backward.status_code == 400
    assert backward.json()["detail"].startswith(
        "「来庁が減る」(短期成果)から「オンライン化」(活動)へのつながりは逆向きです。"
    )
    other = make_logic_model(world["org"], title="別のモデル")
    elsewhere = add_node(other, "impact", "別の姿")
    before = (LogicLink.objects.count(), LogicNode.objects.count(), AuditEntry.objects.count())
    crossed = api.post(
        "/api/v1/logic-links/",
        {"logic_model": model.pk, "source": nodes["S"].pk, "target": elsewhere.pk},
        format="json",
    )
    assert (
        crossed.status_code == 400 and "別のロジックモデルのノードです" in crossed.json()["detail"]
    )
    wakaba = org_coded(WAKABA)
    far = add_node(make_logic_model(wakaba), "impact", "わかば町の姿")
    foreign_measure = make_plan(wakaba, measures=1).measures.get()
    before = (LogicLink.objects.count(), LogicNode.objects.count(), AuditEntry.objects.count())
    unseen = api.post(
        "/api/v1/logic-links/",
        {"logic_model": model.pk, "source": nodes["S"].pk, "target": far.pk},
        format="json",
    )
    assert unseen.json() == {
        "detail": "target には、このロジックモデルのノードのIDを指定してください。"
    }
    node = api.post(
        "/api/v1/logic-nodes/",
        {
            "logic_model": model.pk,
            "stage": "activity",
            "title": "X",
            "measures": [foreign_measure.pk],
        },
        format="json",
    )
    assert node.json() == {"detail": "measures には、この団体の計画の施策のIDを指定してください。"}
    assert (
        LogicLink.objects.count(),
        LogicNode.objects.count(),
        AuditEntry.objects.count(),
    ) == before
    assert (
        api.post(
            "/api/v1/logic-nodes/",
            {"logic_model": far.logic_model_id, "stage": "input", "title": "X"},
        ).status_code
        == 404
    )
    refused = api_for("executive-1").post(
        "/api/v1/logic-nodes/", {"logic_model": model.pk, "stage": "input", "title": "X"}
    )
    assert refused.status_code == 403
    assert api_for("executive-1").delete(f"/api/v1/logic-models/{model.pk}/").status_code == 403
    assert LogicModel.objects.filter(pk=model.pk).exists()


def test_the_endpoints_are_in_the_schema():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert {
        "/api/v1/logic-models/",
        "/api/v1/logic-models/{id}/",
        "/api/v1/logic-nodes/",
        "/api/v1/logic-nodes/{id}/",
        "/api/v1/logic-links/",
        "/api/v1/logic-links/{id}/",
    } <= set(schema["paths"])
    detail = schema["components"]["schemas"]["LogicModelDetail"]["properties"]
    assert {"nodes", "links", "doubtful_links", "line_of_sight"} <= set(detail)
