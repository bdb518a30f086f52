"""A follow-up's owner opens it from 「自分の作業」 on the home page and marks it done in at most
3 clicks; the review page shows its four sections and the follow-up's new status."""

import datetime
import re

from chiikidx.core.models import Organization
from chiikidx.monitoring.reviews.models import ReviewFollowUp

from ..monitoring.review_sample import add_follow_up, make_review
from ..monitoring.sample import make_kpi, user
from ..plans.sample import make_plan
from .test_shell import console_errors, login, open_from_menu

MAX_CLICKS = 3


def test_owner_marks_a_follow_up_done_from_my_tasks(page, artifacts):
    aoba = Organization.objects.get(code="992011")
    plan = make_plan(aoba, measures=2)
    make_kpi(aoba, measures=[plan.measures.order_by("pk").first()])
    review = make_review(aoba, scope=plan)
    item = add_follow_up(
        review,
        title="相談会の案内を広報紙に載せる",
        owner_user=user("dept-staff-1"),
        due_on=datetime.date(2025, 9, 30),
    )
    console = console_errors(page)
    login(page, "dept-staff-1")
    clicks = 0

    # 1: the task on the home page opens 「自分のフォローアップ」 at the follow-up
    page.get_by_role("link", name=f"フォローアップ「{item.title}」").click()
    clicks += 1
    page.wait_for_url(re.compile(r"/o/992011/monitoring/reviews/follow-ups/mine/"))
    row = page.locator(f"#follow-up-{item.pk}")
    assert "期限切れ" in row.inner_text() and "未着手" in row.inner_text()
    page.screenshot(path=str(artifacts / "reviews-mine.png"), full_page=True)

    # 2: 「完了にする」 records it and comes back to the list
    row.get_by_role("button", name=f"「{item.title}」を完了にする").click()
    clicks += 1
    page.get_by_role("status").filter(has_text="を「完了」にしました。").wait_for()
    assert clicks <= MAX_CLICKS
    assert page.locator(f"#follow-up-{item.pk}").count() == 0
    item.refresh_from_db()
    assert (item.status, item.closed_on is not None) == ("done", True)

    # The review (menu 「KPI・振り返り」, then 「振り返り」) shows it done, under its four sections.
    open_from_menu(page, "KPI・振り返り", "振り返り")
    page.get_by_role("link", name="令和7年度 第1四半期").click()
    page.wait_for_url(re.compile(rf"/o/992011/monitoring/reviews/{review.pk}/$"))
    main = page.locator("main").inner_text()
    for heading in ("計画(Plan)", "実行(Do)", "評価(Check)", "改善(Act)"):
        assert heading in main
    assert "完了" in page.locator(f"#follow-up-{item.pk}").inner_text()
    page.screenshot(path=str(artifacts / "reviews-review.png"), full_page=True)
    assert ReviewFollowUp.objects.filter(status="done").count() == 1
    assert console == []
