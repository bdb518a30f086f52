"""A municipality fills in and submits a response; the prefecture's tracker shows it at once."""

from chiikidx.assessments.models import Response

from .test_shell import login


def test_answer_autosave_submit_and_prefecture_sees_it(page, browser, artifacts):
    response = Response.objects.get(
        organization__code="992011",
        round__title="令和7年度 第1回",
        round__organization__code="990001",
    )
    login(page, "muni-admin-1")
    page.goto(f"{page.base_url}/o/992011/assessments/responses/{response.pk}/")
    page.get_by_label("レベル3", exact=False).first.check()
    status = page.locator("[data-autosave-status]")
    status.filter(has_text="保存しました").wait_for()
    page.locator("input[name='q-N1']").fill("999")  # out of range: the server explains
    page.locator("input[name='q-N1']").dispatch_event("change")
    page.locator("[data-error-for='N1']").filter(has_text="240分以下").wait_for()
    page.locator("input[name='q-Y1'][value='いいえ']").check()
    page.locator("input[name='q-S1'][value='some']").check()
    page.locator("input[name='q-M1'][value='x']").check()
    page.locator("input[name='q-P1']").fill("４５")
    page.locator("input[name='q-N1']").fill("15")
    page.get_by_role("button", name="保存する").click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="提出する").click()
    assert "提出しました" in page.get_by_role("status").first.inner_text()
    assert "総合スコア" in page.locator("main").inner_text()
    page.screenshot(path=str(artifacts / "response-submitted.png"), full_page=True)

    pref = browser.new_context().new_page()
    pref.base_url = page.base_url
    login(pref, "pref-admin")
    pref.goto(f"{pref.base_url}/o/990001/assessments/rounds/{response.round_id}/")
    row = pref.get_by_role("row").filter(has_text="あおば市")
    assert "提出済み" in row.inner_text()
    assert "57.50" in row.inner_text()  # (50×2 + 72.5)/3, see test_scoring for the method
    pref.screenshot(path=str(artifacts / "round-tracker.png"), full_page=True)
    console_errors = []
    pref.on("console", lambda m: m.type == "error" and console_errors.append(m.text))
    pref.get_by_role("link", name="結果の一覧", exact=False).click()
    heatmap_row = pref.get_by_role("row").filter(has_text="あおば市")
    assert "57.50" in heatmap_row.inner_text()
    pref.locator("[data-chart='heatmap'] .main-svg").first.wait_for()  # Plotly drew it
    assert console_errors == []  # no CSP violation, nothing fetched from outside
    pref.screenshot(path=str(artifacts / "round-overview.png"), full_page=True)
    pref.context.close()


def test_national_overview_draws_its_charts(page, artifacts):
    """The system administrator's national page: two prefectures' rounds of a shipped framework."""
    import datetime
    import random

    from django.contrib.auth import get_user_model

    from chiikidx.assessments import demo, services
    from chiikidx.core.models import Organization

    root = get_user_model().objects.get(username="root")
    for code in ("990001", "980005"):
        prefecture = Organization.objects.get(code=code)
        version = services.adopt_shipped(
            acting_user=root, organization=prefecture, code="jichitai-dx-status"
        )
        survey = services.open_round(
            acting_user=root,
            prefecture=prefecture,
            version=version,
            title="令和7年度 第1回",
            fiscal_year=2025,
            opens_on=datetime.date(2025, 6, 1),
            due_on=datetime.date(2025, 7, 31),
        )
        definition = services.definition_for(survey.responses.first())
        for i, response in enumerate(survey.responses.order_by("organization__code")[:4]):
            rng = random.Random(i)  # noqa: S311 (plausible answers, not secrets)
            values = {q.code: demo._value(q, 0.3 + 0.15 * i, rng) for q in definition.questions()}
            raw = {k: v for k, v in demo._fix_rules(definition, values).items() if v is not None}
            services.save_answers(acting_user=root, response=response, raw=raw)
            services.submit(acting_user=root, response=response)
    console_errors = []
    page.on("console", lambda m: m.type == "error" and console_errors.append(m.text))
    login(page, "root", "root-pass-123!")
    page.get_by_role("link", name="全国のアセスメント").click()
    page.get_by_label("フレームワーク").select_option("jichitai-dx-status")
    page.get_by_role("button", name="表示").click()
    table = page.get_by_role("table", name="都道府県ごとの回答状況と平均スコア(表)")
    assert "みらい県" in table.inner_text() and "4 / " in table.inner_text()
    page.locator("[data-chart='heatmap'] .main-svg").first.wait_for()
    page.locator("[data-chart='box'] .main-svg").first.wait_for()
    page.get_by_label("都道府県", exact=True).select_option(label="つばさ県")
    page.get_by_role("button", name="表示").click()
    rows = page.locator("tbody").last.get_by_role("row")
    assert rows.count() == 4 and "つばさ県" in rows.first.inner_text()
    assert console_errors == []
    page.screenshot(path=str(artifacts / "national-overview.png"), full_page=True)
