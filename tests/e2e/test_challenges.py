"""The DX推進担当 scores a challenge by keyboard in the scoring table, sees it move on the
priority map from 「まだ点数がない課題」 to 「すぐやる」, opens it from its point, and turns it into
a candidate measure of the draft plan from the map page; the measure's page shows it."""

import re

from chiikidx.challenges.models import Challenge

from ..challenges.triage_sample import add, aoba
from ..plans.sample import make_plan
from .test_shell import console_errors, login

TITLE = "児童手当の申請が紙でしかできない"


def _map_point(page, challenge_id):
    """The plotted point of the challenge (x, y, customdata) read from Plotly's own data."""
    page.wait_for_selector("[data-chart='priority-map'][data-ready='true']")
    return page.evaluate(
        """(id) => {
            const trace = document.querySelector("[data-chart='priority-map']").data[0];
            const i = trace.customdata.findIndex((d) => d[8] === id);
            return i < 0 ? null : {x: trace.x[i], y: trace.y[i], data: trace.customdata[i]};
        }""",
        challenge_id,
    )


def test_score_by_keyboard_see_the_point_move_and_make_a_plan_measure(page, artifacts):
    org = aoba()
    plan = make_plan(org, measures=1)  # a draft: it takes candidate measures
    other = add(
        org, "証明書の交付に時間がかかる", dept="住民課", benefit=2, difficulty=4, urgency=1
    )
    challenge = add(org, TITLE, dept="福祉課")
    console = console_errors(page)
    login(page, "muni-admin-1")

    # Before: no scores, so listed under 「まだ点数がない課題」 and not on the chart.
    page.goto(page.base_url + "/o/992011/challenges/map/")
    assert page.locator(f"#map-row-{challenge.pk}").get_attribute("data-quadrant") == "unscored"
    assert _map_point(page, challenge.pk) is None
    assert _map_point(page, other.pk)["data"][5] == "再検討(効果小・難しい)"

    # Score it by keyboard: 5, 1, 4 move from cell to cell; the row saves itself.
    page.get_by_role("link", name="点数付け(表で入力)").click()
    page.wait_for_url(re.compile(r"/o/992011/challenges/scoring/$"))
    benefit = page.get_by_role("textbox", name=f"{TITLE} 裨益性")
    benefit.click()
    page.keyboard.type("5")
    assert page.evaluate("document.activeElement.id") == f"c{challenge.pk}-difficulty"
    page.keyboard.type("1")
    page.keyboard.type("4")
    # ArrowLeft goes back a cell, Enter down to the next row, which saves the row left behind
    page.keyboard.press("ArrowLeft")
    assert page.evaluate("document.activeElement.id") == f"c{challenge.pk}-difficulty"
    page.keyboard.press("Shift+Enter")  # the other challenge's row is the one above
    assert page.evaluate("document.activeElement.id") == f"c{other.pk}-difficulty"
    row = page.locator(f"#row-{challenge.pk}")
    row.locator(".row-status").filter(has_text="保存しました").wait_for()
    # 100 × (2×4 + 1×4 + 2×3) ÷ 20
    assert row.locator("[data-priority]").inner_text() == "90.0"
    page.screenshot(path=str(artifacts / "challenges-scoring.png"), full_page=True)
    saved = Challenge.objects.get(pk=challenge.pk)
    assert (saved.benefit, saved.difficulty, saved.urgency) == (5, 1, 4)

    # After: the point is on the chart, top left, in 「すぐやる」, in the table too.
    page.get_by_role("link", name="優先度マップ").first.click()
    page.wait_for_url(re.compile(r"/o/992011/challenges/map/$"))
    point = _map_point(page, challenge.pk)
    assert (point["x"], point["y"]) == (1, 5)
    assert point["data"][5] == "すぐやる(効果大・易しい)"
    assert page.locator(f"#map-row-{challenge.pk}").get_attribute("data-quadrant") == "quick"
    page.screenshot(path=str(artifacts / "challenges-map.png"), full_page=True)

    # A click on its point opens the challenge.
    box = _point_box(page, challenge.pk)
    page.mouse.click(box["x"], box["y"])
    page.wait_for_url(re.compile(rf"/o/992011/challenges/{challenge.pk}/$"))
    assert TITLE in page.locator("h1").inner_text()
    page.go_back()

    # Select it in the table alternative and make it a candidate measure of the draft plan.
    page.wait_for_url(re.compile(r"/o/992011/challenges/map/$"))
    page.get_by_label(f"「{TITLE}」を選ぶ").check()
    page.get_by_label("入れる計画").select_option(str(plan.pk))
    page.get_by_role("button", name="選んだ課題を施策の候補にする").first.click()
    page.get_by_role("status").filter(has_text=f"「{TITLE}」を計画「{plan.title}」").wait_for()
    row = page.locator(f"#map-row-{challenge.pk}")
    assert "施策化" in row.inner_text()
    row.get_by_role("link", name=TITLE).last.click()
    page.wait_for_url(re.compile(r"/o/992011/plans/measures/\d+/$"))
    assert TITLE in page.locator("h1").inner_text()
    page.screenshot(path=str(artifacts / "challenges-measure.png"), full_page=True)
    saved.refresh_from_db()
    assert saved.status == "measured" and saved.measure.plan_id == plan.pk
    assert console == []


def _point_box(page, challenge_id):
    """The centre of the challenge's marker on the screen."""
    index = page.evaluate(
        """(id) => document.querySelector("[data-chart='priority-map']").data[0]
            .customdata.findIndex((d) => d[8] === id)""",
        challenge_id,
    )
    box = page.locator(".priority-map .scatterlayer .point").nth(index).bounding_box()
    return {"x": box["x"] + box["width"] / 2, "y": box["y"] + box["height"] / 2}
