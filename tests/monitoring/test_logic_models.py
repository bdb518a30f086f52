"""Logic models with the database: the services' checks (backward, cycle, another model,
another organization), the analysis from live KPI data, the pages and their pinned query
counts, the exports (SVG, PNG, PDF, Excel), the measure page's panel and the demo."""

import datetime
import io
from decimal import Decimal

import pytest
from defusedxml import ElementTree as ET
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from chiikidx.core import demo as core_demo
from chiikidx.core.models import AuditEntry, Organization
from chiikidx.core.services import ServiceError
from chiikidx.monitoring import demo as kpi_demo
from chiikidx.monitoring import logic_demo, logic_export, logic_queries, logic_services, services
from chiikidx.monitoring.models import (
    Kpi,
    LogicLink,
    LogicModel,
    LogicNode,
    LogicNodeKpi,
    LogicNodeMeasure,
)
from chiikidx.monitoring.periods import period_of
from chiikidx.plans import demo as plans_demo

from ..plans.sample import admin_of, make_plan
from .logic_sample import add_link, add_node, make_logic_model
from .sample import make_kpi, user

pytestmark = pytest.mark.django_db

AOBA, WAKABA = "992011", "993018"


def months_ago(n: int) -> datetime.date:
    today = timezone.localdate()
    total = today.year * 12 + today.month - 1 - n
    return datetime.date(total // 12, total % 12 + 1, 1)


def kpi_at(org, name, value):
    """A monthly KPI from six months back with last month's actual (None: no actual):
    400 is ahead of its path (順調), 10 far behind (遅れ)."""
    baseline = months_ago(6) - datetime.timedelta(days=1)
    kpi = make_kpi(
        org,
        name=name,
        baseline_date=baseline,
        targets=[services.TargetInput(baseline + datetime.timedelta(days=365), Decimal(220))],
    )
    if value is not None:
        services.record_actual(
            acting_user=admin_of(org),
            kpi=kpi,
            period=period_of("monthly", months_ago(1)),
            value=Decimal(value),
        )
    return kpi


def client_of(username):
    client = Client()
    client.force_login(user(username))
    return client


@pytest.fixture
def world(org_coded):
    """あおば市: a plan with 3 measures; measure 1 → A → O(順調) → S(遅れ) → I; measure 2 → B
    (leads nowhere); measure 3 on no node; S2 served by no measure."""
    org = org_coded(AOBA)
    plan = make_plan(org, measures=3)
    m1, m2, m3 = plan.measures.order_by("pk")
    on, off = kpi_at(org, "申請件数", 400), kpi_at(org, "来庁者数", 10)
    model = make_logic_model(org, plan=plan, title="窓口のDX")
    (impact,) = model.nodes.all()  # made with the model: the plan's vision
    nodes = {
        "A": add_node(model, "activity", "オンライン化", measures=[m1], order=1),
        "B": add_node(model, "activity", "書かない窓口", measures=[m2], order=2),
        "O": add_node(model, "output", "申請が増える", kpis=[on]),
        "S": add_node(model, "short_term", "来庁が減る", kpis=[off], order=1),
        "S2": add_node(model, "short_term", "職員の時間", order=2),
        "I": impact,
    }
    add_link(model, nodes["A"], nodes["O"], assumption="手続を選べる")
    add_link(model, nodes["O"], nodes["S"], assumption="オンラインの人は来庁しない")
    add_link(model, nodes["S"], nodes["I"])
    return {"org": org, "plan": plan, "model": model, "nodes": nodes, "measures": (m1, m2, m3)}


# --- the analysis from live data -----------------------------------------------------------


def test_the_analysis_uses_the_kpis_live_statuses(world):
    found = logic_queries.analysis(world["model"])
    statuses = {n.title: n.status for n in found.nodes}
    assert statuses == {
        "オンライン化": "no_kpi",
        "書かない窓口": "no_kpi",
        "申請が増える": "on_track",
        "来庁が減る": "off_track",
        "職員の時間": "no_kpi",
        "誰一人取り残されないデジタル社会": "no_kpi",
    }
    assert [(v.source.title, v.target.title, v.check.note) for v in found.doubtful] == [
        ("申請が増える", "来庁が減る", 1)
    ]
    m1, m2, m3 = world["measures"]
    assert [(s.measure, [[n.title for n in p] for p in s.paths]) for s in found.sights] == [
        (m1, [["オンライン化", "申請が増える", "来庁が減る", "誰一人取り残されないデジタル社会"]]),
        (m2, []),
    ]
    assert [m for m, _reason in found.unconnected] == [m2, m3]
    assert [n.title for n in found.unserved] == ["職員の時間"]


def test_a_cancelled_measure_need_not_lead_anywhere(world):
    from chiikidx.plans.models import Measure

    m3 = world["measures"][2]
    Measure.objects.filter(pk=m3.pk).update(status="cancelled")
    found = logic_queries.analysis(world["model"])
    assert [m.pk for m, _reason in found.unconnected] == [world["measures"][1].pk]


def test_a_new_model_of_a_plan_starts_with_its_vision_as_the_impact(world, org_coded):
    impact = world["nodes"]["I"]
    assert (impact.stage, impact.title) == ("impact", "誰一人取り残されないデジタル社会")
    assert impact.description == "計画「DX推進計画」の目指す地域像"
    assert not make_logic_model(org_coded(WAKABA), title="計画なし").nodes.exists()
    client = client_of("muni-admin-1")
    form = client.get(_url("logic_node_new", world) + "?stage=impact").content.decode()
    assert 'value="誰一人取り残されないデジタル社会"' in form


def test_a_policy_narrows_the_measures_to_cover(world):
    plan = world["plan"]
    policy = plan.policies.get()
    other = make_plan(world["org"], measures=1, title="別の計画")
    logic_services.save_logic_model(
        acting_user=admin_of(world["org"]),
        organization=world["org"],
        logic_model=world["model"],
        title="窓口のDX",
        policy=policy,
    )
    world["model"].refresh_from_db()
    assert world["model"].plan_id == plan.pk  # taken from the policy
    found = logic_queries.analysis(world["model"])
    assert {m.plan_id for m in found.candidates} == {plan.pk}
    assert other.pk not in {m.plan_id for m in found.candidates}


# --- the services' checks ------------------------------------------------------------------


def test_a_backward_link_or_a_cycle_is_refused_with_nothing_saved(world):
    model, nodes = world["model"], world["nodes"]
    before = (LogicLink.objects.count(), AuditEntry.objects.count())
    with pytest.raises(ServiceError, match="逆向きです"):
        add_link(model, nodes["S"], nodes["A"])
    same_a = add_node(model, "short_term", "待ち時間が減る", order=3)
    add_link(model, nodes["S"], same_a)
    with pytest.raises(ServiceError, match="と循環します"):
        add_link(model, same_a, nodes["S"])
    with pytest.raises(ServiceError, match="同じノードどうしはつなげません"):
        add_link(model, nodes["S"], nodes["S"])
    with pytest.raises(ServiceError, match="すでにあります"):
        add_link(model, nodes["A"], nodes["O"])
    assert LogicLink.objects.count() == before[0] + 1


def test_a_node_of_another_model_or_organization_cannot_be_linked(world, org_coded):
    model, nodes = world["model"], world["nodes"]
    other = make_logic_model(world["org"], title="別のモデル")
    foreign = add_node(other, "impact", "別の目指す姿")
    with pytest.raises(ServiceError) as refused:
        add_link(model, nodes["S"], foreign)
    assert str(refused.value) == (
        "「別の目指す姿」は別のロジックモデルのノードです。つなげるのは、このロジックモデル"
        "「窓口のDX」のノードどうしだけです。"
    )
    wakaba = org_coded(WAKABA)
    far = add_node(make_logic_model(wakaba), "impact", "わかば町の姿")
    with pytest.raises(ServiceError, match="別のロジックモデルのノードです"):
        add_link(model, nodes["S"], far)


def test_measures_and_kpis_must_be_the_organizations_own(world, org_coded):
    wakaba = org_coded(WAKABA)
    foreign_measure = make_plan(wakaba, measures=1).measures.get()
    foreign_kpi = make_kpi(wakaba, name="わかば町のKPI")
    count = LogicNode.objects.count()
    with pytest.raises(ServiceError, match="施策はこの団体の計画の施策から選んでください。"):
        add_node(world["model"], "activity", "X", measures=[foreign_measure])
    with pytest.raises(ServiceError, match="KPIはこの団体のKPIから選んでください。"):
        add_node(world["model"], "activity", "X", kpis=[foreign_kpi])
    assert LogicNode.objects.count() == count
    with pytest.raises(ServiceError, match="計画はこの団体の計画から選んでください。"):
        logic_services.save_logic_model(
            acting_user=admin_of(world["org"]),
            organization=world["org"],
            title="X",
            plan=foreign_measure.plan,
        )


def test_a_stage_change_that_turns_a_link_round_is_refused(world):
    node = world["nodes"]["O"]
    with pytest.raises(ServiceError) as refused:
        logic_services.save_node(
            acting_user=admin_of(world["org"]),
            logic_model=world["model"],
            node=node,
            stage="impact",
            title=node.title,
        )
    assert str(refused.value) == (
        "段階を「インパクト」に変えられません。「申請が増える」から「来庁が減る」へのつながりが"
        "逆向きになります。先にそのつながりを削除するか、向きを直してください。"
    )
    node.refresh_from_db()
    assert node.stage == "output"


def test_only_the_organizations_staff_change_its_models(world):
    with pytest.raises(ServiceError, match="権限がありません"):
        add_node(world["model"], "activity", "X", user=user("dept-staff-1"))
    with pytest.raises(ServiceError, match="権限がありません"):
        make_logic_model(world["org"], user=user("muni-admin-2"))


def test_every_change_is_audited_including_the_rows_of_a_deleted_node(world):
    nodes = world["nodes"]
    rows = ("monitoring.LogicNode", "monitoring.LogicNodeKpi", "monitoring.LogicLink")
    before = AuditEntry.objects.filter(model_label__in=rows, action="delete").count()
    logic_services.delete_node(acting_user=admin_of(world["org"]), node=nodes["S"])
    deleted = AuditEntry.objects.filter(model_label__in=rows, action="delete")
    # the node, its KPI row, its two links
    assert deleted.count() == before + 4
    assert set(deleted.values_list("organization__code", flat=True)) == {AOBA}
    assert not LogicNodeKpi.objects.filter(node_id=nodes["S"].pk).exists()
    created = AuditEntry.objects.filter(model_label="monitoring.LogicNodeMeasure", action="create")
    assert created.filter(object_id=str(LogicNodeMeasure.objects.first().pk)).exists()


def test_deleting_a_model_deletes_its_nodes_and_links_not_its_kpis(world):
    kpis = Kpi.objects.count()
    logic_services.delete_logic_model(
        acting_user=admin_of(world["org"]), logic_model=world["model"]
    )
    assert not LogicNode.objects.filter(logic_model_id=world["model"].pk).exists()
    assert not LogicLink.objects.filter(logic_model_id=world["model"].pk).exists()
    assert Kpi.objects.count() == kpis


# --- pages ---------------------------------------------------------------------------------


def _url(name, world, *extra):
    return reverse(f"monitoring:{name}", args=[AOBA, world["model"].pk, *extra])


def test_pages_render_for_staff_and_the_model_page_says_what_is_in_doubt(world):
    client = client_of("muni-admin-1")
    nodes = world["nodes"]
    link = LogicLink.objects.filter(source=nodes["O"]).get()
    for url in [
        reverse("monitoring:logic_models", args=[AOBA]),
        reverse("monitoring:logic_model_new", args=[AOBA]),
        _url("logic_model", world),
        _url("logic_model_edit", world),
        _url("logic_node_new", world) + "?stage=output",
        _url("logic_node_edit", world, nodes["O"].pk),
        _url("logic_link_new", world) + f"?source={nodes['O'].pk}",
        _url("logic_link_edit", world, link.pk),
    ]:
        assert client.get(url).status_code == 200, url
    page = client.get(_url("logic_model", world)).content.decode()
    assert 'class="logic-diagram__svg"' in page and "logic-link--doubtful" in page
    assert "前提「オンラインの人は来庁しない」が成り立っていない可能性があります。" in page
    assert "職員の時間" in page and "どのノードにもつながっていません。" in page
    assert page.count('id="node-') == 6  # the table alternative
    listing = client.get(reverse("monitoring:logic_models", args=[AOBA])).content.decode()
    assert "窓口のDX" in listing and "1 本" in listing


def test_another_organizations_model_node_and_link_are_404(world, org_coded):
    other = make_logic_model(org_coded(WAKABA), title="わかば町のモデル")
    foreign_node = add_node(other, "activity", "わかば町の活動")
    client = client_of("muni-admin-1")
    model_id, node = world["model"].pk, world["nodes"]["A"]
    link = LogicLink.objects.filter(logic_model=world["model"]).first()
    for url in [
        reverse("monitoring:logic_model", args=[AOBA, other.pk]),
        reverse("monitoring:logic_model_edit", args=[AOBA, other.pk]),
        reverse("monitoring:logic_model_export", args=[AOBA, other.pk]),
        reverse("monitoring:logic_node_edit", args=[AOBA, model_id, foreign_node.pk]),
        reverse("monitoring:logic_model", args=[WAKABA, model_id]),
    ]:
        assert client.get(url).status_code == 404, url
    # a node or link of the organization's other model is not found under this one
    second = make_logic_model(world["org"], title="2つ目")
    assert (
        client.get(
            reverse("monitoring:logic_node_edit", args=[AOBA, second.pk, node.pk])
        ).status_code
        == 404
    )
    assert (
        client.get(
            reverse("monitoring:logic_link_edit", args=[AOBA, second.pk, link.pk])
        ).status_code
        == 404
    )
    before = AuditEntry.objects.count()
    posted = client.post(reverse("monitoring:logic_node_delete", args=[AOBA, second.pk, node.pk]))
    assert posted.status_code == 404 and AuditEntry.objects.count() == before


def test_the_editor_refuses_a_backward_link_and_another_organizations_measure(world, org_coded):
    client = client_of("muni-admin-1")
    nodes = world["nodes"]
    count = LogicLink.objects.count()
    response = client.post(
        _url("logic_link_new", world),
        {"source": nodes["S"].pk, "target": nodes["A"].pk, "assumption": "逆"},
    )
    assert response.status_code == 400
    assert "「来庁が減る」(短期成果)から「オンライン化」(活動)へのつながりは逆向きです。" in (
        response.content.decode()
    )
    assert LogicLink.objects.count() == count
    foreign = make_plan(org_coded(WAKABA), measures=1).measures.get()
    response = client.post(
        _url("logic_node_new", world),
        {"stage": "activity", "title": "X", "order": "0", "measures": [foreign.pk]},
    )
    assert response.status_code == 400
    assert (
        f"選んだ施策(ID {foreign.pk})はこの団体のものではありません。一覧から選び直してください。"
        in response.content.decode()
    )
    m3 = world["measures"][2]
    kpi = Kpi.objects.filter(organization=world["org"]).order_by("pk").first()
    response = client.post(
        _url("logic_node_new", world),
        {
            "stage": "output",
            "title": "窓口が空く",
            "order": "4",
            "measures": [m3.pk],
            "kpis": [kpi.pk],
        },
    )
    assert response.status_code == 302
    made = LogicNode.objects.get(title="窓口が空く")
    assert (made.stage, made.order) == ("output", 4)
    assert list(made.measures.all()) == [m3] and list(made.kpis.all()) == [kpi]


def test_the_editor_deletes_a_link_and_a_node(world):
    client = client_of("muni-admin-1")
    link = LogicLink.objects.filter(source=world["nodes"]["O"]).get()
    assert client.post(_url("logic_link_delete", world, link.pk)).status_code == 302
    assert not LogicLink.objects.filter(pk=link.pk).exists()
    node = world["nodes"]["S2"]
    assert client.post(_url("logic_node_delete", world, node.pk)).status_code == 302
    assert not LogicNode.objects.filter(pk=node.pk).exists()
    assert client.post(_url("logic_model_delete", world)).status_code == 302
    assert not LogicModel.objects.filter(pk=world["model"].pk).exists()


def _grow(world, extra: int):
    """`extra` more outcome nodes, each with its own KPI and measure link and two links."""
    model, nodes = world["model"], world["nodes"]
    m1 = world["measures"][0]
    for i in range(extra):
        kpi = kpi_at(world["org"], f"KPI {i}", 400 if i % 2 else 10)
        node = add_node(model, "mid_term", f"成果 {i}", kpis=[kpi], measures=[m1], order=i)
        add_link(model, nodes["S"], node, assumption=f"前提 {i}")
        add_link(model, node, nodes["I"])


def test_model_and_list_pages_have_pinned_query_counts(world, django_assert_num_queries):
    client = client_of("muni-admin-1")
    page, listing = _url("logic_model", world), reverse("monitoring:logic_models", args=[AOBA])
    client.get(page)  # warm the session and the shell
    # shell 6, the model 1; nodes, their measures, their KPIs, links, targets, actuals,
    # the plan's measures 7
    with django_assert_num_queries(14):
        assert client.get(page).status_code == 200
    with django_assert_num_queries(14):  # shell 6, the models 1, the analysis 7
        assert client.get(listing).status_code == 200
    _grow(world, 6)
    make_logic_model(world["org"], title="2つ目")
    with django_assert_num_queries(14):
        response = client.get(page)
    assert response.content.decode().count('class="logic-node"') == 12
    with django_assert_num_queries(14):
        assert client.get(listing).content.decode().count('id="logic-model-') == 2


# --- exports -------------------------------------------------------------------------------


def test_the_svg_export_is_a_standalone_file(world):
    response = client_of("executive-1").get(_url("logic_model_export", world) + "?format=svg")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="logic-model-{AOBA}-{world["model"].pk}.svg"'
    )
    root = ET.fromstring(response.content)
    assert root.find("{http://www.w3.org/2000/svg}title").text == "窓口のDX"


def test_the_excel_logframe_has_a_row_per_node_by_stage(world):
    response = client_of("muni-admin-1").get(_url("logic_model_export", world) + "?format=xlsx")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["ロジックフレーム", "つながりと前提", "見通し"]
    sheet = book["ロジックフレーム"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert rows[0] == (
        "段階",
        "内容",
        "状況",
        "指標(KPI・基準値・目標・最新の実績・状況)",
        "前提条件(次の段階へのつながり)",
        "関連施策",
    )
    m1 = world["measures"][0]
    assert [r[:3] for r in rows[1:]] == [
        ("活動", "オンライン化", "指標なし"),
        ("活動", "書かない窓口", "指標なし"),
        ("産出", "申請が増える", "順調"),
        ("短期成果", "来庁が減る", "遅れ"),
        ("短期成果", "職員の時間", "指標なし"),
        (
            "インパクト",
            "誰一人取り残されないデジタル社会\n計画「DX推進計画」の目指す地域像",
            "指標なし",
        ),
    ]
    output = rows[3]
    assert output[3].startswith("申請件数\n  基準値 100件(")
    assert output[3].endswith(f"最新 400件({period_of('monthly', months_ago(1)).label}) ・ 順調")
    assert output[4] == ("→「来庁が減る」: オンラインの人は来庁しない\n  【前提が疑わしい ?1】")
    assert rows[1][5] == f"{m1.code} {m1.title}".strip()
    assert sheet.freeze_panes == "A3"
    links = list(book["つながりと前提"].iter_rows(min_row=3, values_only=True))
    assert [r[4] for r in links] == ["確かめられない", "前提が疑わしい ?1", "上流が遅れている"]
    sight = list(book["見通し"].iter_rows(min_row=3, values_only=True))
    assert sight[0][1] == (
        "オンライン化 → 申請が増える → 来庁が減る → 誰一人取り残されないデジタル社会"
    )
    assert sight[-1] == ("(施策なし)", "【どの施策も支えていない成果】短期成果「職員の時間」")


@pytest.mark.skipif(logic_export.renderer_problem() is not None, reason="no cairo or font here")
def test_png_and_pdf_are_drawn_with_cairo(world):
    from PIL import Image

    client = client_of("muni-admin-1")
    svg = ET.fromstring(client.get(_url("logic_model_export", world)).content)
    width, height = float(svg.get("width")), float(svg.get("height"))
    png = client.get(_url("logic_model_export", world) + "?format=png")
    assert png["Content-Type"] == "image/png"
    assert png.content.startswith(b"\x89PNG")
    assert Image.open(io.BytesIO(png.content)).size == (int(width * 2), int(height * 2))
    pdf = client.get(_url("logic_model_export", world) + "?format=pdf")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert f"/MediaBox [ 0 0 {width * 0.75:g} {height * 0.75:g} ]".encode() in pdf.content


def test_without_cairo_png_and_pdf_say_so_and_svg_and_excel_still_work(world, monkeypatch):
    monkeypatch.setattr(logic_export, "renderer_problem", lambda: "cairo")
    client = client_of("muni-admin-1")
    page = client.get(_url("logic_model", world)).content.decode()
    assert "format=png" not in page and "format=pdf" not in page
    assert "PNG・PDFを出力できません" in page
    response = client.get(_url("logic_model_export", world) + "?format=png", follow=True)
    assert response.redirect_chain[-1][0] == _url("logic_model", world)
    assert "図をPNG・PDFに変換するライブラリ(cairo)がないため" in response.content.decode()
    for fmt in ("svg", "xlsx"):
        assert client.get(_url("logic_model_export", world) + f"?format={fmt}").status_code == 200
    assert client.get(_url("logic_model_export", world) + "?format=gif").status_code == 404


# --- the measure page ----------------------------------------------------------------------


def test_the_measure_page_shows_its_line_of_sight(world):
    client = client_of("executive-1")
    m1, m2, m3 = world["measures"]  # on a path, on a node leading nowhere, on no node
    page = client.get(reverse("plans:measure", args=[AOBA, m1.pk])).content.decode()
    assert "ロジックモデルでの見通し" in page
    assert page.count('class="logic-path"') == 1 and "?1" in page
    nowhere = client.get(reverse("plans:measure", args=[AOBA, m2.pk])).content.decode()
    assert "インパクトに届いていません" in nowhere
    none = client.get(reverse("plans:measure", args=[AOBA, m3.pk])).content.decode()
    assert "この施策は、どのロジックモデルのノードにもつながっていません。" in none


# --- the demo ------------------------------------------------------------------------------

SPEC = core_demo.DemoSpec(prefix="98", name="つばさ県", kana="つばさけん", user_prefix="t-")
TODAY = datetime.date(2026, 11, 26)


def test_every_demo_municipality_gets_a_model_with_a_doubt_and_an_unconnected_measure(
    django_assert_max_num_queries,
):
    orgs = Organization.objects.filter(code__startswith="98").in_bulk(field_name="code")
    plans_demo.extend(SPEC, orgs)
    kpi_demo.extend(SPEC, orgs, today=TODAY)
    # all municipalities together: a fixed number per acting user (3 here) and per 500 rows
    with django_assert_max_num_queries(250):
        logic_demo.extend(SPEC, orgs, today=TODAY)
    models = list(LogicModel.objects.filter(organization__code__startswith="98"))
    with_kpis = set(
        Kpi.objects.filter(organization__code__startswith="98").values_list(
            "organization_id", flat=True
        )
    )
    assert {m.organization_id for m in models} == with_kpis
    for found in logic_queries.analyses(models, TODAY):
        assert [(v.source.title, v.target.title) for v in found.doubtful] == [
            ("オンラインで申請できる手続と申請件数が増える", "来庁しなくても手続が済む")
        ], found.logic_model.organization
        assert found.unconnected, found.logic_model.organization
        assert [n.title for n in found.unserved] == ["職員が窓口対応から企画の仕事に時間を使える"]
        impact = next(n for n in found.nodes if n.node.stage == "impact")
        assert impact.title == found.logic_model.plan.vision
    count = LogicNode.objects.count()
    logic_demo.extend(SPEC, orgs, today=TODAY)
    assert LogicNode.objects.count() == count  # idempotent
