"""Browser tests: Playwright drives Debian's chromium against a live server on 127.0.0.1."""

import os
from pathlib import Path

import pytest

from tests.conftest import build_world

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} がありません。`make test` が apt で chromium を入れます。")
    # Playwright's sync API keeps an event loop in this thread; the ORM calls made here by
    # fixtures (never by the server under test) are synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def world(transactional_db):
    from chiikidx.core.models import Organization

    # The live server's database is flushed after each browser test; rebuild when needed.
    if not Organization.objects.filter(code="990001").exists():
        build_world()


@pytest.fixture
def page(browser, live_server, world):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.base_url = live_server.url
    yield page
    context.close()


@pytest.fixture
def artifacts():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
