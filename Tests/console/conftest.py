"""Browser fixtures for the console tests: one Chromium (Debian's, never a download), a fresh
context and page per test."""

import pytest
from playwright.sync_api import sync_playwright

from console_support import *  # noqa: F401,F403


def pytest_collection_modifyitems(config, items):
    """Without a live server there is nothing to drive: every test is skipped, saying why."""
    if URL and ADMIN and AGENT and AUDITOR:
        return
    skip = pytest.mark.skip(reason="needs a live server: WARDEN_URL, WARDEN_ADMIN_KEY, WARDEN_AGENT_KEY, "
                            "WARDEN_AUDITOR_KEY (scripts/check-console.sh sets them)")
    for item in items:
        item.add_marker(skip)


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as p:
        # Debian's Chromium, never a browser that Playwright downloads.
        launched = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def context(browser):
    ctx = browser.new_context(base_url=URL, viewport={"width": 1280, "height": 900})
    ctx.set_default_timeout(15_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    pg = context.new_page()
    pg.dialogs = []  # every dialog that opened: an escaped page opens none

    def on_dialog(dialog):
        pg.dialogs.append(dialog.message)
        dialog.dismiss()

    pg.on("dialog", on_dialog)
    return pg


@pytest.fixture
def other_page(browser):
    """A second, separate browser (own cookies), for a second role in the same test."""
    ctx = browser.new_context(base_url=URL, viewport={"width": 1280, "height": 900})
    ctx.set_default_timeout(15_000)
    yield ctx.new_page()
    ctx.close()


@pytest.fixture(scope="module")
def server():
    return create_server()


