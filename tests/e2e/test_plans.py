"""原課担当 update their department's measure from the home page in at most 3 clicks (3クリック)."""

import re

from chiikidx.core.models import Organization
from chiikidx.plans.models import MeasureUpdate

from ..plans.sample import department, make_plan
from .test_shell import console_errors, login

MAX_CLICKS = 3


def test_dept_staff_updates_a_measure_in_three_clicks(page, artifacts):
    # The test world has no plans: あおば市's plan with measures of 福祉課 (dept-staff-1's).
    aoba = Organization.objects.get(code="992011")
    plan = make_plan(aoba, title="あおば市DX推進計画", owner=department(aoba, "福祉課"))
    measure = plan.measures.order_by("pk").first()  # deadline 令和8年3月31日: overdue, a task

    console = console_errors(page)
    login(page, "dept-staff-1")
    clicks = 0

    # 1: the task on the home page opens 「自分の施策」 at the measure's row
    page.get_by_role("link", name=f"施策「{measure.title}」").click()
    clicks += 1
    page.wait_for_url(re.compile(r"/o/992011/plans/mine/"))
    row = page.locator(f"#measure-{measure.pk}")
    row.get_by_label(f"{measure.title}の状況").select_option(label="注意")
    row.get_by_label(f"{measure.title}の進捗(%)").fill("35")
    row.get_by_label(f"{measure.title}へのコメント").fill("業者選定に時間がかかっています")
    # 2: 「更新」 records the update and comes back to the list
    row.get_by_role("button", name="更新").click()
    clicks += 1
    page.get_by_role("status").filter(has_text="に更新しました").wait_for()
    assert clicks <= MAX_CLICKS
    page.screenshot(path=str(artifacts / "plans-mine-updated.png"), full_page=True)

    # 3: the measure page shows the new status, progress and the comment in its log
    page.locator(f"#measure-{measure.pk}").get_by_role("link", name=measure.title).click()
    clicks += 1
    page.wait_for_url(re.compile(rf"/o/992011/plans/measures/{measure.pk}/$"))
    main = page.locator("main").inner_text()
    assert "注意" in main and "35" in main
    assert "業者選定に時間がかかっています" in main
    assert clicks <= MAX_CLICKS
    page.screenshot(path=str(artifacts / "plans-measure-updated.png"), full_page=True)

    update = MeasureUpdate.objects.get(measure=measure)
    assert (update.status, update.progress, update.by.username) == ("caution", 35, "dept-staff-1")
    assert console == []
