"""The organization's staff build a logic model in the editor (no JavaScript needed): a node, a
backward link refused with the reason, a link saved, and the diagram drawn with it."""

import re

from chiikidx.core.models import Organization

from ..monitoring.logic_sample import add_node, make_logic_model
from .test_shell import console_errors, login


def test_staff_add_a_node_and_a_link_and_see_them_in_the_diagram(page, artifacts):
    model = make_logic_model(Organization.objects.get(code="992011"), title="窓口のDX")
    add_node(model, "activity", "主要手続のオンライン化")
    console = console_errors(page)
    login(page, "muni-admin-1")
    page.goto(page.base_url + "/o/992011/monitoring/")
    page.get_by_role("link", name="ロジックモデル", exact=True).click()
    page.get_by_role("link", name="窓口のDX").click()
    page.get_by_role("link", name="ノードとつながりを編集").click()

    page.get_by_role("link", name="短期成果のノードを加える").click()
    assert page.get_by_label("段階").input_value() == "short_term"
    page.get_by_label("内容").fill("来庁しなくても手続が済む")
    page.get_by_role("button", name="保存する").click()
    page.get_by_role("status").filter(
        has_text="ノード「来庁しなくても手続が済む」を保存しました。"
    ).wait_for()

    page.get_by_role("link", name="つながりを加える").click()
    page.get_by_label("上流のノード(原因)").select_option(
        label="短期成果: 来庁しなくても手続が済む"
    )
    page.get_by_label("下流のノード(結果)").select_option(label="活動: 主要手続のオンライン化")
    page.get_by_role("button", name="保存する").click()
    alert = page.get_by_role("alert")
    assert "へのつながりは逆向きです" in alert.inner_text()
    page.get_by_label("上流のノード(原因)").select_option(label="活動: 主要手続のオンライン化")
    page.get_by_label("下流のノード(結果)").select_option(
        label="短期成果: 来庁しなくても手続が済む"
    )
    page.get_by_label("前提条件").fill("オンラインで申請した人は来庁しない")
    page.get_by_role("button", name="保存する").click()
    page.get_by_role("status").filter(has_text="のつながりを保存しました。").wait_for()

    page.get_by_role("link", name="図と点検の結果を見る").click()
    page.wait_for_url(re.compile(rf"/monitoring/logic-models/{model.pk}/$"))
    diagram = page.locator("svg.logic-diagram__svg")
    assert diagram.is_visible()
    assert diagram.locator("g.logic-node").count() == 2
    assert diagram.locator("path.logic-link").count() == 1
    table = page.locator("table.logic-table").inner_text()
    assert "前提条件: オンラインで申請した人は来庁しない" in table
    page.screenshot(path=str(artifacts / "logic-model.png"), full_page=True)
    # the refused link answers 400, which the browser reports; nothing else may fail
    assert [m for m in console if "status of 400" not in m] == []
