"""Views of a plan: baseline ghost bars and the what-if on the Gantt page, and the one-page
summary (概要). Query counts are pinned."""

import datetime
import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from chiikidx.core.models import AuditEntry
from chiikidx.plans import services
from chiikidx.plans.choices import PlanStatus
from chiikidx.plans.models import Measure, MeasureUpdate
from chiikidx.plans.summary import thousand_yen

from .sample import dated_plan, drifted_plan, make_plan, summary_plan

pytestmark = pytest.mark.django_db

AOBA = "992011"
D = datetime.date
DAY = datetime.timedelta(days=1)


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _chart(page: str) -> dict:
    found = re.search(r'<script id="gantt-data" type="application/json">(.*?)</script>', page)
    return json.loads(found.group(1))


def _state():
    dates = list(Measure.objects.order_by("pk").values_list("start_date", "deadline"))
    return dates, MeasureUpdate.objects.count(), AuditEntry.objects.count()


@pytest.fixture
def drifted(org_coded, admin):
    return drifted_plan(org_coded(AOBA), admin)


# --- baseline ghost bars ---------------------------------------------------------------------


def test_gantt_draws_the_latest_baseline_as_ghost_bars_and_the_drift_in_the_table(drifted, admin):
    plan, _measures, _older, latest = drifted
    page = _client(admin).get(reverse("plans:gantt", args=[AOBA, plan.pk])).content.decode()
    chart = _chart(page)
    assert chart["baseline_label"] == "議会承認時"
    labels = [b["label"].replace("★ ", "") for b in chart["bars"]]
    ghosts = {labels[g["y"]]: g for g in chart["ghosts"]}
    assert set(ghosts) == {"M0 施策1", "M1 施策2", "M2 施策3", "M3 施策4"}  # not the added one
    # The baseline's dates: M1 ended on its old 期限 then (the bar's end is the day after).
    assert ghosts["M1 施策2"]["start"] == "2025-05-01"
    assert ghosts["M1 施策2"]["end"] == "2025-05-31"
    assert "期限のずれ: +45日 遅れ" in ghosts["M1 施策2"]["hover"]
    assert ghosts["M0 施策1"]["end"] == "2025-04-21"  # taken after M0's 期限 moved
    table = page[page.index('id="gantt-table"') :]
    assert "ベースライン(開始〜期限)とずれ" in table
    assert "+45日 遅れ" in table and "−10日 前倒し" in table
    assert "ベースラインのあとに追加" in table
    assert "薄い斜線の帯: ベースライン「議会承認時」" in page  # the legend
    assert f'<option value="{latest.pk}" selected>' in page


def test_gantt_compares_with_a_chosen_baseline_or_none(drifted, admin, org_coded, user_named):
    plan, _measures, older, _latest = drifted
    client = _client(admin)
    url = reverse("plans:gantt", args=[AOBA, plan.pk])
    chart = _chart(client.get(url, {"baseline": older.pk}).content.decode())
    assert chart["baseline_label"] == "原課合意時"
    m0 = next(g for g in chart["ghosts"] if g["y"] == 0)
    assert m0["end"] == "2025-05-01"  # M0's 期限 before it moved to 4月20日
    page = client.get(url, {"baseline": "none"}).content.decode()
    assert _chart(page)["ghosts"] == [] and "薄い斜線の帯" not in page
    assert "ベースライン(開始〜期限)" not in page
    # Another organization's baseline id is not one of this plan's: the latest is shown.
    wakaba = org_coded("993018")
    other = make_plan(wakaba, user_named("muni-admin-2"), measures=1)
    theirs = services.take_baseline(acting_user=user_named("muni-admin-2"), plan=other, label="秘")
    chart = _chart(client.get(url, {"baseline": theirs.pk}).content.decode())
    assert chart["baseline_label"] == "議会承認時"


def test_a_baseline_of_the_previous_version_matches_the_revised_measures(org_coded, admin):
    plan, _measures = dated_plan(org_coded(AOBA), admin, 2)
    services.advance_plan(
        acting_user=admin,
        plan=plan,
        to_status=PlanStatus.GENKA,
        decided_on=D(2025, 3, 1),
        decided_by="各課長",
    )
    services.take_baseline(acting_user=admin, plan=plan, label="第1版の原課合意時")
    revised = services.revise_plan(acting_user=admin, plan=plan)
    page = _client(admin).get(reverse("plans:gantt", args=[AOBA, revised.pk])).content.decode()
    chart = _chart(page)
    assert chart["baseline_label"] == "第1版の原課合意時"
    assert len(chart["ghosts"]) == 2 and "ベースラインのあとに追加</span>" not in page


def test_a_plan_without_baselines_has_no_ghosts_and_no_choice(org_coded, admin):
    plan, _measures = dated_plan(org_coded(AOBA), admin, 2)
    page = _client(admin).get(reverse("plans:gantt", args=[AOBA, plan.pk])).content.decode()
    assert _chart(page)["ghosts"] == [] and 'name="baseline"' not in page


# --- what-if on the Gantt page ---------------------------------------------------------------


def test_what_if_on_the_gantt_highlights_moves_and_broken_deadlines_and_changes_nothing(
    drifted, admin
):
    plan, measures, _older, _latest = drifted
    client = _client(admin)
    url = reverse("plans:gantt", args=[AOBA, plan.pk])
    before = _state()
    page = client.get(url, {"measure": measures[0].pk, "days": 10, "status": ""}).content.decode()
    assert _state() == before
    chart = _chart(page)
    labels = [b["label"].replace("★ ", "") for b in chart["bars"]]
    assert [labels[m["y"]] for m in chart["moves"]] == ["M0 施策1"]  # M1 has slack now
    assert chart["moves"][0]["start"] == "2025-04-11"
    assert [labels[b["y"]] for b in chart["broken"]] == ["M0 施策1"]
    assert "「M0 施策1」が10日遅れた場合" in page
    moves = page[page.index('id="impact-moves"') : page.index('id="impact-deadlines"')]
    assert "M0 施策1" in moves and "M1" not in moves
    assert page.count('class="row--what-if"') == 1
    assert "期限を10日超える" in page and "紫の枠の棒" in page
    assert "工程と重要経路」のページで理由を入力して反映します" in page  # staff may apply it there


def test_what_if_keeps_the_filters_and_explains_bad_input(drifted, admin, user_named):
    plan, measures, _older, latest = drifted
    url = reverse("plans:gantt", args=[AOBA, plan.pk])
    client = _client(user_named("executive-1"))
    page = client.get(url, {"baseline": latest.pk, "status": "not_started"}).content.decode()
    assert f'<input type="hidden" name="baseline" value="{latest.pk}">' in page
    assert '<input type="hidden" name="status" value="not_started">' in page
    refused = client.get(url, {"measure": measures[0].pk, "days": 0}).content.decode()
    assert 'class="field__error"' in refused and 'id="impact-moves"' not in refused
    assert _chart(refused)["moves"] == []
    other = make_plan(plan.organization, title="別の計画", measures=1).measures.get()
    refused = client.get(url, {"measure": other.pk, "days": 3}).content.decode()
    assert 'class="field__error"' in refused and 'id="impact-moves"' not in refused
    ok = client.get(url, {"measure": measures[0].pk, "days": 3}).content.decode()
    assert 'id="impact-moves"' in ok and "反映します</a>" not in ok  # executives only look


def test_gantt_query_count_with_baseline_and_what_if_is_pinned(
    org_coded, admin, django_assert_num_queries
):
    org = org_coded(AOBA)
    client = _client(admin)
    plans = []
    for count in (4, 40):
        plan, measures = dated_plan(org, admin, count)
        services.take_baseline(acting_user=admin, plan=plan, label="議会承認時")
        services.take_baseline(acting_user=admin, plan=plan, label="令和7年度末")
        plans.append((plan, measures))
    client.get(reverse("plans:gantt", args=[AOBA, plans[0][0].pk]))  # warm the session
    for plan, measures in plans:
        url = reverse("plans:gantt", args=[AOBA, plan.pk])
        with django_assert_num_queries(14):
            assert client.get(url).status_code == 200
        with django_assert_num_queries(14):  # the what-if reuses the schedule the page read
            assert client.get(url, {"measure": measures[0].pk, "days": 5}).status_code == 200


# --- the one-page summary --------------------------------------------------------------------


def test_thousand_yen_rounds_half_up():
    assert thousand_yen(1_234_500) == "1,235"
    assert thousand_yen(1_234_499) == "1,234"
    assert thousand_yen(499) == "0" and thousand_yen(500) == "1"
    assert thousand_yen(None) == "—"


def test_summary_fits_the_plan_on_one_page(org_coded, admin):
    plan, _m = summary_plan(org_coded(AOBA), admin)
    response = _client(admin).get(reverse("plans:summary", args=[AOBA, plan.pk]))
    page = response.content.decode()
    assert "plans/print-a4.css" in page and "data-print" in page and "plans/print.js" in page
    # Status counts: colour (bar and badge) and text.
    assert 'fill="#ec0000"' in page and '<span class="status status--off">遅延</span> 1件' in page
    assert "合計 5件" in page
    # Roll-up: (20×2 + 60 + 100 + 40) / 5 = 48.0 (中止 left out)
    assert "<strong>48.0%</strong>" in page and "「中止」は含めません" in page
    late = page[page.index('id="s-late"') : page.index('id="s-upcoming"')]
    assert "S0 施策1" in late and "福祉課" in late and "期限から10日" in late
    assert "S3" in late and "工程上" in late  # pushed past its 期限 by S0
    upcoming = page[page.index('id="s-upcoming"') : page.index('id="s-budget"')]
    assert "S1 施策2" in upcoming and "あと50日" in upcoming
    assert "S2" not in upcoming and "S4" not in upcoming  # done / cancelled
    budget = page[page.index('id="s-budget"') : page.index('id="s-critical"')]
    assert "令和7年度" in budget and "1,235" in budget and "1,000" in budget and "81.0%" in budget
    assert "令和8年度" in budget and "2,000" in budget and "3,235" in budget
    critical = page[page.index('id="s-critical"') :]
    assert "S0 施策1" in critical and "状況が「遅延」" in critical
    assert "「議会承認時」" in page and "期限が遅れた施策 1件(最大 +20日)" in page
    assert "予算 ±0千円" in page


def test_plan_page_links_to_the_summary_and_others_get_404(org_coded, admin, user_named):
    plan, _m = summary_plan(org_coded(AOBA), admin)
    page = _client(admin).get(reverse("plans:plan", args=[AOBA, plan.pk])).content.decode()
    assert reverse("plans:summary", args=[AOBA, plan.pk]) in page and "概要(1枚)" in page
    executive = _client(user_named("executive-1"))
    assert executive.get(reverse("plans:summary", args=[AOBA, plan.pk])).status_code == 200
    wakaba = _client(user_named("muni-admin-2"))
    assert wakaba.get(reverse("plans:summary", args=["993018", plan.pk])).status_code == 404


def test_summary_without_baseline_or_measures(org_coded, admin):
    plan = make_plan(org_coded(AOBA), admin, measures=0)
    page = _client(admin).get(reverse("plans:summary", args=[AOBA, plan.pk])).content.decode()
    assert "ベースラインはまだありません" in page and "遅れている施策はありません" in page
    assert "対象なし" in page


def test_summary_query_count_does_not_grow_with_measures(
    org_coded, admin, django_assert_num_queries
):
    org = org_coded(AOBA)
    client = _client(admin)
    small, _ = summary_plan(org, admin)
    big, _ = summary_plan(org, admin, extra=45)
    client.get(reverse("plans:summary", args=[AOBA, small.pk]))  # warm the session
    for plan in (small, big):
        # 18: with monitoring's 費用対効果 panel (1 query when the plan has no cases)
        with django_assert_num_queries(18):
            assert client.get(reverse("plans:summary", args=[AOBA, plan.pk])).status_code == 200


def test_summary_lists_delayed_measures_with_and_without_a_deadline(org_coded, admin):
    """Two 遅延 measures not yet late by date sort alike: one without 期限 must not break it."""
    plan = make_plan(org_coded(AOBA), admin, measures=2)
    first, second = plan.measures.order_by("pk")
    Measure.objects.filter(pk=first.pk).update(status="delayed", deadline=None)
    Measure.objects.filter(pk=second.pk).update(
        status="delayed", deadline=datetime.date.today() + datetime.timedelta(days=200)
    )
    response = _client(admin).get(reverse("plans:summary", args=[AOBA, plan.pk]))
    assert response.status_code == 200
    late = response.content.decode().split("遅れている施策", 1)[1]
    assert 0 <= late.index(second.title) < late.index(first.title)  # the one without 期限 last
