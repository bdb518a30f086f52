"""A KPI's owner enters an actual from the home page in at most 3 clicks (3クリック) and sees
the KPI's status change."""

import datetime
import re
from decimal import Decimal

from django.utils import timezone

from chiikidx.core.models import Organization
from chiikidx.monitoring import status
from chiikidx.monitoring.models import KpiActual
from chiikidx.monitoring.periods import period_of
from chiikidx.monitoring.services import TargetInput

from ..monitoring.sample import make_kpi, user
from .test_shell import login

MAX_CLICKS = 3


def test_owner_enters_an_actual_in_three_clicks_and_the_status_changes(page, artifacts):
    # 福祉課's monthly KPI, owned by dept-staff-1, from six months back: nothing entered yet.
    today = timezone.localdate()
    baseline = period_of("monthly", today).start - datetime.timedelta(days=1)
    for _ in range(5):
        baseline = period_of("monthly", baseline).start - datetime.timedelta(days=1)
    target = TargetInput(baseline + datetime.timedelta(days=365), Decimal(220))
    kpi = make_kpi(
        Organization.objects.get(code="992011"),
        name="スマホ相談会の参加者数",
        owner=user("dept-staff-1"),
        baseline_date=baseline,
        targets=[target],
    )
    last_month = period_of("monthly", today).previous()
    on_path = status.target_at(
        status.Point(baseline, Decimal(100)),
        [status.Point(target.date, target.value)],
        last_month.end,
    )

    console = []
    page.on("console", lambda m: m.type == "error" and console.append(f"{page.url}: {m.text}"))
    login(page, "dept-staff-1")
    clicks = 0

    # 1: the task on the home page opens 「自分のKPI」 at the KPI's row
    page.get_by_role("link", name=f"KPI「{kpi.name}」の実績を入力").click()
    clicks += 1
    page.wait_for_url(re.compile(r"/o/992011/monitoring/mine/"))
    row = page.locator(f"#kpi-{kpi.pk}")
    assert "実績なし" in row.inner_text()
    assert last_month.label in row.inner_text()  # the periods due are listed
    row.get_by_label(f"{kpi.name}の期間").select_option(label=last_month.label)
    row.get_by_label(f"{kpi.name}の実績値").fill(str(round(on_path)))
    row.get_by_label(f"{kpi.name}へのコメント").fill("相談会の受付名簿から集計")
    # 2: 「記録」 records the actual and comes back to the list with the new status
    row.get_by_role("button", name="記録").click()
    clicks += 1
    page.get_by_role("status").filter(has_text="の実績を記録しました。状況: 順調").wait_for()
    assert clicks <= MAX_CLICKS
    row = page.locator(f"#kpi-{kpi.pk}")
    assert "順調" in row.inner_text() and "実績なし" not in row.inner_text()
    page.screenshot(path=str(artifacts / "monitoring-mine-recorded.png"), full_page=True)

    # 3: the KPI's page shows the actual, its comment and the path it was judged against
    row.get_by_role("link", name=kpi.name).click()
    clicks += 1
    page.wait_for_url(re.compile(rf"/o/992011/monitoring/kpis/{kpi.pk}/$"))
    main = page.locator("main").inner_text()
    assert "相談会の受付名簿から集計" in main and "目標の経路の計算方法" in main
    assert page.locator("svg.kpi-chart__svg").is_visible()
    assert clicks <= MAX_CLICKS
    page.screenshot(path=str(artifacts / "monitoring-kpi.png"), full_page=True)

    actual = KpiActual.objects.get(kpi=kpi)
    assert (actual.period_start, actual.recorded_by.username) == (last_month.start, "dept-staff-1")
    assert console == []
