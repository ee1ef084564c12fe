"""Playwright driving Debian's Chromium (headless) against pytest-django's live server."""

import os
import time
from pathlib import Path

import pytest

from tests.conftest import require

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"

# Playwright's sync API keeps an event loop in this thread; the ORM calls the tests make
# before driving the browser are plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    require(CHROMIUM.exists(), f"Chromium not found at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A page in a visitor's browser set to Paris time, recording every request it makes."""
    context = browser.new_context(
        timezone_id="Europe/Paris", locale="en-GB", viewport={"width": 1200, "height": 900}
    )
    page = context.new_page()
    page.requests = []
    page.on("request", lambda request: page.requests.append(request.url))
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    yield page
    # Stop the page's scripts (a poll, a debounced run) before the database is flushed: a request
    # the live server is still writing for would deadlock with the flush's TRUNCATE.
    page.goto("about:blank")
    time.sleep(0.3)  # for a request already in the server's hands to finish
    context.close()


@pytest.fixture
def artifacts():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def axe():
    """axe-core's violations on a page as it is now: [(rule, impact, nodes)]. axe is injected
    as a script, which only a context made with bypass_csp=True allows."""
    require(AXE.exists(), "axe-core not installed (make setup installs it from npm)")

    def violations(page) -> list:
        page.add_script_tag(path=str(AXE))
        return page.evaluate(
            "async () => (await axe.run()).violations.map(v => [v.id, v.impact, v.nodes.length])"
        )

    return violations
