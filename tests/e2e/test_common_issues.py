"""The prefecture's admin finds, on 県内の共通課題, the issues several municipalities shared in
their own words side by side in one cluster; moves the similarity slider until the cluster
splits, types a lower threshold (全角) until it is whole again; makes a named group of it and
turns the group into a study group (勉強会). The admin of a member municipality then sees on its
own challenge's page which initiative the challenge joined (and nothing of the others')."""

import datetime
import re

from chiikidx.challenges.models import CommonIssueGroup
from chiikidx.core.models import Organization

from ..challenges.common_sample import shared_issue
from .test_shell import console_errors, login, open_from_menu

GROUP = "デマンド交通の予約システムの共同調達"
STUDY = "地域交通DX勉強会"
ISSUES = [  # (municipality suffix, title, description): あおば市, わかば町, こもれび町, さくら台市
    (
        "201",
        "デマンド交通の予約をオンライン化したい",
        "電話予約が朝夕に集中する。デマンド交通をアプリで予約したい。",
    ),
    (
        "301",
        "デマンドタクシーの電話予約が集中する",
        "デマンド交通の予約を電話で受けている。予約システムを入れたい。",
    ),
    (
        "302",
        "乗合タクシー(デマンド交通)の予約システム",
        "デマンド交通の予約を紙の台帳で管理している。予約システムを共同で調達したい。",
    ),
    ("202", "窓口でキャッシュレス決済ができない", "手数料を現金でしか払えない。"),
]


def _status(page) -> str:
    """The count of clusters above them (a live region, as the threshold changes)."""
    return page.locator(".result-count").inner_text()


def _message(page) -> str:
    return page.locator(".messages").inner_text()


def _cluster(page, number):
    return page.get_by_role("region", name=re.compile(rf"^まとまり {number}"))


def _cards(cluster) -> list[tuple[str, str]]:
    """(municipality, title) of each challenge shown side by side in a cluster."""
    return [
        (card.locator(".common-card__org").inner_text().strip(), card.locator("h3").inner_text())
        for card in cluster.locator("article.common-card").all()
    ]


def test_the_prefecture_groups_similar_issues_into_a_study_group(page, artifacts):
    prefecture = Organization.objects.get(code="990001")
    fields = ["交通", "交通", "交通", "窓口"]
    aoba, wakaba, komorebi, other = [
        shared_issue(prefecture, *issue, field=field)
        for issue, field in zip(ISSUES, fields, strict=True)
    ]
    demand = [
        ("あおば市", aoba.title),
        ("わかば町", wakaba.title),
        ("こもれび町", komorebi.title),
    ]
    console = console_errors(page)
    login(page, "pref-admin")

    # Through the menus: 課題の整理, then the section's 県内の共通課題.
    open_from_menu(page, "課題の整理", "県内の共通課題")
    page.wait_for_url(re.compile(r"/o/990001/challenges/common/$"))
    section = page.get_by_role("navigation", name="課題の整理")
    assert (
        section.get_by_role("link", name="県内の共通課題").get_attribute("aria-current") == "page"
    )

    # The three デマンド交通 issues side by side in one cluster, the unrelated one left out.
    assert _status(page) == (
        "似ている課題のまとまり 1件(課題 3件)、どれとも似ていない課題 1件 ・ しきい値 35%"
    )
    cluster = _cluster(page, 1)
    assert _cards(cluster) == demand
    assert "3市町村" in cluster.locator("h2").inner_text()
    assert cluster.locator("h2").inner_text().endswith("・ 交通")
    assert "デマンド交通" in cluster.locator(".common-term").all_inner_texts()
    assert cluster.locator("mark", has_text="デマンド交通").count() >= 3
    assert other.title not in page.locator("main").inner_text()
    slider = page.get_by_role("slider", name="類似度のしきい値(スライダー)")
    assert slider.input_value() == "0.35"
    page.screenshot(path=str(artifacts / "common-queue.png"), full_page=True)

    # Raise the threshold with the slider (each step it is let go reloads the grouping): at
    # 0.50 あおば市's issue is no longer alike enough on average and the cluster splits.
    for expected in ("0.40", "0.45", "0.50"):
        page.get_by_role("slider", name="類似度のしきい値(スライダー)").press("ArrowRight")
        page.wait_for_url(re.compile(rf"[?&]threshold={expected}(&|$)"))
        assert page.get_by_label("類似度のしきい値(0〜1)").input_value() == expected
    assert _status(page) == (
        "似ている課題のまとまり 1件(課題 2件)、どれとも似ていない課題 2件 ・ しきい値 50%"
    )
    assert _cards(_cluster(page, 1)) == demand[1:]
    assert page.locator(".common-threshold__range output").inner_text() == "50%"
    assert aoba.title not in page.locator("main").inner_text()
    page.screenshot(path=str(artifacts / "common-queue-split.png"), full_page=True)

    # Lower it again by typing: the three merge back into one cluster.
    page.get_by_label("類似度のしきい値(0〜1)").fill("0.3")
    page.get_by_role("button", name="表示する").click()
    page.wait_for_url(re.compile(r"[?&]threshold=0.3(&|$)"))
    assert _status(page).endswith("どれとも似ていない課題 1件 ・ しきい値 30%")
    assert page.get_by_label("類似度のしきい値(0〜1)").input_value() == "0.30"
    cluster = _cluster(page, 1)
    assert _cards(cluster) == demand

    # A group of the cluster: every member is ticked; the admin names it.
    boxes = cluster.get_by_role("checkbox", name="グループに入れる")
    assert boxes.count() == 3 and all(box.is_checked() for box in boxes.all())
    suggested = cluster.get_by_label("グループの名前")
    assert suggested.input_value().endswith("の共通課題")  # a neutral name is suggested
    suggested.fill(GROUP)
    cluster.get_by_role("button", name="印を付けた課題でグループを作る").click()
    page.wait_for_url(re.compile(r"/o/990001/challenges/common/groups/\d+/$"))
    group = CommonIssueGroup.objects.get(organization=prefecture)
    assert page.url.endswith(f"/groups/{group.pk}/")
    assert f"共通課題のグループ「{GROUP}」を作りました" in _message(page)
    assert page.locator("h1").inner_text() == f"{GROUP} 交通"  # the 分野 of its issues
    assert page.locator(".common-badges").inner_text().strip() == "取組は未定"
    involved = page.locator("dl.facts div", has_text="課題を出した市町村").locator("dd")
    assert involved.inner_text() == "あおば市、わかば町、こもれび町"
    assert page.locator("#members article.common-card").count() == 3
    assert set(group.members.values_list("challenge_id", flat=True)) == {
        aoba.pk,
        wakaba.pk,
        komorebi.pk,
    }

    # The study group: あおば市 and こもれび町 take part, わかば町 not (yet).
    initiative = page.locator("#initiative")
    assert initiative.get_by_label("勉強会の名称").input_value() == f"{GROUP} 勉強会"
    initiative.get_by_label("勉強会の名称").fill(STUDY)
    initiative.get_by_label("初回の日付").fill("令和9年1月20日")
    taking_part = initiative.get_by_role("group", name=re.compile("参加する市町村"))
    for name in ("あおば市", "わかば町", "こもれび町"):
        assert taking_part.get_by_label(name, exact=True).is_checked(), name
    taking_part.get_by_label("わかば町", exact=True).uncheck()
    initiative.get_by_role("button", name="勉強会として登録する").click()
    page.wait_for_url(re.compile(rf"/common/groups/{group.pk}/#initiative$"))
    assert f"勉強会「{STUDY}」を登録しました" in _message(page)
    assert page.locator(".common-badges").inner_text().strip() == "勉強会"
    wide = page.locator("dl.facts div", has_text="広域の取組").locator("dd")
    assert STUDY in wide.inner_text() and "初回 令和9年1月20日" in wide.inner_text()
    joined = page.locator("dl.facts div", has_text="参加する市町村").locator("dd")
    assert joined.inner_text() == "あおば市、こもれび町"
    group.refresh_from_db()
    assert (group.initiative, group.study_group_name) == ("study_group", STUDY)
    assert group.study_group_starts_on == datetime.date(2027, 1, 20)
    assert sorted(group.municipalities.values_list("name", flat=True)) == sorted(
        ["あおば市", "こもれび町"]
    )
    page.screenshot(path=str(artifacts / "common-group.png"), full_page=True)

    # The queue says the cluster is grouped already and offers no second group of it.
    page.get_by_role("link", name="県内の共通課題").first.click()
    page.wait_for_url(re.compile(r"/o/990001/challenges/common/$"))
    cluster = _cluster(page, 1)
    assert cluster.get_by_role("link", name=GROUP).count() >= 1
    assert "すべてグループにまとめ済みです" in cluster.inner_text()
    assert cluster.get_by_role("button", name="印を付けた課題でグループを作る").count() == 0

    # あおば市's admin: its challenge's page says which initiative it joined.
    page.context.clear_cookies()
    login(page, "muni-admin-1")
    page.get_by_role("navigation", name="主な機能").get_by_role("link", name="課題の整理").click()
    page.wait_for_url(re.compile(r"/o/992011/challenges/$"))
    page.get_by_role("link", name=aoba.title).click()
    page.wait_for_url(re.compile(rf"/o/992011/challenges/{aoba.pk}/$"))
    panel = page.get_by_role("region", name="県・広域での取組")
    text = panel.inner_text()
    assert GROUP in text and "勉強会" in text
    assert f"勉強会「{STUDY}」 初回 令和9年1月20日" in text and "参加団体" in text
    # … and nothing of the prefecture's own page nor of the other municipalities
    assert panel.get_by_role("link").count() == 0
    main = page.locator("main").inner_text()
    assert wakaba.title not in main and "わかば町" not in main and "こもれび町" not in main
    page.screenshot(path=str(artifacts / "common-municipality-challenge.png"), full_page=True)
    assert console == []
