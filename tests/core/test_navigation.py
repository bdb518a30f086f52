"""The main menu groups entries into sections; the section menu shows the current group."""

from html.parser import HTMLParser

import pytest

pytestmark = pytest.mark.django_db


class _Navs(HTMLParser):
    """Every <nav>: its aria-label → [(link text, href, aria-current)]."""

    def __init__(self):
        super().__init__()
        self.navs: dict[str, list] = {}
        self.nav = self.link = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "nav":
            self.nav = self.navs.setdefault(attrs.get("aria-label", ""), [])
        elif tag == "a" and self.nav is not None:
            self.link = [attrs["href"], attrs.get("aria-current"), ""]

    def handle_data(self, data):
        if self.link is not None:
            self.link[2] += data

    def handle_endtag(self, tag):
        if tag == "a" and self.link is not None:
            href, current, text = self.link
            self.nav.append((text.strip(), href, current))
            self.link = None
        elif tag == "nav":
            self.nav = None


def _navs(client, url) -> dict:
    parser = _Navs()
    parser.feed(client.get(url).content.decode())
    return parser.navs


def _menus(client, url):
    """(main menu [(label, aria-current)], section menu's label or None, its items)."""
    navs = _navs(client, url)
    main = [(text, current) for text, _href, current in navs.pop("主な機能")]
    sections = [label for label in navs if label not in ("パンくずリスト", "ページ")]
    section = sections[0] if sections else None
    items = [(text, current) for text, _href, current in navs[section]] if section else []
    return main, section, items


def test_groups_make_one_main_item_that_opens_the_first_entry(client, user_named):
    client.force_login(user_named("muni-admin-1"))
    main, section, items = _menus(client, "/o/992011/")
    assert [label for label, _current in main] == [
        "ホーム",
        "自分の作業",
        "団体ホーム",
        "アセスメント",
        "課題の整理",
        "DX推進計画",
        "KPI・振り返り",
        "管理",
        "全国の団体",
    ]
    assert ("団体ホーム", "page") in main and (section, items) == (None, [])
    hrefs = {text: href for text, href, _current in _navs(client, "/o/992011/")["主な機能"]}
    assert hrefs["課題の整理"] == "/o/992011/challenges/"


def test_a_page_of_a_group_shows_the_section_menu(client, user_named):
    client.force_login(user_named("muni-admin-1"))
    main, section, items = _menus(client, "/o/992011/challenges/dialogue/")
    assert ("課題の整理", "true") in main
    assert section == "課題の整理"
    assert items == [("課題", None), ("対話の記録", "page"), ("業務プロセス", None)]
    main, section, items = _menus(client, "/o/992011/audit/")
    assert ("管理", "true") in main
    assert items == [("部署", None), ("職員と権限", None), ("監査ログ", "page")]


def test_a_group_with_one_entry_the_user_may_open_shows_as_that_entry(client, user_named):
    client.force_login(user_named("muni-staff-1"))  # may view 部署, not manage members or audit
    main, section, items = _menus(client, "/o/992011/departments/")
    labels = [label for label, _current in main]
    assert "管理" not in labels and ("部署", "page") in main
    assert (section, items) == (None, [])


def test_the_prefectures_pages_over_municipalities_show_only_for_a_prefecture(client, user_named):
    client.force_login(user_named("pref-admin"))
    _main, section, items = _menus(client, "/o/990001/challenges/common/")
    assert section == "課題の整理"
    assert items == [
        ("課題", None),
        ("対話の記録", None),
        ("業務プロセス", None),
        ("県内の共通課題", "page"),
    ]
    _main, section, items = _menus(client, "/o/990001/monitoring/prefecture/")
    assert items == [("KPI・モニタリング", None), ("県内のKPIの状況", "page"), ("振り返り", None)]
    client.force_login(user_named("muni-admin-1"))
    _main, _section, items = _menus(client, "/o/992011/monitoring/")
    assert items == [("KPI・モニタリング", "page"), ("振り返り", None)]
