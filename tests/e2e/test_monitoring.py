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
from .test_shell import console_errors, login

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

    console = console_errors(page)
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


def test_cost_case_page_draws_its_chart_and_the_summary_still_prints_on_one_page(page, artifacts):
    """The case page's Plotly chart (projections and realised) beside its table, and the
    plan's one-page summary with the 費用対効果 totals, printed on one A4 page."""
    from chiikidx.plans.models import Measure

    from ..monitoring.cost_sample import EXAMPLE_ADOPTION, make_case
    from ..monitoring.test_cost_pages import _monthly_kpi
    from ..plans.sample import admin_of, summary_plan
    from .test_plan_views import A4_PORTRAIT, TRACES, _pdf_pages, _watch

    aoba = Organization.objects.get(code="992011")
    plan, _ = summary_plan(aoba, admin_of(aoba), extra=7)  # 12 measures, like the demo plan
    measure = Measure.objects.filter(plan=plan).order_by("pk").first()
    case = make_case(aoba, measure=measure, kpi=_monthly_kpi(aoba))
    make_case(
        aoba,
        measure=measure,
        procedure="書かない窓口",
        kind="no_writing",
        adoption=EXAMPLE_ADOPTION,
    )
    errors = _watch(page)
    page.add_init_script("window.print = function () { window.__printed = true; };")
    login(page, "executive-1")

    page.goto(f"{page.base_url}/o/992011/plans/measures/{measure.pk}/")
    page.get_by_role("link", name=case.procedure).click()
    page.wait_for_url(re.compile(rf"/monitoring/costs/{case.pk}/$"))
    chart = page.locator("[data-chart='cost']")
    chart.locator(".main-svg").first.wait_for()
    assert chart.evaluate(TRACES) == ["高位", "基準", "低位", "実績"]
    # Cumulative net benefit of the base projection (千円): −1,800 → 5,600 → 15,100 → 24,600.
    assert chart.evaluate("el => el.data[1].y") == [-1800.0, 5600.0, 15100.0, 24600.0]
    assert chart.evaluate("el => el.data[3].y.slice(0, 2)") == [-2220.0, -1210.0]
    table = page.get_by_role("table", name="見込みと実績(年度別)")
    assert "-200(-10%)" in table.inner_text()  # 1,800 realised against 2,000 projected
    page.screenshot(path=str(artifacts / "monitoring-cost-case.png"), full_page=True)

    page.goto(f"{page.base_url}/o/992011/plans/{plan.pk}/summary/")
    costs = page.locator("#s-costs").locator("..")
    assert "2件の試算" in costs.inner_text() and "正味現在価値(NPV)" in costs.inner_text()
    page.get_by_role("button", name="印刷する(A4縦)").click()
    assert page.evaluate("window.__printed") is True
    page.screenshot(path=str(artifacts / "plans-summary-with-costs.png"), full_page=True)
    page.emulate_media(media="print")
    pdf = page.pdf(path=str(artifacts / "plans-summary-with-costs.pdf"), prefer_css_page_size=True)
    assert _pdf_pages(pdf) == (1, A4_PORTRAIT)
    assert page.evaluate("window.__csp") == []
    assert errors == []
