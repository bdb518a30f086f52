"""The Gantt page in a browser: baseline ghost bars, a what-if that changes nothing; and the
plan's pages on paper (the summary on one A4 page, the Gantt on A3 landscape, the tree on A4)."""

import re

from chiikidx.core.models import AuditEntry, Organization
from chiikidx.plans.models import Measure, MeasureUpdate

from ..plans.sample import admin_of, drifted_plan, summary_plan
from .test_shell import login

# Gathers what the page's Content-Security-Policy refused (added before any page script runs).
CSP_WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI);
});
"""
TRACES = "el => el.data.map(t => t.name)"
A4_PORTRAIT = (595, 842)  # points
A3_LANDSCAPE = (1191, 842)


def _state():
    dates = list(Measure.objects.order_by("pk").values_list("start_date", "deadline"))
    return dates, MeasureUpdate.objects.count(), AuditEntry.objects.count()


def _watch(page):
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(f"{page.url}: {m.text}"))
    page.add_init_script(CSP_WATCH)
    return errors


def _pdf_pages(pdf: bytes) -> tuple[int, tuple[int, int]]:
    """Number of pages and the size of the first (points, rounded)."""
    pages = re.findall(rb"/Type\s*/Page\b", pdf)
    box = re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    return len(pages), (round(float(box.group(1))), round(float(box.group(2))))


def test_what_if_on_the_gantt_page_shows_the_impact_and_changes_nothing(page, artifacts):
    aoba = Organization.objects.get(code="992011")
    plan, _measures, _older, _latest = drifted_plan(aoba, admin_of(aoba))
    errors = _watch(page)
    login(page, "muni-admin-1")
    page.goto(f"{page.base_url}/o/992011/plans/{plan.pk}/gantt/")
    chart = page.locator("[data-chart='gantt']")
    chart.locator(".main-svg").first.wait_for()
    names = chart.evaluate(TRACES)
    assert names[0] == "ベースライン「議会承認時」"  # drawn first: behind the bars
    assert chart.evaluate("el => el.data[0].y") == [0, 1, 2, 3]  # not the added measure (4)
    page.screenshot(path=str(artifacts / "plans-gantt-baseline.png"), full_page=True)

    before = _state()
    page.get_by_label("遅れる施策").select_option(label="M0 施策1")
    page.get_by_label("遅れる日数").fill("10")
    page.get_by_role("button", name="影響を確かめる").click()
    page.locator("#impact-moves").wait_for()
    chart.locator(".main-svg").first.wait_for()
    names = chart.evaluate(TRACES)
    assert "もし遅れたら(動く日程)" in names and "超える期限" in names
    moved = chart.evaluate("el => el.data.find(t => t.name.startsWith('もし遅れたら')).y")
    assert moved == [0]  # M0; M1 absorbs the slip in its slack
    assert "M0 施策1" in page.locator("#impact-moves").inner_text()
    deadlines = page.locator("#impact-deadlines").inner_text()
    assert "M0 施策1" in deadlines and "10日超過" in deadlines
    highlighted = page.locator("#gantt-table tr.row--what-if")
    assert highlighted.count() == 1 and "期限を10日超える" in highlighted.inner_text()
    assert page.get_by_label("遅れる日数").input_value() == "10"
    page.screenshot(path=str(artifacts / "plans-gantt-what-if.png"), full_page=True)
    chart.screenshot(path=str(artifacts / "plans-gantt-what-if-chart.png"))

    assert _state() == before  # nothing changed, nothing audited
    assert page.evaluate("window.__csp") == []
    assert errors == []


def test_summary_tree_and_gantt_print_on_their_paper(page, artifacts):
    aoba = Organization.objects.get(code="992011")
    admin = admin_of(aoba)
    summary, _ = summary_plan(aoba, admin, extra=7)  # 12 measures, like the demo plan
    gantt, *_ = drifted_plan(aoba, admin)
    errors = _watch(page)
    page.add_init_script("window.print = function () { window.__printed = true; };")
    login(page, "executive-1")
    counts = {}

    page.goto(f"{page.base_url}/o/992011/plans/{summary.pk}/")
    page.get_by_role("link", name="概要(1枚)").click()
    page.wait_for_url(re.compile(rf"/plans/{summary.pk}/summary/$"))
    page.get_by_role("button", name="印刷する(A4縦)").click()  # shown by print.js
    assert page.evaluate("window.__printed") is True
    page.screenshot(path=str(artifacts / "plans-summary.png"), full_page=True)
    page.emulate_media(media="print")
    pdf = page.pdf(path=str(artifacts / "plans-summary.pdf"), prefer_css_page_size=True)
    counts["summary"], size = _pdf_pages(pdf)
    assert counts["summary"] == 1 and size == A4_PORTRAIT
    page.emulate_media(media="screen")

    page.goto(f"{page.base_url}/o/992011/plans/{summary.pk}/")
    page.emulate_media(media="print")
    pdf = page.pdf(path=str(artifacts / "plans-tree.pdf"), prefer_css_page_size=True)
    counts["tree"], size = _pdf_pages(pdf)
    assert size == A4_PORTRAIT
    page.emulate_media(media="screen")

    page.goto(f"{page.base_url}/o/992011/plans/{gantt.pk}/gantt/")
    chart = page.locator("[data-chart='gantt']")
    chart.locator(".main-svg").first.wait_for()
    screen_width = chart.evaluate("el => el._fullLayout.width")
    page.emulate_media(media="print")  # gantt.js gives the chart the printable width of A3
    page.wait_for_function("el => el._fullLayout.width === 1450", arg=chart.element_handle())
    pdf = page.pdf(path=str(artifacts / "plans-gantt.pdf"), prefer_css_page_size=True)
    counts["gantt"], size = _pdf_pages(pdf)
    assert size == A3_LANDSCAPE
    page.emulate_media(media="screen")  # and back to the screen's
    page.wait_for_function(
        f"el => el._fullLayout.width === {screen_width}", arg=chart.element_handle()
    )

    (artifacts / "plans-print-pages.txt").write_text(
        "".join(f"{name}: {n}\n" for name, n in counts.items()), encoding="utf-8"
    )
    assert counts["tree"] <= 3 and counts["gantt"] <= 2
    assert page.evaluate("window.__csp") == []
    assert errors == []
