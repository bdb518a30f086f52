"""Log in as the prefecture admin, walk the main pages, prove nothing leaves 127.0.0.1."""

from urllib.parse import urlsplit

MAIN_PAGES = [
    ("home", "/"),
    ("tasks", "/tasks/"),
    ("prefecture", "/o/990001/"),
    ("departments", "/o/990001/departments/"),
    ("members", "/o/990001/members/"),
    ("audit", "/o/990001/audit/"),
    ("municipality", "/o/992011/"),
    ("registry", "/registry/?q=%E3%81%95%E3%81%A3%E3%81%BD%E3%82%8D"),
    ("registry-detail", "/registry/990001/"),
    ("api-docs", "/api/v1/docs/"),
]


def login(page, username, password="chiikidx-demo"):
    page.goto(page.base_url + "/login/")
    page.get_by_label("ログインID").fill(username)
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url(page.base_url + "/")


def console_errors(page) -> list[str]:
    """The browser console's errors from now on ("page URL: message"), collected as they come."""
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(f"{page.url}: {m.text}"))
    return errors


def open_from_menu(page, item: str, section_item: str | None = None) -> None:
    """Click `item` of the main menu, then `section_item` of that section's menu."""
    page.get_by_role("navigation", name="主な機能").get_by_role("link", name=item).click()
    if section_item:
        section = page.get_by_role("navigation", name=item)
        section.get_by_role("link", name=section_item).click()


def test_pref_admin_main_pages_stay_on_this_server(page, artifacts):
    requests, console = [], console_errors(page)
    page.on("request", lambda request: requests.append(request.url))
    login(page, "pref-admin")
    for name, path in MAIN_PAGES:
        response = page.goto(page.base_url + path)
        assert response.status == 200, (path, response.status)
        page.wait_for_load_state("networkidle")
        assert page.locator("h1, .swagger-ui").first.is_visible(), path
        page.screenshot(path=str(artifacts / f"pref-admin-{name}.png"), full_page=True)
    hosts = {urlsplit(url).hostname for url in requests if not url.startswith("data:")}
    assert hosts == {"127.0.0.1"}, hosts
    assert console == [], console  # CSP violations would show up here


def test_demo_label_and_navigation(page):
    login(page, "muni-admin-1")
    page.goto(page.base_url + "/o/992011/")
    assert page.locator(".demo-banner").is_visible()
    assert "デモデータ" in page.locator(".demo-banner").inner_text()
    nav = page.get_by_role("navigation", name="主な機能")
    labels = ["ホーム", "自分の作業", "団体ホーム", "アセスメント", "課題の整理", "DX推進計画"]
    labels += ["KPI・振り返り", "管理", "全国の団体"]
    assert [a.inner_text() for a in nav.get_by_role("link").all()] == labels
    # The main menu is one line at 1280 px: every item at the same height.
    assert len({round(a.bounding_box()["y"]) for a in nav.get_by_role("link").all()}) == 1
    assert page.get_by_role("navigation", name="管理").count() == 0  # no section menu here
    nav.get_by_role("link", name="管理").click()
    page.wait_for_url("**/o/992011/departments/")
    assert nav.get_by_role("link", name="管理").get_attribute("aria-current") == "true"
    section = page.get_by_role("navigation", name="管理")
    assert [a.inner_text() for a in section.get_by_role("link").all()] == [
        "部署",
        "職員と権限",
        "監査ログ",
    ]
    assert section.get_by_role("link", name="部署").get_attribute("aria-current") == "page"
    section.get_by_role("link", name="監査ログ").click()
    page.wait_for_url("**/o/992011/audit/")
    section = page.get_by_role("navigation", name="管理")
    assert section.get_by_role("link", name="監査ログ").get_attribute("aria-current") == "page"


def test_keyboard_user_reaches_content_through_skip_link(page):
    page.goto(page.base_url + "/registry/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="本文へ移動")
    assert skip.evaluate("el => el === document.activeElement")
    assert skip.is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"


def test_registry_search_finds_by_fullwidth_code(page):
    page.goto(page.base_url + "/registry/")
    page.get_by_label("団体名・よみがな・団体コード").fill("１３１０１")
    page.get_by_role("button", name="検索").click()
    assert page.get_by_role("link", name="千代田区").is_visible()
    assert "1 件" in page.locator(".result-count").inner_text()


def test_wrong_password_shows_japanese_error(page):
    page.goto(page.base_url + "/login/")
    page.get_by_label("ログインID").fill("pref-staff")
    page.get_by_label("パスワード").fill("wrong-password")
    page.get_by_role("button", name="ログイン").click()
    alert = page.get_by_role("alert")
    assert "正しいユーザー名とパスワード" in alert.inner_text()


def test_small_screens_do_not_scroll_sideways(page, artifacts):
    page.set_viewport_size({"width": 375, "height": 800})
    login(page, "pref-admin")
    for name, path in [("home", "/"), ("prefecture", "/o/990001/"), ("registry", "/registry/")]:
        page.goto(page.base_url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, (path, width)
        page.screenshot(path=str(artifacts / f"mobile-{name}.png"), full_page=True)


def test_admin_registers_a_member_who_can_then_log_in(page, browser, live_server):
    login(page, "muni-admin-1")
    page.goto(page.base_url + "/o/992011/members/")
    page.get_by_role("link", name="職員を登録する").click()
    page.get_by_label("ログインID").fill("kikaku-tanaka")
    page.get_by_label("姓").fill("田中")
    page.get_by_label("役割").select_option(label="原課担当")
    page.get_by_label("部署").select_option(label="企画課")
    page.get_by_label("初期パスワード").fill("Kikaku-Mirai-2026")
    page.get_by_role("button", name="登録する").click()
    assert "kikaku-tanaka を登録しました" in page.get_by_role("status").inner_text()
    fresh = browser.new_context().new_page()
    fresh.base_url = page.base_url
    login(fresh, "kikaku-tanaka", "Kikaku-Mirai-2026")
    assert "あおば市" in fresh.locator(".context-bar").inner_text()
    fresh.context.close()


def test_form_errors_are_announced_and_focused(page):
    login(page, "muni-admin-1")
    page.goto(page.base_url + "/o/992011/members/new/")
    page.get_by_role("button", name="登録する").click()
    focused = page.evaluate("document.activeElement.className")
    assert "form-error" in focused or page.evaluate("document.activeElement.tagName") == "INPUT"
    assert page.locator(".field__error").first.is_visible()
