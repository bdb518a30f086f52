"""A municipality's staff member records a resident survey in 対話の記録, imports its answers from
a Shift_JIS (CP932) CSV with 全角 digits and a 年代 column — first with one bad row (every problem
shown in Japanese by row and column, nothing saved), then fixed — and turns one opinion into a
課題 with its button; the challenge's page links back to the opinion it came from."""

import re

from chiikidx.challenges.models import Challenge, DialogueRecord

from .test_shell import console_errors, login, open_from_menu

TITLE = "令和8年度 市民アンケート(窓口と交通)"
HEADER = "番号,ご意見,年代,お住まいの地区,回答方法\r\n"
ROWS = [
    "１,窓口の待ち時間が長い。土日も開けてほしい。,３０代,北地区,窓口\r\n",
    "２,バスが少ない。通院にデマンド交通を使いたい。,{age},南地区,郵送\r\n",
    "３,電子申請を増やしてほしい,４５,中央地区,Ｗｅｂ\r\n",
]


def _survey_csv(path, age: str):
    """The answers as the survey's spreadsheet software saves them: CP932, CRLF, 全角 digits."""
    path.write_bytes((HEADER + "".join(ROWS).format(age=age)).encode("cp932"))
    return path


def _opinion_rows(page) -> list[list[str]]:
    """番号, 意見 (its attributes on the next line), 年代 and 地区 of each opinion shown."""
    rows = page.locator("table.opinion-table tbody tr").all()
    cells = [row.locator("td").all()[:4] for row in rows]
    return [[re.sub(r"\s*\n\s*", "\n", c.inner_text().strip()) for c in row] for row in cells]


def test_a_survey_is_imported_and_one_opinion_becomes_a_challenge(page, artifacts, tmp_path):
    console = console_errors(page)
    login(page, "muni-staff-1")

    # Through the menus: 課題の整理, then the section's 対話の記録.
    open_from_menu(page, "課題の整理", "対話の記録")
    page.wait_for_url(re.compile(r"/o/992011/challenges/dialogue/$"))
    section = page.get_by_role("navigation", name="課題の整理")
    assert section.get_by_role("link", name="県内の共通課題").count() == 0  # a prefecture's page

    # A 住民アンケート record.
    page.get_by_role("link", name="住民アンケートを登録する").click()
    page.wait_for_url(re.compile(r"/dialogue/new/\?kind=survey$"))
    assert page.get_by_label("種類").locator("option:checked").inner_text() == "住民アンケート"
    page.get_by_label("件名").fill(TITLE)
    page.get_by_label("実施日").fill("令和8年6月1日")
    page.get_by_label("終了日").fill("令和8年6月30日")
    page.get_by_label("部署(原課)").select_option(label="福祉課")
    page.get_by_label("参加者").fill("福祉課 2名")
    page.get_by_role("button", name="登録する").click()
    page.wait_for_url(re.compile(r"/o/992011/challenges/dialogue/\d+/$"))
    record = DialogueRecord.objects.get(title=TITLE)
    assert record.kind == "survey" and record.department.name == "福祉課"
    assert f"対話の記録「{TITLE}」を登録しました。" in page.locator(".messages").inner_text()
    assert page.locator("h1").inner_text() == TITLE

    # The file with one bad row: every problem in Japanese by row and column, nothing saved.
    page.get_by_role("link", name="ファイルから意見を取り込む").click()
    page.wait_for_url(re.compile(rf"/dialogue/{record.pk}/import/$"))
    import_url = page.url
    assert "この記録には今 0 件の意見があります" in page.locator("main").inner_text()
    bad = _survey_csv(tmp_path / "アンケート結果.csv", age="１３０")
    page.get_by_label("アンケートのファイル(Excel または CSV)").set_input_files(bad)
    page.get_by_role("button", name="取り込む").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "ファイルに 1 件の誤りがあります。何も保存していません。" in alert.inner_text()
    problems = alert.locator("table.import-errors tbody tr")
    assert problems.count() == 1
    assert [c.inner_text() for c in problems.first.locator("td").all()] == [
        "3",
        "年代",
        "１３０",
        "年代は「30代」のように書くか、0から120までの年齢を書いてください。",
    ]
    assert record.opinions.count() == 0
    page.screenshot(path=str(artifacts / "dialogue-import-error.png"), full_page=True)

    # Fixed: the three opinions, numbered and with 年代 written one way.
    fixed = _survey_csv(tmp_path / "アンケート結果(修正).csv", age="７０歳以上")
    page.get_by_label("アンケートのファイル(Excel または CSV)").set_input_files(fixed)
    page.get_by_role("button", name="取り込む").click()
    page.wait_for_url(re.compile(rf"/dialogue/{record.pk}/#opinions$"))
    assert "意見を3件取り込みました。" in page.locator(".messages").inner_text()
    assert _opinion_rows(page) == [
        ["1", "窓口の待ち時間が長い。土日も開けてほしい。\n回答方法: 窓口", "30代", "北地区"],
        ["2", "バスが少ない。通院にデマンド交通を使いたい。\n回答方法: 郵送", "70代以上", "南地区"],
        ["3", "電子申請を増やしてほしい\n回答方法: Web", "40代", "中央地区"],  # Ｗｅｂ read
    ]
    facets = page.get_by_role("navigation", name="年代ごとの件数")
    assert facets.get_by_role("link").all_inner_texts() == ["30代 1", "40代 1", "70代以上 1"]
    assert list(record.opinions.order_by("number").values_list("number", "age_band")) == [
        (1, "30代"),
        (2, "70代以上"),
        (3, "40代"),
    ]

    # Opinion 2 becomes a 課題; its page links back to the opinion in its record.
    opinion = record.opinions.get(number=2)
    page.get_by_role("button", name="2番を課題にする").click()
    page.wait_for_url(re.compile(r"/o/992011/challenges/\d+/$"))
    made = Challenge.objects.get(source_opinion=opinion)
    assert page.url.endswith(f"/challenges/{made.pk}/")
    assert page.locator("h1").inner_text() == "バスが少ない"
    assert f"課題「{made.title}」を作りました(出どころの記録とつながっています)" in (
        page.locator(".messages").inner_text()
    )
    source = page.locator("dl.facts > div", has_text="出どころ").locator("dd")
    assert source.inner_text().startswith("住民の意見")
    assert source.locator("blockquote").inner_text() == opinion.text
    back = source.get_by_role("link", name=f"{TITLE} の 2番")
    assert back.get_attribute("href") == (
        f"/o/992011/challenges/dialogue/{record.pk}/#opinion-{opinion.pk}"
    )
    assert (made.source_kind, made.source_record_id, made.department) == (
        "opinion",
        record.pk,
        record.department,
    )

    # Back to the record: the opinion's button became a link to its 課題.
    back.click()
    page.wait_for_url(re.compile(rf"/dialogue/{record.pk}/#opinion-{opinion.pk}$"))
    row = page.locator(f"#opinion-{opinion.pk}")
    assert row.get_by_role("button", name="2番を課題にする").count() == 0
    assert row.get_by_role("link", name="課題を開く").get_attribute("href") == (
        f"/o/992011/challenges/{made.pk}/"
    )
    listed = page.locator("#challenges tbody tr")
    assert listed.count() == 1 and "意見 2番" in listed.inner_text()
    page.screenshot(path=str(artifacts / "dialogue-record.png"), full_page=True)
    # The refused file is answered 400 (the form again, with its errors), which the browser
    # reports once; nothing else may fail.
    refused = [m for m in console if m.startswith(import_url) and "status of 400" in m]
    assert len(refused) == 1 and [m for m in console if m not in refused] == []
