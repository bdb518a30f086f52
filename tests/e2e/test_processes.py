"""A 原課担当 writes down their department's process in the browser: adds a step in the table,
moves it up, turns a candidate into a 課題 with one click; the analysis page draws its charts
from the local Plotly without a console error."""

import re

from chiikidx.challenges.models import Challenge
from chiikidx.core.models import Organization

from ..challenges.process_sample import make_process
from .test_shell import console_errors, login


def test_a_department_writes_down_a_process(page, artifacts):
    aoba = Organization.objects.get(code="992011")
    process = make_process(aoba)  # 福祉課's: dept-staff-1's department
    console = console_errors(page)
    login(page, "dept-staff-1")

    page.goto(f"{page.base_url}/o/992011/challenges/processes/{process.pk}/steps/")
    page.get_by_label("追加する手順の手順").first.fill("認定通知書の発送")
    page.get_by_label("追加する手順の媒体").first.select_option(label="紙")
    page.get_by_label("追加する手順の時間(分)").first.fill("３")
    page.get_by_role("button", name="保存する").first.click()
    page.wait_for_url(re.compile(rf"/challenges/processes/{process.pk}/$"))
    flow = page.locator(".process-flow li")
    assert flow.count() == 6 and "認定通知書の発送" in flow.nth(5).inner_text()

    page.get_by_role("link", name="手順を編集").click()
    page.get_by_role("button", name="「認定通知書の発送」を上へ").click()
    page.wait_for_url(re.compile(r"/steps/#row-\d+$"))
    assert page.get_by_label("手順5の手順").input_value() == "認定通知書の発送"
    page.screenshot(path=str(artifacts / "process-steps.png"), full_page=True)

    page.goto(f"{page.base_url}/o/992011/challenges/processes/{process.pk}/")
    row = page.locator("#candidates-section tr", has_text="台帳への転記")
    row.get_by_role("button", name="課題にする").click()
    page.wait_for_url(re.compile(r"/o/992011/challenges/\d+/$"))
    assert "児童手当の認定請求の紙の申請書からの転記をなくす" in page.content()
    made = Challenge.objects.get(source_step__process=process)
    assert made.department == process.department

    page.goto(f"{page.base_url}/o/992011/challenges/processes/analysis/")
    page.wait_for_selector(".process-chart .main-svg")
    assert page.locator(".process-chart .main-svg").count() >= 2
    page.screenshot(path=str(artifacts / "process-analysis.png"), full_page=True)
    assert console == []
