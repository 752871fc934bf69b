"""Playwright drives Debian's Chromium (playwright cannot download browsers here)."""

import os

import pytest

from tests.conftest import CHROMIUM

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM:
        pytest.skip("needs Chromium: apt-get install chromium (CI does)")
    # Playwright's sync API runs an event loop in this thread; the ORM calls made by test
    # fixtures in the same thread are safe because they do not overlap with it.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="nl-NL")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
